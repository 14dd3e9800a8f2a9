import type { FastifyInstance } from 'fastify';
import { isOutcomeCode, OUTCOMES } from '../../relying-party/outcomes.ts';
import { buttonForm, summaryList } from '../../web/forms.ts';
import { html } from '../../web/html.ts';
import { fill, formatDate, type Text, tr, yen } from '../../web/i18n.ts';
import { installStaffLogin } from '../../web/staff.ts';
import { aircraftOf, notFound, ownerOf, userOf } from '../application/applications.ts';
import { aircraftSummary, ownerSummary, userSummary } from '../application/views.ts';
import type { Dips } from '../context.ts';
import type { ApplicationStatus } from '../store/schema.ts';
import { STATUS_TEXT } from '../texts.ts';

const STEP_TEXT: Record<string, Text> = {
  mail_check: { ja: 'メールの到達確認', en: 'E-mail arrival check' },
  signature: { ja: '電子署名（署名用電子証明書）', en: 'Electronic signature (signature certificate)' },
  user_auth: {
    ja: '利用者認証（利用者証明用電子証明書）',
    en: 'User authentication (authentication certificate)',
  },
};
const RESULT_TEXT: Record<string, Text> = {
  ok: { ja: '成功', en: 'Succeeded' },
  basic_info_mismatch: {
    ja: '基本4情報の相違（カードの内容に書換え）',
    en: '4 items differed (replaced with the card’s)',
  },
  window_expired: { ja: '5分の有効時間切れ', en: 'The 5-minute window ran out' },
  different_person: { ja: '署名者と異なるカード', en: 'A different card than the signer’s' },
};
const resultText = (r: string): Text =>
  RESULT_TEXT[r] ?? (isOutcomeCode(r) ? { ja: `失敗: ${r}`, en: `Failed: ${r}` } : { ja: r, en: r });

const ACTIONS: Partial<Record<ApplicationStatus, { path: string; label: Text }>> = {
  received: {
    path: 'review',
    label: { ja: '内容を確認し、手数料納付を案内する', en: 'Checked: ask for the fee' },
  },
  fee_due: { path: 'paid', label: { ja: '手数料の納付を確認した', en: 'Fee payment confirmed' } },
  paid: {
    path: 'register',
    label: { ja: '登録する（登録記号を発行）', en: 'Register (issue registration numbers)' },
  },
};

