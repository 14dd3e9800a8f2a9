import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PaymentGatewayError } from '../../payment/gateway.ts';
import {
  buttonForm,
  formatDate,
  html,
  type SafeHtml,
  stepIndicator,
  summaryList,
  type Text,
  tr,
  yen,
} from '../../web/index.ts';
import type { Quals } from '../context.ts';
import type { Application } from '../registry/applications.ts';
import { KIND_TEXT } from '../texts.ts';
import { applicationSummary, qualificationName, statusBadge } from './views.ts';

const STEPS: Text[] = [
  { ja: '決済情報の確認', en: 'Payment details' },
  { ja: 'お支払い方法の選択', en: 'Payment method' },
  { ja: '決済情報の確認', en: 'Confirm the method' },
  { ja: '注意事項の確認', en: 'Notes' },
  { ja: '申請内容の確認', en: 'Check the application' },
  { ja: 'カード情報の入力', en: 'Card details' },
  { ja: '決済完了', en: 'Done' },
];
const LABEL: Text = { ja: 'オンライン決済の手順', en: 'Online payment steps' };

const UNAVAILABLE: Text = {
  ja: '決済サービスに接続できませんでした。時間をおいて、もう一度お試しください。',
  en: 'The payment service could not be reached. Please try again later.',
};
const NOT_PAID: Text = {
  ja: 'お支払いは完了していません。もう一度お試しください。',
  en: 'The payment was not completed. Please try again.',
};

/**
 * ⑤ オンライン決済 as the seed draws it: pending list → 「決済する」 →
 * 「クレジットカードでのお支払」 → 「お支払い方法を確定する」 → 「同意する」 →
 * 「手続を開始する」 → the provider's pages (card entry, check, pay) → back
 * here, where the provider is asked how the payment ended.
 */
