import { randomUUID } from 'node:crypto';
import { z } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { buttonForm, csrfInput, errorSummary, radios, summaryList } from '../../web/forms.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { formatDate, japanDate, type Lang, type Text, tr, yen } from '../../web/i18n.ts';
import { stepIndicator } from '../../web/layout.ts';
import { choiceField, type FieldErrors, type FormInput, validateForm } from '../../web/validation.ts';
import type { Dips } from '../context.ts';
import { BACK, NEXT, STATUS_TEXT, TO_MENU, WIZARD_LABEL, WIZARD_STEPS } from '../texts.ts';
import { type Application, aircraftOf, ownerOf, userOf } from './applications.ts';
import { aircraftSchema, feeYen, L, MAX_AIRCRAFT, ownerSchema, userChoice, userSchema } from './fields.ts';
import {
  aircraftInputs,
  aircraftSummary,
  ownerSummary,
  personInputs,
  userInputs,
  userSummary,
} from './views.ts';

const METHODS = {
  mynumber_card: {
    ja: 'マイナンバーカード（公的個人認証サービス）',
    en: 'My Number Card (Individual Number Card, JPKI)',
  },
} satisfies Record<string, Text>;

type Params = { id: string };
type Handler = (req: FastifyRequest, reply: FastifyReply, a: Application) => Promise<unknown>;

/** The application of the route's `:id`, when it is the logged-in account's ("not found" otherwise). */
export const ownApplication = (d: Dips, req: FastifyRequest) =>
  d.applications.ownedBy(req.session.accountId ?? '', (req.params as Params).id);