/** The staff side: applications with their status, verification evidence, and the next action. */
export function staffRoutes(app: FastifyInstance, d: Dips): void {
  const guard = { preHandler: installStaffLogin(app, d.web, d.staffPassword) };

  app.get('/staff', guard, async (req, reply) => {
    const lang = req.lang;
    const q = (req.query as { status?: string }).status;
    const status = q && q in STATUS_TEXT ? (q as ApplicationStatus) : undefined;
    const rows = await d.registrations.list(status);
    const filters = (['received', 'fee_due', 'paid', 'registered'] as const).map(
      (s) =>
        html`<a href="/staff?status=${s}"${status === s ? html` aria-current="page"` : ''}>${tr(lang, STATUS_TEXT[s])}</a> `,
    );
    return reply.page({
      title: { ja: '申請一覧', en: 'Applications' },
      body: html`<p>${tr(lang, { ja: '絞り込み:', en: 'Filter:' })} <a href="/staff">${tr(lang, { ja: 'すべて', en: 'All' })}</a> ${filters}</p>
<table><thead><tr><th scope="col">${tr(lang, { ja: '申請番号', en: 'Application' })}</th><th scope="col">${tr(lang, { ja: '申請完了日時', en: 'Applied' })}</th><th scope="col">${tr(
        lang,
        {
          ja: '所有者',
          en: 'Owner',
        },
      )}</th><th scope="col">${tr(lang, { ja: '手数料', en: 'Fee' })}</th><th scope="col">${tr(lang, { ja: '状態', en: 'Status' })}</th></tr></thead><tbody>${rows.map(
        (r) =>
          html`<tr><td><a href="/staff/applications/${r.id}">${r.number}</a></td><td>${
            r.completed_at ? formatDate(Number(r.completed_at), true) : '-'
          }</td><td>${r.owner ? (JSON.parse(r.owner) as { name: string }).name : '-'}</td><td>${r.fee_yen !== null ? yen(r.fee_yen, lang) : '-'}</td><td><span class="status ${r.status}">${tr(
            lang,
            STATUS_TEXT[r.status],
          )}</span></td></tr>`,
      )}</tbody></table>${rows.length ? '' : html`<p>${tr(lang, { ja: '該当する申請はありません。', en: 'No applications.' })}</p>`}`,
    });
  });

  app.get('/staff/applications/:id', guard, async (req, reply) => {
    const lang = req.lang;
    const a = await d.applications.forOffice((req.params as { id: string }).id);
    if (a.status === 'draft' || a.status === 'verifying') throw notFound();
    const evidence = await d.registrations.evidence(a.id);
    const aircraft = await d.applications.aircraft(a.id);
    const action = ACTIONS[a.status];
    return reply.page({
      title: fill({ ja: '申請 {n}', en: 'Application {n}' }, { n: a.number ?? '' }),
      body: html`${summaryList(lang, [
        [{ ja: '状態', en: 'Status' }, STATUS_TEXT[a.status]],
        [
          { ja: '申請完了日時', en: 'Applied' },
          a.completed_at ? formatDate(Number(a.completed_at), true) : null,
        ],
        [{ ja: '手数料', en: 'Fee' }, a.fee_yen !== null ? yen(a.fee_yen, lang) : null],
        [{ ja: '納付番号', en: 'Payment number' }, a.payment_number],
        [{ ja: '納付確認日時', en: 'Paid' }, a.paid_at ? formatDate(Number(a.paid_at), true) : null],
        [
          { ja: '登録日時', en: 'Registered' },
          a.registered_at ? formatDate(Number(a.registered_at), true) : null,
        ],
      ])}
${action ? html`<div class="actions">${buttonForm(lang, req.session, `/staff/applications/${a.id}/${action.path}`, action.label)}</div>` : ''}
<h2>${tr(lang, { ja: '本人確認の記録', en: 'Verification evidence' })}</h2>
<table><thead><tr><th scope="col">${tr(lang, { ja: '日時', en: 'When' })}</th><th scope="col">${tr(lang, { ja: '手順・方法', en: 'Step and method' })}</th><th scope="col">${tr(
        lang,
        {
          ja: '結果',
          en: 'Result',
        },
      )}</th><th scope="col">${tr(lang, { ja: '参照', en: 'Reference' })}</th></tr></thead><tbody>${evidence.map(
        (e) =>
          html`<tr><td>${formatDate(Number(e.at), true)}</td><td>${tr(lang, STEP_TEXT[e.step] ?? { ja: e.step, en: e.step })}<br><span class="muted">${e.method}</span></td><td>${tr(
            lang,
            resultText(e.result),
          )}${e.detail ? html`<br><span class="muted">${e.detail}</span>` : ''}${
            isOutcomeCode(e.result)
              ? html`<br><span class="muted">${tr(lang, OUTCOMES[e.result].text)}</span>`
              : ''
          }</td><td class="muted">${e.reference ?? ''}${e.certificate_serial ? html`<br>serial ${e.certificate_serial}` : ''}${
            e.document_digest ? html`<br>SHA-256 ${e.document_digest.slice(0, 16)}…` : ''
          }</td></tr>`,
      )}</tbody></table>
<h2>${tr(lang, { ja: '所有者情報', en: 'Owner information' })}</h2>${ownerSummary(lang, ownerOf(a)!)}
${aircraft.map((r, i) => html`<h2>${tr(lang, { ja: '機体 {n}', en: 'UA {n}' }, { n: i + 1 })}</h2>${aircraftSummary(lang, aircraftOf(r), r.registration_number)}`)}
<h2>${tr(lang, { ja: '使用者情報', en: 'User information' })}</h2>${userSummary(lang, userOf(a)!)}`,
    });
  });

  for (const [path, run] of [
    ['review', (id: string) => d.registrations.review(id)],
    ['paid', (id: string) => d.registrations.markPaid(id)],
    ['register', (id: string) => d.registrations.register(id)],
  ] as const) {
    app.post(`/staff/applications/:id/${path}`, guard, async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const done = await run(id);
      if (!done) {
        await req.session.flash('info', {
          ja: 'この操作はすでに行われています。',
          en: 'This has already been done.',
        });
      }
      return reply.redirect(`/staff/applications/${id}`, 303);
    });
  }
}