export function paymentRoutes(app: FastifyInstance, d: Quals): void {
  const auth = { preHandler: d.holderOnly };
  const apps = d.registry.applications;
  const holder = (req: FastifyRequest) => req.session.accountId!;

  app.get('/payments', auth, async (req, reply) => {
    const l = req.lang;
    const all = await apps.listForHolder(holder(req));
    const pending = all.filter((a) => a.status === 'payment_pending');
    const paid = all.filter((a) => a.paidAt !== null);
    const row = (a: Application) =>
      html`<tr><td><a href="/applications/${a.id}/payment">${tr(l, KIND_TEXT[a.kind])}</a></td><td>${qualificationName(l, a.qualificationId)}</td><td>${yen(a.fee)}</td><td>${statusBadge(l, a.status)}</td></tr>`;
    const table = (rows: Application[]) =>
      html`<table><thead><tr><th>${tr(l, { ja: '手続き', en: 'Procedure' })}</th><th>${tr(l, { ja: '国家資格', en: 'Qualification' })}</th><th>${tr(l, { ja: '金額', en: 'Amount' })}</th><th>${tr(l, { ja: '状況', en: 'Status' })}</th></tr></thead><tbody>${rows.map(row)}</tbody></table>`;
    return reply.page({
      title: { ja: '手続きの選択（決済）', en: 'Payments' },
      body: html`<h2>${tr(l, { ja: '決済待ちの申請', en: 'Awaiting payment' })}</h2>${
        pending.length
          ? table(pending)
          : html`<p>${tr(l, { ja: '決済待ちの申請はありません。', en: 'Nothing to pay.' })}</p>`
      }${paid.length ? html`<h2>${tr(l, { ja: 'お支払い済み', en: 'Paid' })}</h2>${table(paid)}` : ''}`,
    });
  });

  const pageFor = (
    req: FastifyRequest,
    reply: FastifyReply,
    a: Application,
    step: number,
    body: SafeHtml,
    title: Text = STEPS[step]!,
  ) =>
    reply.page({
      title,
      progress: stepIndicator(req.lang, LABEL, STEPS, step),
      body: html`${summaryList(req.lang, [
        [
          { ja: '手続き', en: 'Procedure' },
          `${tr(req.lang, KIND_TEXT[a.kind])} — ${qualificationName(req.lang, a.qualificationId)}`,
        ],
        [{ ja: 'お支払い金額', en: 'Amount' }, yen(a.fee)],
      ])}${body}`,
    });
  const next = (req: FastifyRequest, href: string, label: Text) =>
    html`<div class="actions"><a class="button" href="${href}">${tr(req.lang, label)}</a><a class="button secondary" href="/payments">${tr(req.lang, { ja: '戻る', en: 'Back' })}</a></div>`;

  /** The application to pay, or a redirect when there is nothing to pay. */
  const payable = async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const a = await apps.get(holder(req), req.params.id);
    if (a.status === 'payment_pending') return a;
    await reply.redirect(a.paidAt ? `/applications/${a.id}/receipt` : `/applications/${a.id}/done`, 303);
    return undefined;
  };

  app.get<{ Params: { id: string } }>('/applications/:id/payment', auth, async (req, reply) => {
    const a = await payable(req, reply);
    if (!a) return;
    return pageFor(
      req,
      reply,
      a,
      0,
      next(req, `/applications/${a.id}/payment/method`, { ja: '決済する', en: 'Pay' }),
    );
  });
  app.get<{ Params: { id: string } }>('/applications/:id/payment/method', auth, async (req, reply) => {
    const a = await payable(req, reply);
    if (!a) return;
    return pageFor(
      req,
      reply,
      a,
      1,
      next(req, `/applications/${a.id}/payment/confirm-method`, {
        ja: 'クレジットカードでのお支払',
        en: 'Pay by credit card',
      }),
    );
  });
  app.get<{ Params: { id: string } }>(
    '/applications/:id/payment/confirm-method',
    auth,
    async (req, reply) => {
      const a = await payable(req, reply);
      if (!a) return;
      return pageFor(
        req,
        reply,
        a,
        2,
        html`${summaryList(req.lang, [
          [
            { ja: 'お支払い方法', en: 'Method' },
            { ja: 'クレジットカード', en: 'Credit card' },
          ],
        ])}${next(req, `/applications/${a.id}/payment/notes`, {
          ja: 'お支払い方法を確定する',
          en: 'Confirm the method',
        })}`,
      );
    },
  );
  app.get<{ Params: { id: string } }>('/applications/:id/payment/notes', auth, async (req, reply) => {
    const a = await payable(req, reply);
    if (!a) return;
    return pageFor(
      req,
      reply,
      a,
      3,
      html`<div class="panel notice"><ul><li>${tr(req.lang, { ja: 'お支払い後の取消し・返金はできません。', en: 'Payments cannot be cancelled or refunded.' })}</li><li>${tr(req.lang, { ja: 'カード情報の入力は決済代行会社の画面で行います。カード情報は本サービスには保存されません。', en: 'You enter your card on the payment provider’s pages; this service never stores card details.' })}</li><li>${tr(req.lang, { ja: 'ご利用いただけるカード: Visa、Mastercard、JCB、American Express、Diners Club', en: 'Cards accepted: Visa, Mastercard, JCB, American Express, Diners Club' })}</li></ul></div>${next(
        req,
        `/applications/${a.id}/payment/review`,
        { ja: '同意する', en: 'I agree' },
      )}`,
    );
  });
  app.get<{ Params: { id: string } }>('/applications/:id/payment/review', auth, async (req, reply) => {
    const a = await payable(req, reply);
    if (!a) return;
    return pageFor(
      req,
      reply,
      a,
      4,
      html`${applicationSummary(req.lang, a)}${buttonForm(req.lang, req.session, `/applications/${a.id}/payment/start`, { ja: '手続を開始する', en: 'Start the payment' })}`,
    );
  });
  app.post<{ Params: { id: string } }>('/applications/:id/payment/start', auth, async (req, reply) => {
    const a = await payable(req, reply);
    if (!a) return;
    try {
      const checkout = await d.payments.createCheckout({
        orderId: a.id,
        amount: a.fee,
        description: `${qualificationName('ja', a.qualificationId)} ${KIND_TEXT[a.kind].ja} 手数料`,
        returnUrl: `${d.publicUrl}/payments/return`,
      });
      await apps.setPayment(holder(req), a.id, checkout.paymentId);
      const url = new URL(checkout.checkoutUrl);
      url.searchParams.set('lang', req.lang);
      return reply.redirect(url.toString(), 303);
    } catch (e) {
      if (!(e instanceof PaymentGatewayError)) throw e;
      req.log.warn({ err: e }, 'payment could not start');
      await req.session.flash('error', UNAVAILABLE);
      return reply.redirect(`/applications/${a.id}/payment/review`, 303);
    }
  });

  // the provider sends the payer back here; what it says is asked of it, never taken from the URL
  app.get<{ Querystring: { payment_id?: string } }>('/payments/return', auth, async (req, reply) => {
    const paymentId = String(req.query.payment_id ?? '');
    let state: Awaited<ReturnType<typeof d.payments.getPayment>>;
    try {
      state = await d.payments.getPayment(paymentId);
    } catch (e) {
      if (!(e instanceof PaymentGatewayError)) throw e;
      await req.session.flash('error', UNAVAILABLE);
      return reply.redirect('/payments', 303);
    }
    const a = await apps.get(holder(req), state.orderId);
    if (state.status === 'succeeded' && state.amount === a.fee) {
      await apps.markPaid(a.id, state.paymentId);
      return reply.redirect(`/applications/${a.id}/receipt`, 303);
    }
    await req.session.flash('error', NOT_PAID);
    return reply.redirect(`/applications/${a.id}/payment`, 303);
  });

  app.get<{ Params: { id: string } }>('/applications/:id/receipt', auth, async (req, reply) => {
    const a = await apps.get(holder(req), req.params.id);
    if (!a.paidAt || !a.paymentId) return reply.redirect(`/applications/${a.id}/payment`, 303);
    const state = await d.payments.getPayment(a.paymentId).catch(() => undefined);
    return pageFor(
      req,
      reply,
      a,
      6,
      html`<div class="panel" role="status"><p>${tr(req.lang, { ja: 'お支払いが完了しました。申請は資格管理団体で審査されます。', en: 'Your payment is complete. The managing body will review your application.' })}</p></div>${summaryList(
        req.lang,
        [
          [{ ja: 'お支払い日時', en: 'Paid at' }, formatDate(a.paidAt, true)],
          [{ ja: 'お支払い番号', en: 'Payment reference' }, a.paymentId],
          [
            { ja: 'カード', en: 'Card' },
            state?.cardBrand ? `${state.cardBrand.toUpperCase()} **** ${state.cardLast4 ?? ''}` : null,
          ],
        ],
      )}<p><a href="/qualifications">${tr(req.lang, { ja: '国家資格の一覧へ', en: 'Back to your qualifications' })}</a></p>`,
      { ja: 'お支払完了', en: 'Payment complete' },
    );
  });
}
