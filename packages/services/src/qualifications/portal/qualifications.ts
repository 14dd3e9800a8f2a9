import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { buttonForm, csrfInput, html, radios, summaryList, tr, yen } from '../../web/index.ts';
import { CATALOGUE, qualification } from '../catalogue.ts';
import { displayValue, RECORD_LABELS } from '../certificate/labels.ts';
import { certificatePdf } from '../certificate/pdf.ts';
import type { Quals } from '../context.ts';
import { ApplicationError, type Registration } from '../registry/applications.ts';
import type { IssuedCertificate } from '../registry/certificates.ts';
import { CERTIFICATE_STATUS_TEXT, KIND_TEXT, NEXT } from '../texts.ts';
import { qualificationName, statusBadge } from './views.ts';

type CiReq = FastifyRequest<{ Params: { ci: string } }>;

/**
 * 国家資格: the holder's registered qualifications and applications, adding
 * one from the catalogue, a registration's page with its digital
 * certificate (page, QR and PDF), and the start of a change (書換交付).
 */
export function qualificationRoutes(app: FastifyInstance, d: Quals): void {
  const auth = { preHandler: d.holderOnly };
  const apps = d.registry.applications;
  const holder = (req: FastifyRequest) => req.session.accountId!;

  app.get('/qualifications', auth, async (req, reply) => {
    const l = req.lang;
    const regs = await apps.registrations(holder(req));
    const applications = await apps.listForHolder(holder(req));
    return reply.page({
      title: { ja: '国家資格', en: 'Your national qualifications' },
      body: html`<h2>${tr(l, { ja: '登録済みの国家資格', en: 'Registered qualifications' })}</h2>
${
  regs.length
    ? html`<ul class="cards">${regs.map(
        (r) =>
          html`<li><a class="title" href="/qualifications/${r.qualificationId}">${qualificationName(l, r.qualificationId)}</a><br><span class="muted">${tr(l, { ja: '登録番号', en: 'Registration number' })} ${r.registrationNumber}</span></li>`,
      )}</ul>`
    : html`<p>${tr(l, { ja: '登録済みの国家資格はありません。', en: 'No qualification is registered yet.' })}</p>`
}
<div class="actions"><a class="button" href="/qualifications/add">${tr(l, { ja: '資格を追加する', en: 'Add a qualification' })}</a></div>
<h2>${tr(l, { ja: '申請状況', en: 'Applications' })}</h2>
${
  applications.length
    ? html`<table><thead><tr><th>${tr(l, { ja: '手続き', en: 'Procedure' })}</th><th>${tr(l, { ja: '国家資格', en: 'Qualification' })}</th><th>${tr(l, { ja: '状況', en: 'Status' })}</th></tr></thead><tbody>${applications.map(
        (a) =>
          html`<tr><td><a href="${a.status === 'payment_pending' ? `/applications/${a.id}/payment` : `/applications/${a.id}/done`}">${tr(l, KIND_TEXT[a.kind])}</a></td><td>${qualificationName(l, a.qualificationId)}</td><td>${statusBadge(l, a.status)}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${tr(l, { ja: '申請はありません。', en: 'No applications.' })}</p>`
}`,
    });
  });

  app.get('/qualifications/add', auth, async (req, reply) => {
    const l = req.lang;
    const regs = new Set((await apps.registrations(holder(req))).map((r) => r.qualificationId));
    return reply.page({
      title: { ja: '登録する国家資格の選択', en: 'Choose a qualification to register' },
      body: html`<ul class="cards">${CATALOGUE.filter((q) => !regs.has(q.id)).map(
        (q) =>
          html`<li><a class="title" href="/qualifications/add/${q.id}">${qualificationName(l, q.id)}</a><br><span class="muted">${q.managingBody}</span></li>`,
      )}</ul>`,
    });
  });

  app.get<{ Params: { ci: string } }>('/qualifications/add/:ci', auth, async (req, reply) => {
    const q = qualification(req.params.ci);
    return reply.page({
      title: { ja: `${q.name}の登録`, en: `Register: ${q.nameEn}` },
      body: html`${summaryList(req.lang, [
        [{ ja: '資格名称', en: 'Qualification' }, qualificationName(req.lang, q.id)],
        [{ ja: '登録者', en: 'Granted by' }, q.issuingBody],
        [{ ja: '資格管理団体', en: 'Managing body' }, q.managingBody],
      ])}<p>${tr(req.lang, {
        ja: '資格管理団体に登録されている資格情報を、マイナンバーカードと結び付けて登録します。登録後はデジタル資格者証を取得できます。',
        en: 'Link the qualification registered with the managing body to your My Number Card. Once registered, you can get your digital qualification certificate.',
      })}</p>${buttonForm(req.lang, req.session, `/qualifications/add/${q.id}/start`, { ja: '手続きをはじめる', en: 'Start the procedure' })}`,
    });
  });
  app.post<{ Params: { ci: string } }>('/qualifications/add/:ci/start', auth, async (req, reply) => {
    try {
      const a = await apps.startDraft(holder(req), req.params.ci, 'initial');
      return reply.redirect(`/applications/${a.id}/status`, 303);
    } catch (e) {
      if (e instanceof ApplicationError && e.code === 'application_already_registered') {
        return reply.redirect(`/qualifications/${req.params.ci}`, 303);
      }
      throw e;
    }
  });

  const registrationOf = async (req: CiReq, reply: FastifyReply): Promise<Registration | undefined> => {
    qualification(req.params.ci);
    const reg = await apps.registrationOf(holder(req), req.params.ci);
    if (!reg) await reply.redirect(`/qualifications/add/${req.params.ci}`, 303);
    return reg;
  };

  app.get<{ Params: { ci: string } }>('/qualifications/:ci', auth, async (req, reply) => {
    const reg = await registrationOf(req, reply);
    if (!reg) return;
    const l = req.lang;
    const cert = await d.registry.certificates.latest(reg.id);
    return reply.page({
      title: qualificationName(l, reg.qualificationId),
      body: html`${summaryList(l, [
        [{ ja: '氏名', en: 'Name' }, reg.holderName],
        [{ ja: '登録番号', en: 'Registration number' }, reg.registrationNumber],
        [{ ja: '登録年月日', en: 'Registration date' }, reg.registrationDate.replaceAll('-', '/')],
        [{ ja: '本籍地都道府県', en: 'Registered domicile' }, reg.details.domicilePrefecture],
        [{ ja: '旧姓（併記）', en: 'Former surname' }, reg.details.formerSurname],
        [
          { ja: 'デジタル資格者証', en: 'Digital certificate' },
          cert ? CERTIFICATE_STATUS_TEXT[cert.status] : { ja: '未発行', en: 'Not issued' },
        ],
      ])}
<div class="actions">${
        cert && cert.status !== 'deleted'
          ? html`<a class="button" href="/qualifications/${reg.qualificationId}/certificate">${tr(l, { ja: 'デジタル資格者証をダウンロードする', en: 'Download the digital certificate' })}</a>`
          : ''
      }<a class="button secondary" href="/qualifications/${reg.qualificationId}/change">${tr(l, { ja: '登録情報を変更する', en: 'Change the registration' })}</a></div>`,
    });
  });

  const withCertificate = async (req: CiReq, reply: FastifyReply) => {
    const reg = await registrationOf(req, reply);
    if (!reg) return undefined;
    const cert = await d.registry.certificates.latest(reg.id);
    if (!cert || cert.status === 'deleted') {
      await reply.redirect(`/qualifications/${reg.qualificationId}`, 303);
      return undefined;
    }
    return cert;
  };

  app.get<{ Params: { ci: string } }>('/qualifications/:ci/certificate', auth, async (req, reply) => {
    const cert = await withCertificate(req, reply);
    if (!cert) return;
    const l = req.lang;
    const qr = await QRCode.toDataURL(cert.url, { errorCorrectionLevel: 'M', margin: 2, scale: 4 });
    return reply.page({
      title: { ja: 'デジタル資格者証', en: 'Digital qualification certificate' },
      body: html`${cert.status === 'valid' ? '' : html`<div class="flash error" role="alert">${tr(l, { ja: 'この資格者証は現在有効ではありません', en: 'This certificate is not valid at present' })}: ${tr(l, CERTIFICATE_STATUS_TEXT[cert.status])}</div>`}
<section class="certificate" aria-labelledby="cert-heading"><h2 id="cert-heading">${cert.fields.qualificationName}</h2>
<img class="qr" id="certificate-qr" src="${qr}" width="260" height="260" alt="${tr(l, { ja: '検証用の二次元コード', en: 'QR code for verification' })}">
<p class="muted">${tr(l, {
        ja: '検証者にこの二次元コードを提示してください。検証者は読み取り後「検証実施」を押すと有効性を確認できます。',
        en: 'Show this QR code to the verifier, who scans it and presses “検証実施” (verify) to check it.',
      })}</p>
<p class="muted"><a href="${cert.url}" id="certificate-link">${tr(l, { ja: '確認ページを開く', en: 'Open the check page' })}</a></p>
${certificateItems(l, cert)}</section>
<div class="actions"><a class="button" href="/qualifications/${cert.fields.qualificationId}/certificate.pdf" download>${tr(l, { ja: 'PDFで保存・印刷', en: 'Save or print as PDF' })}</a>
<a class="button secondary" href="/qualifications/${cert.fields.qualificationId}">${tr(l, { ja: '戻る', en: 'Back' })}</a></div>`,
    });
  });

  app.get<{ Params: { ci: string } }>('/qualifications/:ci/certificate.pdf', auth, async (req, reply) => {
    const cert = await withCertificate(req, reply);
    if (!cert) return;
    const pdf = await certificatePdf(cert.fields, cert.url);
    return reply
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="digital-certificate-${cert.id}.pdf"`)
      .header('cache-control', 'no-store')
      .send(pdf);
  });

  // ② 変更申請: choose the procedure (書換交付), then the same steps as registration
  app.get<{ Params: { ci: string } }>('/qualifications/:ci/change', auth, async (req, reply) => {
    const reg = await registrationOf(req, reply);
    if (!reg) return;
    return changePage(req, reply, reg.qualificationId, false);
  });
  const changePage = (req: FastifyRequest, reply: FastifyReply, ci: string, error: boolean) => {
    const q = qualification(ci);
    return reply.page(
      {
        title: { ja: '対象の手続きの選択', en: 'Choose the procedure' },
        body: html`<p>${qualificationName(req.lang, ci)}</p><form method="post" action="/qualifications/${ci}/change" novalidate>${csrfInput(req.session)}
${radios(req.lang, {
  name: 'procedure',
  legend: { ja: '手続き', en: 'Procedure' },
  required: true,
  error: error ? { ja: '手続きを選択してください。', en: 'Choose a procedure.' } : undefined,
  options: [
    {
      value: 'rewrite',
      label: { ja: '書換交付', en: 'Rewrite and reissue (書換交付)' },
      hint: {
        ja: `氏名・本籍地などの変更（手数料 ${yen(q.changeFee)}）`,
        en: `Change of name, registered domicile and so on (fee ${yen(q.changeFee)})`,
      },
    },
  ],
})}
<div class="actions"><button type="submit">${tr(req.lang, NEXT)}</button></div></form>`,
      },
      error ? 400 : 200,
    );
  };
  app.post<{ Params: { ci: string }; Body: { procedure?: string } }>(
    '/qualifications/:ci/change',
    auth,
    async (req, reply) => {
      const reg = await registrationOf(req, reply);
      if (!reg) return;
      if (req.body.procedure !== 'rewrite') return changePage(req, reply, reg.qualificationId, true);
      const a = await apps.startDraft(holder(req), reg.qualificationId, 'change');
      return reply.redirect(`/applications/${a.id}/card`, 303);
    },
  );
}

/** A certificate's registered items, as on the verification page. */
export function certificateItems(lang: 'ja' | 'en', cert: IssuedCertificate) {
  return summaryList(
    lang,
    RECORD_LABELS.map(([field, label]) => [label, displayValue(field, cert.fields[field])]),
  );
}
