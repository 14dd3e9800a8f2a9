import multipart from '@fastify/multipart';
import { HonninError } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redirectToPlatform } from '../../relying-party/install.ts';
import {
  buttonForm,
  csrfInput,
  errorSummary,
  type FieldErrors,
  html,
  input,
  japanDate,
  radios,
  select,
  tr,
  validateForm,
  yen,
} from '../../web/index.ts';
import { CHANGE_REASONS, type ChangeItems, PREFECTURES } from '../catalogue.ts';
import type { Quals } from '../context.ts';
import {
  type Application,
  ApplicationError,
  ATTACHMENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS,
} from '../registry/applications.ts';
import { CHANGE_REASON_TEXT, NEXT } from '../texts.ts';
import { changeSchema, initialSchema } from './fields.ts';
import { applicationSummary, basicInfoList, progress, qualificationName } from './views.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

/** One uploaded file as the multipart parser hands it to the route. */
interface Upload {
  filename: string;
  mimetype: string;
  data: Buffer;
  truncated: boolean;
}

const FILE_ERRORS = {
  attachment_type: {
    ja: '添付できるのはPDF、JPEG、PNG形式のファイルです。',
    en: 'Only PDF, JPEG or PNG files can be attached.',
  },
  attachment_too_large: {
    ja: '添付ファイルは1件あたり5MBまでです。',
    en: 'Each attachment may be at most 5 MB.',
  },
  attachment_too_many: { ja: '添付できるのは5件までです。', en: 'At most 5 files can be attached.' },
  attachment_empty: { ja: '空のファイルは添付できません。', en: 'The file is empty.' },
  attachments: {
    ja: '必要書類（資格の登録証の写しなど）を添付してください。',
    en: 'Attach the required documents (e.g. a copy of your registration certificate).',
  },
};

/**
 * The application procedure (初期設定申請 and 書換交付) as the seed draws it:
 * registration status → read the card's 4 items (券面事項入力補助, through
 * the platform) → check → details and attachments → review → consent → sign
 * with the signature password → done. Each step is saved, so back, reload and
 * a new login resume where the holder was.
 */
