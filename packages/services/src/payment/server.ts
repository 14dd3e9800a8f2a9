import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import formbody from '@fastify/formbody';
import { createHttpServer, HonninError, type Logger, type Metrics, type Storage } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  errorSummary,
  type FieldErrors,
  html,
  input,
  type Lang,
  type PageContent,
  parseLang,
  raw,
  renderPage,
  summaryList,
  type Text,
  tr,
  yen,
} from '../web/index.ts';
import {
  BRAND_NAMES,
  type CardBrand,
  cardBrand,
  cvcValid,
  expiryValid,
  luhnValid,
  networkDecision,
  normalizeCardNumber,
} from './card.ts';
import type { PaymentDB } from './store.ts';

const SITE = {
  serviceName: { ja: 'honnin Pay カード決済', en: 'honnin Pay card payment' },
  tagline: { ja: '決済代行サービス（シミュレータ）', en: 'Payment service provider (simulator)' },
  css: '.expiry{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}.expiry label{font-weight:400}.expiry input{width:5rem}',
};

const digest = (s: string) => createHash('sha256').update(s).digest();

interface CardForm {
  number: string;
  expMonth: string;
  expYear: string;
  cvc: string;
  holder: string;
}

const CARD_ERRORS = {
  number: { ja: 'カード番号が正しくありません。', en: 'The card number is not valid.' },
  brand: {
    ja: 'ご利用いただけないカードです（Visa、Mastercard、JCB、American Express、Diners Club）。',
    en: 'This card cannot be used (Visa, Mastercard, JCB, American Express, Diners Club).',
  },
  expiry: { ja: '有効期限が正しくないか、期限切れです。', en: 'The expiry date is not valid or has passed.' },
  cvc: { ja: 'セキュリティコードが正しくありません。', en: 'The security code is not valid.' },
  holder: {
    ja: 'カード名義をローマ字（半角英字）で入力してください。',
    en: 'Enter the cardholder name in Latin letters.',
  },
} satisfies Record<string, Text>;

const DECLINED: Record<string, Text> = {
  card_declined: {
    ja: 'このカードはご利用いただけませんでした。別のカードをお試しください。',
    en: 'The card was declined. Please try another card.',
  },
  insufficient_funds: {
    ja: 'ご利用可能額を超えているため、お支払いできませんでした。',
    en: 'The payment exceeds the card’s available credit.',
  },
};

type Checked =
  | { ok: true; digits: string; brand: CardBrand; month: number; year: number }
  | { ok: false; errors: FieldErrors };