/** STEP 01–05 of a new registration, STEP 06, and 申請状況確認. */
export function applicationRoutes(app: FastifyInstance, d: Dips): void {
  const today = () => japanDate(d.clock());
  const auth = { preHandler: d.web.requireLogin };

  /** A page of the wizard: only while the application is being entered; otherwise to where it stands. */
  const editable =
    (handler: Handler) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const a = await ownApplication(d, req);
      if (a.status === 'draft') return handler(req, reply, a);
      if (a.status !== 'verifying') return reply.redirect(`/applications/${a.id}`, 303);
      await req.session.flash('info', {
        ja: '本人確認の手続き中です。入力内容を修正するには「手続きを中止して修正する」を押してください。',
        en: 'Identity verification is in progress. To correct the application, choose "Stop and correct".',
      });
      return reply.redirect(`/applications/${a.id}/verify`, 303);
    };

  const wizard = (
    req: FastifyRequest,
    reply: FastifyReply,
    step: number,
    title: Text,
    body: SafeHtml,
    errors?: FieldErrors,
  ) =>
    reply.page(
      {
        title,
        progress: stepIndicator(req.lang, WIZARD_LABEL, WIZARD_STEPS, step),
        body: html`${errorSummary(req.lang, errors)}${body}`,
      },
      errors ? 400 : 200,
    );

  /** A wizard page that is one form, with 戻る (when there is a step `back`) and 次へ. */
  const formPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    p: { step: number; title: Text; action: string; back?: string | undefined; inputs: SafeHtml },
    errors?: FieldErrors,
  ) =>
    wizard(
      req,
      reply,
      p.step,
      p.title,
      html`<form method="post" action="${p.action}" novalidate>${csrfInput(req.session)}${p.inputs}<div class="actions">${
        p.back ? html`<a class="button secondary" href="${p.back}">${tr(req.lang, BACK)}</a>` : ''
      }<button type="submit">${tr(req.lang, NEXT)}</button></div></form>`,
      errors,
    );

  /**
   * A step that is one form (STEP 01, 02, 04): shown with what is stored,
   * shown again with the problems, or stored and on to the `next` step.
   */
  function formStep<V>(s: {
    path: string;
    step: number;
    title: Text;
    back?: string;
    next: string;
    inputs: (lang: Lang, values: FormInput, errors?: FieldErrors) => SafeHtml;
    stored: (a: Application) => FormInput;
    validate: (body: unknown) => { ok: true; value: V } | { ok: false; errors: FieldErrors };
    save: (a: Application, value: V) => Promise<void>;
  }) {
    const page = (
      req: FastifyRequest,
      reply: FastifyReply,
      a: Application,
      values: FormInput,
      errors?: FieldErrors,
    ) =>
      formPage(
        req,
        reply,
        {
          step: s.step,
          title: s.title,
          action: `/applications/${a.id}/${s.path}`,
          back: s.back && `/applications/${a.id}/${s.back}`,
          inputs: s.inputs(req.lang, values, errors),
        },
        errors,
      );
    app.get(
      `/applications/:id/${s.path}`,
      auth,
      editable((req, reply, a) => page(req, reply, a, s.stored(a))),
    );
    app.post(
      `/applications/:id/${s.path}`,
      auth,
      editable(async (req, reply, a) => {
        const r = s.validate(req.body);
        if (!r.ok) return page(req, reply, a, { ...s.stored(a), ...(req.body as FormInput) }, r.errors);
        await s.save(a, r.value);
        return reply.redirect(`/applications/${a.id}/${s.next}`, 303);
      }),
    );
  }

  // Start, or continue the one application in progress.
  app.post('/applications', auth, async (req, reply) => {
    const account = (await d.accounts.get({ id: req.session.accountId! }))!;
    const a = await d.applications.startOrResume(account.id, {
      name: account.name,
      reading: account.reading,
      postcode: account.postcode,
      address: account.address,
      birthDate: account.birth_date,
      phone: account.phone,
      email: account.email,
    });
    return reply.redirect(`/applications/${a.id}/${resumeStep(a)}`, 303);
  });

  formStep({
    path: 'method',
    step: 0,
    title: { ja: '本人確認方法の選択', en: 'Identity verification method' },
    next: 'owner',
    inputs: (lang, values, errors) =>
      html`${radios(lang, {
        name: 'method',
        legend: L.method,
        options: [
          {
            value: 'mynumber_card',
            label: METHODS.mynumber_card,
            hint: {
              ja: '手数料: 1機目 900円、同時に申請する2機目以降 1機につき 890円',
              en: 'Fee: JPY 900 for the first UA, JPY 890 for each further UA applied for at the same time',
            },
          },
        ],
        value: typeof values.method === 'string' ? values.method : undefined,
        error: errors?.method,
        required: true,
      })}${waysToRead(lang, d.publicUrl)}`,
    stored: (a) => ({ method: a.method ?? undefined }),
    validate: (body) => validateForm(z.object({ method: choiceField(L.method, ['mynumber_card']) }), body),
    save: (a, v) => d.applications.update(a.id, { method: v.method }),
  });

  formStep({
    path: 'owner',
    step: 1,
    title: { ja: '所有者情報の入力', en: 'Owner information' },
    back: 'method',
    next: 'aircraft',
    inputs: (lang, values, errors) =>
      html`<p>${tr(lang, {
        ja: '氏名・住所・生年月日は、マイナンバーカードに記録されている内容と同じものを入力してください。異なる場合は、本人確認の際にマイナンバーカードの内容に書き換えます。',
        en: 'Enter your name, address and birth date as recorded on your My Number Card. If they differ, they will be replaced with the card’s during identity verification.',
      })}</p>${personInputs(lang, values, errors, { birthDate: true })}`,
    stored: (a) => ({ ...ownerOf(a) }),
    validate: (body) => validateForm(ownerSchema(today), body),
    save: (a, owner) => d.applications.update(a.id, { owner: JSON.stringify(owner) }),
  });

  // STEP 03: the aircraft added so far, and a form for one more
  const aircraftPage = async (
    req: FastifyRequest,
    reply: FastifyReply,
    a: Application,
    values: FormInput,
    errors?: FieldErrors,
  ) => {
    const lang = req.lang;
    const list = await d.applications.aircraft(a.id);
    const added = list.map(
      (r, i) =>
        html`<section class="aircraft"><h2>${tr(lang, { ja: '機体 {n}', en: 'UA {n}' }, { n: i + 1 })}</h2>${aircraftSummary(
          lang,
          aircraftOf(r),
        )}<div class="actions"><a class="button secondary" href="/applications/${a.id}/aircraft/${r.id}">${tr(
          lang,
          {
            ja: '機体の修正',
            en: 'Correct the UA',
          },
        )}</a>${buttonForm(lang, req.session, `/applications/${a.id}/aircraft/${r.id}/delete`, { ja: '削除', en: 'Remove' }, { className: 'secondary' })}</div></section>`,
    );
    const addForm =
      list.length < MAX_AIRCRAFT
        ? html`<h2>${tr(lang, list.length ? { ja: '機体を追加する', en: 'Add another UA' } : { ja: '機体情報', en: 'UA information' })}</h2>
<form method="post" action="/applications/${a.id}/aircraft" novalidate>${csrfInput(req.session)}<input type="hidden" name="form_key" value="${String(values.form_key ?? randomUUID())}">${aircraftInputs(
            lang,
            values,
            errors,
          )}<div class="actions"><button type="submit"${list.length ? html` class="secondary"` : ''}>${tr(
            lang,
            {
              ja: 'この機体を追加',
              en: 'Add this UA',
            },
          )}</button></div></form>`
        : html`<p>${tr(lang, { ja: '1回の申請で登録できるのは{n}機までです。', en: 'One application holds at most {n} UA.' }, { n: MAX_AIRCRAFT })}</p>`;
    const nav = html`<div class="actions"><a class="button secondary" href="/applications/${a.id}/owner">${tr(lang, BACK)}</a>${
      list.length ? html`<a class="button" href="/applications/${a.id}/user">${tr(lang, NEXT)}</a>` : ''
    }</div>`;
    return wizard(
      req,
      reply,
      2,
      { ja: '機体情報の入力', en: 'UA information' },
      html`${added}${addForm}${nav}`,
      errors,
    );
  };
  app.get(
    '/applications/:id/aircraft',
    auth,
    editable((req, reply, a) => aircraftPage(req, reply, a, {})),
  );
  app.post(
    '/applications/:id/aircraft',
    auth,
    editable(async (req, reply, a) => {
      const body = req.body as FormInput;
      const r = validateForm(aircraftSchema, body);
      const key =
        typeof body.form_key === 'string' && /^[0-9a-f-]{36}$/.test(body.form_key)
          ? body.form_key
          : undefined;
      if (!r.ok || !key) return aircraftPage(req, reply, a, body, r.ok ? {} : r.errors);
      const added = await d.applications.addAircraft(a.id, key, r.value);
      if (added === 'full') return aircraftPage(req, reply, a, body);
      return reply.redirect(`/applications/${a.id}/aircraft`, 303);
    }),
  );
  const editAircraftPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    a: Application,
    aircraftId: string,
    values: FormInput,
    errors?: FieldErrors,
  ) =>
    formPage(
      req,
      reply,
      {
        step: 2,
        title: { ja: '機体情報の修正', en: 'Correct the UA' },
        action: `/applications/${a.id}/aircraft/${aircraftId}`,
        back: `/applications/${a.id}/aircraft`,
        inputs: aircraftInputs(req.lang, values, errors),
      },
      errors,
    );
  const aircraftIdOf = (req: FastifyRequest) => (req.params as { aircraftId: string }).aircraftId;
  app.get(
    '/applications/:id/aircraft/:aircraftId',
    auth,
    editable(async (req, reply, a) => {
      const row = (await d.applications.aircraft(a.id)).find((r) => r.id === aircraftIdOf(req));
      if (!row) return reply.redirect(`/applications/${a.id}/aircraft`, 303);
      return editAircraftPage(req, reply, a, row.id, { ...aircraftOf(row) });
    }),
  );
  app.post(
    '/applications/:id/aircraft/:aircraftId',
    auth,
    editable(async (req, reply, a) => {
      const r = validateForm(aircraftSchema, req.body);
      if (!r.ok) return editAircraftPage(req, reply, a, aircraftIdOf(req), req.body as FormInput, r.errors);
      await d.applications.updateAircraft(a.id, aircraftIdOf(req), r.value);
      return reply.redirect(`/applications/${a.id}/aircraft`, 303);
    }),
  );
  app.post(
    '/applications/:id/aircraft/:aircraftId/delete',
    auth,
    editable(async (req, reply, a) => {
      await d.applications.removeAircraft(a.id, aircraftIdOf(req));
      return reply.redirect(`/applications/${a.id}/aircraft`, 303);
    }),
  );

  formStep({
    path: 'user',
    step: 3,
    title: { ja: '使用者情報の入力', en: 'User information' },
    back: 'aircraft',
    next: 'confirm',
    inputs: userInputs,
    stored: (a) => ({ same: 'same', ...userOf(a) }),
    // the choice first, so the person's fields are checked only for "another person"
    validate: (body) => {
      const choice = validateForm(userChoice, body);
      return choice.ok ? validateForm(userSchema(today), body) : choice;
    },
    save: (a, user) => d.applications.update(a.id, { user_info: JSON.stringify(user) }),
  });

  // STEP 05
  app.get(
    '/applications/:id/confirm',
    auth,
    editable(async (req, reply, a) => {
      const lang = req.lang;
      const owner = ownerOf(a);
      const user = userOf(a);
      const list = await d.applications.aircraft(a.id);
      const missing = resumeStep(a, list.length);
      if (missing !== 'confirm') return reply.redirect(`/applications/${a.id}/${missing}`, 303);
      return wizard(
        req,
        reply,
        4,
        { ja: '入力情報の確認', en: 'Confirmation of the owner, UA, and user information' },
        html`<p>${tr(lang, {
          ja: '申請内容に不備がないか確認し、問題がなければ「登録申請」を押してください。',
          en: 'Check the application and press "Apply for registration" if everything is correct.',
        })}</p>
<h2>${tr(lang, { ja: '所有者情報', en: 'Owner information' })}</h2>${ownerSummary(lang, owner!)}<p><a href="/applications/${a.id}/owner">${tr(
          lang,
          {
            ja: '所有者の修正',
            en: 'Correct the owner',
          },
        )}</a></p>
${list.map(
  (r, i) =>
    html`<h2>${tr(lang, { ja: '機体 {n}', en: 'UA {n}' }, { n: i + 1 })}</h2>${aircraftSummary(lang, aircraftOf(r))}`,
)}<p><a href="/applications/${a.id}/aircraft">${tr(lang, { ja: '機体の修正', en: 'Correct the UA' })}</a></p>
<h2>${tr(lang, { ja: '使用者情報', en: 'User information' })}</h2>${userSummary(lang, user!)}<p><a href="/applications/${a.id}/user">${tr(
          lang,
          {
            ja: '使用者の修正',
            en: 'Correct the user',
          },
        )}</a></p>
<h2>${tr(lang, { ja: '手数料', en: 'Fee' })}</h2>${summaryList(lang, [
          [
            { ja: '手数料（納付は審査の後）', en: 'Fee (paid after the review)' },
            yen(feeYen(list.length), lang),
          ],
        ])}
<div class="actions"><a class="button secondary" href="/applications/${a.id}/user">${tr(lang, BACK)}</a><a class="button" href="/applications/${a.id}/submit">${tr(
          lang,
          { ja: '登録申請', en: 'Apply for registration' },
        )}</a></div>`,
      );
    }),
  );

  // STEP 06
  app.get('/applications/:id/complete', auth, async (req, reply) => {
    const a = await ownApplication(d, req);
    if (a.status === 'draft' || a.status === 'verifying')
      return reply.redirect(`/applications/${a.id}/${resumeStep(a)}`, 303);
    const lang = req.lang;
    return reply.page({
      title: { ja: '手続き完了', en: 'Completion of the procedure' },
      progress: stepIndicator(lang, WIZARD_LABEL, WIZARD_STEPS, 5),
      body: html`<div class="panel" role="status"><p><strong>${tr(lang, {
        ja: '新規登録の手続きが完了しました。',
        en: 'Registration procedure is completed.',
      })}</strong></p><p>${tr(lang, { ja: '申請番号: {n}', en: 'Application number: {n}' }, { n: a.number ?? '' })}</p><p>${tr(
        lang,
        {
          ja: '手続き内容を確認した後、手数料納付に関するメールが送信されます。メールが届きましたら、手数料納付をしてください。',
          en: 'Confirm the contents of the procedure and then an e-mail about the payment of the fee will be sent. When you receive an e-mail, pay the fee.',
        },
      )}</p></div>
<h2>${tr(lang, { ja: '申請状況の確認', en: 'Confirmation of the application status' })}</h2><p>${tr(lang, {
        ja: 'メインメニュー画面の「申請状況確認」から確認できますので、必要に応じてご利用ください。',
        en: 'You can confirm the application status with "Confirmation of the application status" on the main menu screen. Please use it if necessary.',
      })}</p><div class="actions"><a class="button" href="/">${tr(lang, TO_MENU)}</a><a class="button secondary" href="/applications/${a.id}">${tr(
        lang,
        { ja: '申請状況確認', en: 'Application status' },
      )}</a></div>`,
    });
  });

  // 申請状況確認
  app.get('/applications', auth, async (req, reply) => {
    const lang = req.lang;
    const list = await d.applications.listForAccount(req.session.accountId!);
    return reply.page({
      title: { ja: '申請状況確認', en: 'Confirmation of the application status' },
      body: list.length
        ? html`<table><thead><tr><th scope="col">${tr(lang, { ja: '申請番号', en: 'Application' })}</th><th scope="col">${tr(
            lang,
            {
              ja: '申請日',
              en: 'Applied',
            },
          )}</th><th scope="col">${tr(lang, { ja: '状態', en: 'Status' })}</th></tr></thead><tbody>${list.map(
            (a) =>
              html`<tr><td><a href="/applications/${a.id}">${a.number ?? tr(lang, { ja: '（未申請）', en: '(not yet applied)' })}</a></td><td>${
                a.completed_at ? formatDate(Number(a.completed_at)) : '-'
              }</td><td><span class="status ${a.status}">${tr(lang, STATUS_TEXT[a.status])}</span></td></tr>`,
          )}</tbody></table>`
        : html`<p>${tr(lang, { ja: '申請はまだありません。', en: 'No applications yet.' })}</p>`,
    });
  });

  app.get('/applications/:id', auth, async (req, reply) => {
    const a = await ownApplication(d, req);
    const lang = req.lang;
    const list = await d.applications.aircraft(a.id);
    const owner = ownerOf(a);
    const user = userOf(a);
    const resume =
      a.status === 'draft' || a.status === 'verifying'
        ? html`<div class="actions"><a class="button" href="/applications/${a.id}/${resumeStep(a)}">${tr(
            lang,
            {
              ja: '手続きを続ける',
              en: 'Continue the procedure',
            },
          )}</a></div>`
        : '';
    return reply.page({
      title: { ja: '申請の状況', en: 'Application status' },
      body: html`${summaryList(lang, [
        [{ ja: '申請番号', en: 'Application number' }, a.number],
        [{ ja: '状態', en: 'Status' }, STATUS_TEXT[a.status]],
        [
          { ja: '申請完了日時', en: 'Applied' },
          a.completed_at ? formatDate(Number(a.completed_at), true) : null,
        ],
        [{ ja: '手数料', en: 'Fee' }, a.fee_yen !== null ? yen(a.fee_yen, lang) : null],
        ...(a.status === 'fee_due'
          ? ([[{ ja: '納付番号', en: 'Payment number' }, a.payment_number]] as [Text, string | null][])
          : []),
        [{ ja: '登録日', en: 'Registered' }, a.registered_at ? formatDate(Number(a.registered_at)) : null],
      ])}${resume}
${owner ? html`<h2>${tr(lang, { ja: '所有者情報', en: 'Owner information' })}</h2>${ownerSummary(lang, owner)}` : ''}
${list.map(
  (r, i) =>
    html`<h2>${tr(lang, { ja: '機体 {n}', en: 'UA {n}' }, { n: i + 1 })}</h2>${aircraftSummary(lang, aircraftOf(r), r.registration_number)}`,
)}
${user ? html`<h2>${tr(lang, { ja: '使用者情報', en: 'User information' })}</h2>${userSummary(lang, user)}` : ''}
<div class="actions"><a class="button secondary" href="/applications">${tr(lang, { ja: '申請状況確認へ', en: 'All applications' })}</a></div>`,
    });
  });
}