export async function applicationRoutes(app: FastifyInstance, d: Quals): Promise<void> {
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_ATTACHMENT_BYTES, files: MAX_ATTACHMENTS, fields: 20 },
    async onFile(part) {
      const data = await part.toBuffer();
      (part as unknown as { value: Upload }).value = {
        filename: part.filename,
        mimetype: part.mimetype,
        data,
        truncated: part.file.truncated,
      };
    },
  });
  const auth = { preHandler: d.holderOnly };
  const apps = d.registry.applications;
  const today = () => japanDate(Date.now());
  const holder = (req: FastifyRequest) => req.session.accountId!;
  const load = (req: IdReq) => apps.get(holder(req), req.params.id);
  const stepPath = (a: Application, step: string) => `/applications/${a.id}/${step}`;
  const go = (reply: FastifyReply, a: Application, step: string) => reply.redirect(stepPath(a, step), 303);

  /** Where a submitted application goes instead of its draft steps. */
  const draftOnly = async (req: IdReq, reply: FastifyReply) => {
    const a = await load(req);
    if (a.status === 'draft') return a;
    await go(reply, a, 'done');
    return undefined;
  };

  // ② 登録状況の選択 (initial registration only)
  app.get<{ Params: { id: string } }>('/applications/:id/status', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (a.kind === 'change') return go(reply, a, 'card');
    return statusPage(req, reply, a);
  });
  const statusPage = (req: FastifyRequest, reply: FastifyReply, a: Application, error?: boolean) =>
    reply.page(
      {
        title: { ja: '登録状況の選択', en: 'Your registration status' },
        progress: progress(req.lang, 0),
        body: html`<p>${qualificationName(req.lang, a.qualificationId)}</p>
<form method="post" action="/applications/${a.id}/status" novalidate>${csrfInput(req.session)}
${radios(req.lang, {
  name: 'registered',
  legend: { ja: '資格管理団体への登録状況', en: 'Registration with the managing body' },
  required: true,
  error: error ? { ja: '登録状況を選択してください。', en: 'Choose your registration status.' } : undefined,
  options: [
    {
      value: 'yes',
      label: { ja: '資格管理団体へ登録している', en: 'I am registered with the managing body' },
    },
    { value: 'no', label: { ja: '資格管理団体へ登録していない', en: 'I am not registered yet' } },
  ],
})}
<div class="actions"><button type="submit">${tr(req.lang, NEXT)}</button></div></form>`,
      },
      error ? 400 : 200,
    );
  app.post<{ Params: { id: string }; Body: { registered?: string } }>(
    '/applications/:id/status',
    auth,
    async (req, reply) => {
      const a = await draftOnly(req, reply);
      if (!a) return;
      if (req.body.registered === 'yes') return go(reply, a, 'card');
      if (req.body.registered !== 'no') return statusPage(req, reply, a, true);
      return reply.page({
        title: { ja: '資格管理団体への登録が必要です', en: 'Register with the managing body first' },
        body: html`<div class="panel notice"><p>${tr(req.lang, {
          ja: 'デジタル資格者証を利用するには、先に資格管理団体で資格の登録を受けてください。登録後、あらためてこの手続きを行ってください。',
          en: 'To use a digital qualification certificate, first register the qualification with its managing body, then come back to this procedure.',
        })}</p></div><p><a href="/qualifications">${tr(req.lang, { ja: '国家資格の一覧へ', en: 'Back to your qualifications' })}</a></p>`,
      });
    },
  );

  // ③④ マイナンバーカード読取（券面事項入力補助）: the platform reads the 4 items with the card-info PIN
  app.get<{ Params: { id: string } }>('/applications/:id/card', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    return reply.page({
      title: { ja: 'マイナンバーカードの読取', en: 'Read your My Number Card' },
      progress: progress(req.lang, 1),
      body: html`<div class="panel"><p>${tr(req.lang, {
        ja: '申請書に記載する基本4情報（氏名・住所・生年月日・性別）を、マイナンバーカードから読み取ります。デジタル認証アプリで、券面事項入力補助用の暗証番号（数字4桁）を入力し、カードを読み取ってください。',
        en: 'The 4 basic items (name, address, date of birth, sex) for the application are read from your My Number Card. In the digital authentication app, enter the card-information PIN (4 digits) and read the card.',
      })}</p><p class="muted">${tr(req.lang, {
        ja: '暗証番号を3回続けて間違えるとロックされます。',
        en: 'Three wrong PINs in a row lock it.',
      })}</p></div>
${buttonForm(req.lang, req.session, `/applications/${a.id}/card`, { ja: '読み取る', en: 'Read the card' })}`,
    });
  });
  app.post<{ Params: { id: string } }>('/applications/:id/card', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    return redirectToPlatform(req, reply, stepPath(a, 'card'), () =>
      d.rp.authorize({
        purpose: 'quals.card',
        sessionId: req.session.id,
        scope: ['openid', 'name', 'address', 'birthdate', 'gender'],
        context: { applicationId: a.id },
        uiLocale: req.lang,
      }),
    );
  });

  // ⑧ 情報確認
  app.get<{ Params: { id: string } }>('/applications/:id/info', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (!a.basicInfo) return go(reply, a, 'card');
    return reply.page({
      title: { ja: '情報確認', en: 'Check your details' },
      progress: progress(req.lang, 2),
      body: html`<p>${tr(req.lang, {
        ja: 'マイナンバーカードから読み取った情報です。内容を確認して「次へ」を押してください。',
        en: 'This is what was read from your My Number Card. Check it and press “Next”.',
      })}</p>${basicInfoList(req.lang, a)}
<div class="actions"><a class="button" href="/applications/${a.id}/details">${tr(req.lang, NEXT)}</a></div>`,
    });
  });

  // ⑨ 情報入力: registration number and date (initial) or the items other than the 4 items (change), and attachments
  const detailsPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    a: Application,
    values: Record<string, string | undefined>,
    errors?: FieldErrors,
  ) => {
    const l = req.lang;
    const fields =
      a.kind === 'initial'
        ? html`${input(l, { name: 'registrationNumber', label: { ja: '登録番号', en: 'Registration number' }, value: values.registrationNumber, error: errors?.registrationNumber, required: true, inputmode: 'latin', maxlength: 20, hint: { ja: '登録証に記載の番号（半角英数字）', en: 'As on your registration certificate' } })}
${input(l, { name: 'registrationDate', label: { ja: '登録年月日', en: 'Registration date' }, value: values.registrationDate, error: errors?.registrationDate, required: true, type: 'date' })}`
        : html`${select(l, { name: 'domicilePrefecture', legend: { ja: '本籍地都道府県', en: 'Registered domicile (prefecture)' }, value: values.domicilePrefecture, error: errors?.domicilePrefecture, required: true, options: PREFECTURES.map((p) => ({ value: p, label: p })) })}
${input(l, { name: 'formerSurname', label: { ja: '旧姓（併記を希望する場合）', en: 'Former surname (to show beside your name)' }, value: values.formerSurname, error: errors?.formerSurname, maxlength: 20 })}
${radios(l, { name: 'reason', legend: { ja: '変更の理由', en: 'Reason for the change' }, value: values.reason, error: errors?.reason, required: true, options: CHANGE_REASONS.map((r) => ({ value: r, label: CHANGE_REASON_TEXT[r] })) })}
${input(l, { name: 'changeDate', label: { ja: '変更年月日', en: 'Date of the change' }, value: values.changeDate, error: errors?.changeDate, required: true, type: 'date' })}`;
    return reply.page(
      {
        title:
          a.kind === 'initial'
            ? { ja: '登録番号・必要書類', en: 'Registration number and documents' }
            : { ja: '変更内容・必要書類', en: 'Changes and documents' },
        progress: progress(l, 3),
        body: html`${errorSummary(l, errors)}
${
  a.attachments.length
    ? html`<h2>${tr(l, { ja: '添付済みの書類', en: 'Attached documents' })}</h2><ul>${a.attachments.map(
        (f) =>
          html`<li>${f.fileName} (${Math.ceil(f.size / 1024)} KB) ${buttonForm(l, req.session, `/applications/${a.id}/attachments/${f.id}/delete`, { ja: '削除', en: 'Remove' }, { className: 'secondary' })}</li>`,
      )}</ul>`
    : ''
}
<form method="post" action="/applications/${a.id}/details" enctype="multipart/form-data" novalidate>${csrfInput(req.session)}
${fields}
<div class="field"><label for="f-files">${tr(l, { ja: '必要書類の添付', en: 'Attach documents' })}${a.attachments.length ? '' : html`<span class="req">${tr(l, { ja: '必須', en: 'required' })}</span>`}</label>
<p class="hint" id="f-files-hint">${tr(l, {
          ja: `PDF・JPEG・PNG、1件5MBまで、${MAX_ATTACHMENTS}件まで（例: 登録証の写し${a.kind === 'change' ? '、戸籍抄本' : ''}）`,
          en: `PDF, JPEG or PNG, up to 5 MB each, ${MAX_ATTACHMENTS} files at most`,
        })}</p>${errors?.files ? html`<p class="error-text" id="f-files-error">${tr(l, errors.files)}</p>` : ''}
<input type="file" id="f-files" name="files" multiple accept="${Object.keys(ATTACHMENT_TYPES).join(',')}" aria-describedby="f-files-hint${errors?.files ? ' f-files-error' : ''}"></div>
<div class="actions"><button type="submit">${tr(l, NEXT)}</button></div></form>`,
      },
      errors ? 400 : 200,
    );
  };
  const valuesOf = (a: Application): Record<string, string | undefined> => ({
    registrationNumber: a.registrationNumber ?? undefined,
    registrationDate: a.registrationDate ?? undefined,
    domicilePrefecture: a.changes?.domicilePrefecture,
    formerSurname: a.changes?.formerSurname,
    reason: a.changes?.reason,
    changeDate: a.changes?.changeDate,
  });
  app.get<{ Params: { id: string } }>('/applications/:id/details', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (!a.basicInfo) return go(reply, a, 'card');
    return detailsPage(req, reply, a, valuesOf(a));
  });
  app.post<{ Params: { id: string } }>('/applications/:id/details', auth, async (req, reply) => {
    let a = await draftOnly(req, reply);
    if (!a) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = Object.fromEntries(
      Object.entries(body).filter(([, v]) => typeof v === 'string') as [string, string][],
    );
    const files = ([] as unknown[])
      .concat(body.files ?? [])
      .filter(
        (f): f is Upload => !!f && typeof f === 'object' && 'data' in f && (f as Upload).filename !== '',
      );
    const errors: FieldErrors = {};
    // files first: a good file is kept even when a field needs fixing
    for (const f of files) {
      try {
        if (f.truncated) throw new ApplicationError('attachment_too_large', 'too large');
        a = await apps.addAttachment(holder(req), a.id, {
          fileName: f.filename,
          declaredType: f.mimetype,
          content: new Uint8Array(f.data),
        });
      } catch (e) {
        if (!(e instanceof ApplicationError) || !(e.code in FILE_ERRORS)) throw e;
        errors.files = FILE_ERRORS[e.code as keyof typeof FILE_ERRORS];
      }
    }
    if (a.kind === 'initial') {
      const v = validateForm(initialSchema(today), text);
      if (v.ok)
        a = await apps.setRegistration(
          holder(req),
          a.id,
          v.value.registrationNumber,
          v.value.registrationDate,
        );
      else Object.assign(errors, v.errors);
    } else {
      const v = validateForm(changeSchema(today), text);
      if (v.ok) {
        const changes: ChangeItems = { ...v.value, formerSurname: v.value.formerSurname ?? '' };
        a = await apps.setChanges(holder(req), a.id, changes);
      } else Object.assign(errors, v.errors);
    }
    if (!errors.files && a.attachments.length === 0) errors.files = FILE_ERRORS.attachments;
    if (Object.keys(errors).length) return detailsPage(req, reply, a, { ...valuesOf(a), ...text }, errors);
    return go(reply, a, 'review');
  });
  app.post<{ Params: { id: string; attachmentId: string } }>(
    '/applications/:id/attachments/:attachmentId/delete',
    auth,
    async (req, reply) => {
      const a = await draftOnly(req, reply);
      if (!a) return;
      await apps.removeAttachment(holder(req), a.id, req.params.attachmentId);
      return go(reply, a, 'details');
    },
  );

  // ⑩ 入力内容確認
  app.get<{ Params: { id: string } }>('/applications/:id/review', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (apps.missing(a).length) return go(reply, a, a.basicInfo ? 'details' : 'card');
    return reply.page({
      title: { ja: '入力内容確認', en: 'Review your application' },
      progress: progress(req.lang, 4),
      body: html`${applicationSummary(req.lang, a)}
<div class="actions"><a class="button" href="/applications/${a.id}/consent">${tr(req.lang, NEXT)}</a>
<a class="button secondary" href="/applications/${a.id}/details">${tr(req.lang, { ja: '修正する', en: 'Change' })}</a></div>`,
    });
  });

  // ⑪ 利用同意
  const consentPage = (req: FastifyRequest, reply: FastifyReply, a: Application, error = false) =>
    reply.page(
      {
        title: { ja: '利用同意', en: 'Consent' },
        progress: progress(req.lang, 5),
        body: html`<div class="panel"><p>${tr(req.lang, {
          ja: '申請内容および添付書類は、資格管理団体による審査と、国家資格等情報連携・活用システムでの資格情報の管理（デジタル資格者証の発行と、その有効性の確認）に利用されます。個人番号（マイナンバー）は取得しません。',
          en: 'Your application and documents are used by the managing body to review it and by the national qualification system to keep your qualification record (issuing the digital certificate and answering checks of its validity). Your Individual Number is not collected.',
        })}</p>${a.fee > 0 ? html`<p>${tr(req.lang, { ja: `この手続きには手数料 ${yen(a.fee)} のオンライン決済が必要です。`, en: `This procedure requires an online payment of ${yen(a.fee)}.` })}</p>` : ''}</div>
<form method="post" action="/applications/${a.id}/consent">${csrfInput(req.session)}
${error ? html`<p class="error-text" role="alert" id="f-agree-error">${tr(req.lang, { ja: '同意いただけない場合は申請できません。', en: 'You cannot apply without agreeing.' })}</p>` : ''}
<label class="choice" for="f-agree"><input type="checkbox" id="f-agree" name="agree" value="yes"${error ? html` aria-invalid="true" aria-describedby="f-agree-error"` : ''}><span>${tr(req.lang, { ja: '上記に同意する', en: 'I agree' })}</span></label>
<div class="actions"><button type="submit">${tr(req.lang, NEXT)}</button></div></form>`,
      },
      error ? 400 : 200,
    );
  app.get<{ Params: { id: string } }>('/applications/:id/consent', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    return consentPage(req, reply, a);
  });
  app.post<{ Params: { id: string }; Body: { agree?: string } }>(
    '/applications/:id/consent',
    auth,
    async (req, reply) => {
      const a = await draftOnly(req, reply);
      if (!a) return;
      if (req.body.agree !== 'yes') return consentPage(req, reply, a, true);
      try {
        await apps.consent(holder(req), a.id);
      } catch (e) {
        if (e instanceof HonninError && e.code === 'application_incomplete') return go(reply, a, 'review');
        throw e;
      }
      return go(reply, a, 'sign');
    },
  );

  // ⑫–⑮ 電子署名 with the signature password, through the platform's signing API
  app.get<{ Params: { id: string } }>('/applications/:id/sign', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (!a.consentAt) return go(reply, a, 'consent');
    return reply.page({
      title: { ja: '電子署名', en: 'Electronic signature' },
      progress: progress(req.lang, 6),
      body: html`<div class="panel"><p>${tr(req.lang, {
        ja: '申請書に電子署名をします。デジタル認証アプリで署名用電子証明書のパスワード（英数字6〜16文字）を入力し、マイナンバーカードを読み取ってください。',
        en: 'Sign the application. In the digital authentication app, enter the signature password (6–16 letters and digits) and read your My Number Card.',
      })}</p><p class="muted">${tr(req.lang, { ja: 'パスワードを5回続けて間違えるとロックされます。', en: 'Five wrong passwords in a row lock it.' })}</p></div>
${buttonForm(req.lang, req.session, `/applications/${a.id}/sign`, { ja: '読み取る', en: 'Sign with the card' })}`,
    });
  });
  app.post<{ Params: { id: string } }>('/applications/:id/sign', auth, async (req, reply) => {
    const a = await draftOnly(req, reply);
    if (!a) return;
    if (!a.consentAt) return go(reply, a, 'consent');
    const doc = apps.document(a);
    return redirectToPlatform(req, reply, stepPath(a, 'sign'), async () => {
      const transactionId = await d.rp.createSignTransaction({
        digest: new Uint8Array(doc.digest),
        name: `国家資格 ${qualificationName('ja', a.qualificationId)} ${a.kind === 'initial' ? '初期設定申請' : '書換交付申請'}`,
        title: '国家資格等オンライン / National qualifications online',
        summary: `${a.basicInfo?.name ?? ''} / ${qualificationName('en', a.qualificationId)}`,
      });
      return d.rp.authorize({
        purpose: 'quals.sign',
        sessionId: req.session.id,
        scope: ['openid', 'sign'],
        signTransactionId: transactionId,
        context: { applicationId: a.id, digest: doc.digest.toString('hex') },
        uiLocale: req.lang,
      });
    });
  });

  // 申請完了
  app.get<{ Params: { id: string } }>('/applications/:id/done', auth, async (req, reply) => {
    const a = await load(req);
    if (a.status === 'draft') return go(reply, a, 'status');
    return reply.page({
      title: { ja: '申請完了', en: 'Application submitted' },
      progress: progress(req.lang, 7),
      body: html`<div class="panel" role="status"><p>${tr(req.lang, {
        ja: '申請を受け付けました。資格管理団体が審査します。',
        en: 'Your application has been received. The managing body will review it.',
      })}</p>${
        a.status === 'payment_pending'
          ? html`<p><strong>${tr(req.lang, { ja: `手数料（${yen(a.fee)}）のお支払いが必要です。`, en: `Please pay the fee (${yen(a.fee)}).` })}</strong></p><p><a class="button" href="/applications/${a.id}/payment">${tr(req.lang, { ja: '決済へ進む', en: 'Go to payment' })}</a></p>`
          : ''
      }</div>${applicationSummary(req.lang, a)}
<p><a href="/qualifications">${tr(req.lang, { ja: '国家資格の一覧へ', en: 'Back to your qualifications' })}</a></p>`,
    });
  });
}