export function checkCard(form: CardForm, now: Date): Checked {
  const errors: FieldErrors = {};
  const digits = normalizeCardNumber(form.number);
  const brand = cardBrand(digits);
  if (!luhnValid(digits)) errors.number = CARD_ERRORS.number;
  else if (!brand) errors.number = CARD_ERRORS.brand;
  const month = Number(form.expMonth);
  const year = Number(form.expYear);
  if (!/^\d{1,2}$/.test(form.expMonth) || !/^\d{2}$/.test(form.expYear) || !expiryValid(month, year, now)) {
    errors.expMonth = CARD_ERRORS.expiry;
  }
  if (!brand || !cvcValid(form.cvc.trim(), brand)) errors.cvc = CARD_ERRORS.cvc;
  if (!/^[A-Za-z][A-Za-z .'-]{1,44}$/.test(form.holder.trim())) errors.holder = CARD_ERRORS.holder;
  if (Object.keys(errors).length || !brand) return { ok: false, errors };
  return { ok: true, digits, brand, month, year };
}

function cardForm(body: unknown): CardForm {
  const b = (body ?? {}) as Record<string, unknown>;
  const s = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
  return {
    number: s('number'),
    expMonth: s('expMonth'),
    expYear: s('expYear'),
    cvc: s('cvc'),
    holder: s('holder'),
  };
}

/**
 * A simulated card-payment provider: a merchant API (Bearer secret key) that
 * opens hosted checkouts, and the pages where the payer enters the card,
 * checks it and pays. Test numbers ending in 0002 are declined and in 9995
 * lack funds; any other Luhn-valid number of a known brand is approved.
 */
export function createPaymentServer(opts: {
  storage: Storage<PaymentDB>;
  publicUrl: string;
  secretKey: string;
  now?: () => Date;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
}): FastifyInstance {
  const app = createHttpServer({ name: 'payment', logger: opts.logger, metrics: opts.metrics });
  void app.register(formbody);
  const db = opts.storage.db;
  const now = opts.now ?? (() => new Date());
  const key = digest(opts.secretKey);

  const merchant = (req: FastifyRequest) => {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !timingSafeEqual(digest(auth.slice(7)), key)) {
      throw new HonninError('payment_unauthorized', 'a valid secret key is required', { status: 401 });
    }
    return 'default';
  };

  app.post<{ Body: Record<string, unknown> }>('/v1/checkouts', async (req, reply) => {
    const m = merchant(req);
    const b = req.body ?? {};
    const amount = Number(b.amount);
    const returnUrl = String(b.return_url ?? '');
    if (!Number.isInteger(amount) || amount < 1 || amount > 10_000_000) {
      throw new HonninError('payment_amount_invalid', 'amount must be a whole number of yen, 1–10,000,000');
    }
    if (!/^https?:\/\/[^\s]+$/.test(returnUrl))
      throw new HonninError('payment_return_url_invalid', 'return_url must be http(s)');
    const orderId = String(b.order_id ?? '').slice(0, 100);
    if (!orderId) throw new HonninError('payment_order_invalid', 'order_id is required');
    const id = `pay_${randomBytes(18).toString('base64url')}`;
    await db
      .insertInto('payment')
      .values({
        id,
        merchant: m,
        order_id: orderId,
        amount,
        description: String(b.description ?? '').slice(0, 200),
        return_url: returnUrl,
        status: 'pending',
        form_token: randomBytes(18).toString('base64url'),
        card_brand: null,
        card_last4: null,
        card_expiry: null,
        failure: null,
        created_at: now().getTime(),
        paid_at: null,
      })
      .execute();
    return reply.status(201).send({ payment_id: id, checkout_url: `${opts.publicUrl}/checkout/${id}` });
  });

  app.get<{ Params: { id: string } }>('/v1/payments/:id', async (req) => {
    const m = merchant(req);
    const p = await db
      .selectFrom('payment')
      .selectAll()
      .where('id', '=', req.params.id)
      .where('merchant', '=', m)
      .executeTakeFirst();
    if (!p) throw new HonninError('payment_unknown', 'no such payment', { status: 404 });
    return {
      payment_id: p.id,
      order_id: p.order_id,
      amount: Number(p.amount),
      status: p.status,
      card_brand: p.card_brand,
      card_last4: p.card_last4,
      paid_at: p.paid_at === null ? null : Number(p.paid_at),
      failure: p.failure,
    };
  });

  // ---- hosted pages -------------------------------------------------------
  const lang = (req: FastifyRequest): Lang =>
    parseLang((req.query as Record<string, unknown>).lang) ??
    parseLang((req.body as Record<string, unknown> | undefined)?.lang) ??
    'ja';
  const page = (req: FastifyRequest, reply: FastifyReply, content: PageContent, status = 200) =>
    reply
      .status(status)
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .type('text/html; charset=utf-8')
      .send(renderPage(SITE, { lang: lang(req), url: req.url, flash: [] }, content));

  // The provider's own front page: what this simulator is and which test cards do what.
  app.get('/', async (req, reply) => {
    const l = lang(req);
    const cards: [string, Text][] = [
      ['4111 1111 1111 1111', { ja: '承認されます', en: 'approved' }],
      ['4000 0000 0000 0002', { ja: 'カード会社により拒否されます', en: 'declined by the issuer' }],
      ['4000 0000 0000 9995', { ja: '利用可能額不足で拒否されます', en: 'declined: insufficient funds' }],
    ];
    return page(req, reply, {
      title: { ja: 'カード決済（シミュレータ）', en: 'Card payment (simulator)' },
      body: html`<p>${tr(l, {
        ja: '申請サービス（国家資格等オンライン）の手数料をクレジットカードで支払う画面を模したシミュレータです。お支払いは申請サービスの画面から始まります。実際の請求は発生しません。',
        en: 'A simulator of the card payment pages the services (national qualifications online) send their fees to. A payment starts from the service’s page; nothing is ever charged.',
      })}</p>
<h2>${tr(l, { ja: 'テスト用カード番号', en: 'Test card numbers' })}</h2>
<table><thead><tr><th scope="col">${tr(l, { ja: 'カード番号', en: 'Card number' })}</th><th scope="col">${tr(l, { ja: '結果', en: 'Result' })}</th></tr></thead><tbody>${cards.map(
        ([n, t]) => html`<tr><td>${n}</td><td>${tr(l, t)}</td></tr>`,
      )}</tbody></table>
<p class="muted">${tr(l, {
        ja: '有効期限は未来の月、セキュリティコードは任意の3桁（American Expressは4桁）、名義は半角英字です。加盟店API: POST /v1/checkouts、GET /v1/payments/{id}（シークレットキーによるBearer認証）。',
        en: 'Any future expiry month, any 3-digit security code (4 for American Express), the holder in Latin letters. Merchant API: POST /v1/checkouts, GET /v1/payments/{id} (Bearer secret key).',
      })}</p>`,
    });
  });

  const load = async (req: FastifyRequest<{ Params: { id: string } }>, checkToken: boolean) => {
    const p = await db.selectFrom('payment').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!p) throw new HonninError('payment_unknown', 'no such payment', { status: 404 });
    if (checkToken) {
      const t = (req.body as Record<string, unknown> | undefined)?._token;
      if (typeof t !== 'string' || !timingSafeEqual(digest(t), digest(p.form_token))) {
        throw new HonninError('payment_form_expired', 'the form has expired; start again', { status: 403 });
      }
    }
    return p;
  };
  const PAGE_ERRORS: Record<string, Text> = {
    payment_unknown: { ja: 'このお支払いは見つかりません。', en: 'This payment was not found.' },
    payment_form_expired: {
      ja: '画面の有効期限が切れました。申請サービスから、もう一度お支払いを始めてください。',
      en: 'This page has expired. Start the payment again from the service.',
    },
  };
  type PageHandler = (
    req: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ) => Promise<unknown>;
  /** The hosted pages answer a browser with a page, never with JSON. */
  const asPage =
    (handler: PageHandler): PageHandler =>
    async (req, reply) => {
      try {
        return await handler(req, reply);
      } catch (e) {
        const text = e instanceof HonninError ? PAGE_ERRORS[e.code] : undefined;
        if (!text || !(e instanceof HonninError)) throw e;
        return page(
          req,
          reply,
          {
            title: { ja: 'お支払い', en: 'Payment' },
            body: html`<div class="flash error" role="alert">${tr(lang(req), text)}</div>`,
          },
          e.status,
        );
      }
    };
  const hidden = (p: PaymentDB['payment'], l: Lang) =>
    html`<input type="hidden" name="_token" value="${p.form_token}"><input type="hidden" name="lang" value="${l}">`;
  const orderSummary = (l: Lang, p: PaymentDB['payment']) =>
    summaryList(l, [
      [{ ja: 'ご利用内容', en: 'Purchase' }, p.description],
      [{ ja: 'お支払い金額', en: 'Amount' }, yen(Number(p.amount))],
    ]);
  const finished = (req: FastifyRequest, reply: FastifyReply, p: PaymentDB['payment']) =>
    page(req, reply, {
      title: { ja: 'このお支払いは終了しています', en: 'This payment has ended' },
      body: html`<p><a href="${returnTo(p)}">${tr(lang(req), { ja: '申請サービスへ戻る', en: 'Back to the service' })}</a></p>`,
    });
  const returnTo = (p: PaymentDB['payment']) => {
    const u = new URL(p.return_url);
    u.searchParams.set('payment_id', p.id);
    return u.toString();
  };

  const entryPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    p: PaymentDB['payment'],
    form: CardForm,
    errors?: FieldErrors,
    notice?: Text,
  ) => {
    const l = lang(req);
    return page(
      req,
      reply,
      {
        title: { ja: 'カード情報の入力', en: 'Enter your card' },
        body: html`${orderSummary(l, p)}${errorSummary(l, errors)}${
          notice ? html`<div class="flash error" role="alert">${tr(l, notice)}</div>` : ''
        }
<form method="post" action="/checkout/${p.id}/confirm" novalidate>${hidden(p, l)}
${input(l, { name: 'number', label: { ja: 'カード番号', en: 'Card number' }, value: form.number, error: errors?.number, required: true, autocomplete: 'cc-number', inputmode: 'numeric', maxlength: 23, hint: { ja: '半角数字（ハイフンなし）', en: 'Digits only' } })}
<div class="field"><fieldset><legend>${tr(l, { ja: '有効期限', en: 'Expiry date' })}<span class="req">${tr(l, { ja: '必須', en: 'required' })}</span></legend>
${errors?.expMonth ? html`<p class="error-text" id="f-expMonth-error">${tr(l, errors.expMonth)}</p>` : ''}
<div class="expiry"><div><label for="f-expMonth">${tr(l, { ja: '月（MM）', en: 'Month (MM)' })}</label><input type="text" id="f-expMonth" name="expMonth" inputmode="numeric" autocomplete="cc-exp-month" maxlength="2" size="3" value="${form.expMonth}"${raw(errors?.expMonth ? ' aria-invalid="true" aria-describedby="f-expMonth-error"' : '')}>
</div><div><label for="f-expYear">${tr(l, { ja: '年（YY）', en: 'Year (YY)' })}</label><input type="text" id="f-expYear" name="expYear" inputmode="numeric" autocomplete="cc-exp-year" maxlength="2" size="3" value="${form.expYear}"${raw(errors?.expMonth ? ' aria-invalid="true"' : '')}></div></div>
</fieldset></div>
${input(l, { name: 'cvc', label: { ja: 'セキュリティコード', en: 'Security code' }, error: errors?.cvc, required: true, autocomplete: 'cc-csc', inputmode: 'numeric', maxlength: 4, type: 'password', hint: { ja: 'カード裏面の3桁（American Expressは表面の4桁）', en: '3 digits on the back (4 on the front for American Express)' } })}
${input(l, { name: 'holder', label: { ja: 'カード名義（ローマ字）', en: 'Cardholder name' }, value: form.holder, error: errors?.holder, required: true, autocomplete: 'cc-name', inputmode: 'latin', maxlength: 45 })}
<div class="actions"><button type="submit">${tr(l, { ja: '入力内容を確認する', en: 'Review' })}</button></div>
</form>
<form method="post" action="/checkout/${p.id}/cancel">${hidden(p, l)}<button type="submit" class="secondary">${tr(l, { ja: 'お支払いをやめる', en: 'Cancel the payment' })}</button></form>`,
      },
      errors ? 400 : 200,
    );
  };

  app.get<{ Params: { id: string } }>(
    '/checkout/:id',
    asPage(async (req, reply) => {
      const p = await load(req, false);
      if (p.status !== 'pending') return finished(req, reply, p);
      return entryPage(req, reply, p, { number: '', expMonth: '', expYear: '', cvc: '', holder: '' });
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/checkout/:id/confirm',
    asPage(async (req, reply) => {
      const p = await load(req, true);
      if (p.status !== 'pending') return finished(req, reply, p);
      const form = cardForm(req.body);
      const checked = checkCard(form, now());
      if (!checked.ok) return entryPage(req, reply, p, { ...form, cvc: '' }, checked.errors);
      const l = lang(req);
      // the card travels back in the form (never stored) until the payer confirms
      return page(req, reply, {
        title: { ja: 'カード情報の確認', en: 'Check your card details' },
        body: html`${orderSummary(l, p)}${summaryList(l, [
          [{ ja: 'カードの種類', en: 'Card' }, BRAND_NAMES[checked.brand]],
          [{ ja: 'カード番号', en: 'Card number' }, `**** **** **** ${checked.digits.slice(-4)}`],
          [{ ja: '有効期限', en: 'Expiry' }, `${String(checked.month).padStart(2, '0')}/${form.expYear}`],
          [{ ja: 'カード名義', en: 'Cardholder' }, form.holder.trim().toUpperCase()],
        ])}
<form method="post" action="/checkout/${p.id}/pay">${hidden(p, l)}
${(['number', 'expMonth', 'expYear', 'cvc', 'holder'] as const).map((k) => html`<input type="hidden" name="${k}" value="${form[k]}">`)}
<div class="actions"><button type="submit">${tr(l, { ja: 'お支払いを実行', en: 'Pay now' })}</button></div>
</form>
<form method="get" action="/checkout/${p.id}"><input type="hidden" name="lang" value="${l}"><button type="submit" class="secondary">${tr(l, { ja: '入力画面に戻る', en: 'Back' })}</button></form>`,
      });
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/checkout/:id/pay',
    asPage(async (req, reply) => {
      const p = await load(req, true);
      if (p.status !== 'pending') return reply.redirect(returnTo(p), 303);
      const form = cardForm(req.body);
      const checked = checkCard(form, now());
      if (!checked.ok) return entryPage(req, reply, p, { ...form, cvc: '' }, checked.errors);
      const decision = networkDecision(checked.digits);
      if (decision !== 'approved') {
        await db.updateTable('payment').set({ failure: decision }).where('id', '=', p.id).execute();
        req.log.info({ payment: p.id, decision }, 'card declined');
        return entryPage(req, reply, p, { ...form, number: '', cvc: '' }, undefined, DECLINED[decision]);
      }
      const res = await db
        .updateTable('payment')
        .set({
          status: 'succeeded',
          card_brand: checked.brand,
          card_last4: checked.digits.slice(-4),
          card_expiry: `${String(checked.month).padStart(2, '0')}/${form.expYear}`,
          failure: null,
          paid_at: now().getTime(),
        })
        .where('id', '=', p.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      req.log.info({ payment: p.id, charged: Number(res.numUpdatedRows) === 1 }, 'payment completed');
      return reply.redirect(returnTo(p), 303);
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/checkout/:id/cancel',
    asPage(async (req, reply) => {
      const p = await load(req, true);
      await db
        .updateTable('payment')
        .set({ status: 'canceled' })
        .where('id', '=', p.id)
        .where('status', '=', 'pending')
        .execute();
      return reply.redirect(returnTo(p), 303);
    }),
  );

  return app;
}