/** Where an application in progress continues: the first step not done yet, or the verification. */
export function resumeStep(a: Application, aircraftCount?: number): string {
  if (a.status === 'verifying') return 'verify';
  if (a.status !== 'draft') return 'complete';
  if (!a.method) return 'method';
  if (!a.owner) return 'owner';
  if (aircraftCount === 0) return 'aircraft';
  if (!a.user_info) return aircraftCount === undefined ? 'aircraft' : 'user';
  return 'confirm';
}

/** The three ways to read the card (seed 000): the platform decides which, these pages explain them. */
export function waysToRead(lang: Lang, origin: string): SafeHtml {
  return html`<section class="panel"><h2>${tr(lang, { ja: 'マイナンバーカードの読み取り方法', en: 'How your card is read' })}</h2><ul class="ways">
<li>${tr(lang, {
    ja: 'パソコンで申請し、ICカードリーダーで読み取る: パソコンにつないだICカードリーダーにカードを置きます。',
    en: 'Apply on a PC with an IC card reader: place the card on the reader connected to the PC.',
  })}</li>
<li>${tr(lang, {
    ja: 'パソコンで申請し、スマートフォンで読み取る: 画面に表示される二次元コードを、スマートフォンのデジタル認証アプリで読み取ります（標準のカメラアプリではありません）。',
    en: 'Apply on a PC and read the card with a smartphone: scan the QR code shown on screen with the digital authentication app on your phone (not the standard camera app).',
  })}</li>
<li>${tr(lang, {
    ja: 'スマートフォンだけで申請し、読み取る: スマートフォンのNFC読み取り位置にカードを密着させます。',
    en: 'Apply and read the card with a smartphone only: hold the card against the phone’s NFC area.',
  })}</li></ul>
<p>${tr(
    lang,
    {
      ja: '二次元コードを読み取る場合は、アプリに表示される接続先サービスが「ドローン登録システム」であること、二次元コードが表示されているブラウザのアドレスバーが「{origin}/」から始まることを確認してください。',
      en: 'When you scan a QR code, check that the app names “Drone Registration System” as the service, and that the address bar of the browser showing the code starts with “{origin}/”.',
    },
    { origin },
  )}</p></section>`;
}
