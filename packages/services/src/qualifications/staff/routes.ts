import type { FastifyInstance } from 'fastify';
import { basicInfoFromVerification } from '../../relying-party/basic-info.ts';
import {
  buttonForm,
  csrfInput,
  formatDate,
  html,
  input,
  installStaffLogin,
  type Lang,
  summaryList,
  type Text,
  tr,
} from '../../web/index.ts';
import type { Quals } from '../context.ts';
import { certificateItems } from '../portal/qualifications.ts';
import { applicationSummary, qualificationName, statusBadge } from '../portal/views.ts';
import type { ApplicationStatus } from '../registry/applications.ts';
import type { StatusAction } from '../registry/certificates.ts';
import { CERTIFICATE_STATUS_TEXT, KIND_TEXT } from '../texts.ts';

const ACTION_TEXT: Record<StatusAction | 'reissue', Text> = {
  suspend: { ja: '一時停止', en: 'Suspend' },
  resume: { ja: '一時停止の解除', en: 'Resume' },
  revoke: { ja: '取消', en: 'Revoke' },
  delete: { ja: '削除', en: 'Delete' },
  reissue: { ja: '再交付', en: 'Reissue' },
};
const ACTIONS_BY_STATUS: Record<string, (StatusAction | 'reissue')[]> = {
  valid: ['suspend', 'revoke', 'reissue', 'delete'],
  suspended: ['resume', 'revoke', 'reissue', 'delete'],
  revoked: ['delete'],
};

const YES_NO = (ok: unknown): Text =>
  ok === true ? { ja: '有効', en: 'Valid' } : { ja: '無効', en: 'Invalid' };

/** The platform's verification result of the applicant's signature, as a reviewer reads it. */
function verificationSummary(l: Lang, v: Record<string, unknown>) {
  if (v.test_response === true) {
    return summaryList(l, [
      [
        { ja: '検証結果', en: 'Result' },
        { ja: 'テスト応答（サンドボックス、署名なし）', en: 'Test response (sandbox, no signature)' },
      ],
    ]);
  }
  const revocation = v.revocation as { status?: string; source?: string } | undefined;
  const certificate = v.certificate as { serial?: string } | undefined;
  const signer = basicInfoFromVerification(v);
  return summaryList(l, [
    [{ ja: '署名', en: 'Signature' }, YES_NO(v.signature_valid)],
    [{ ja: '証明書の検証', en: 'Certificate chain' }, YES_NO(v.chain_valid)],
    [
      { ja: '失効確認', en: 'Revocation check' },
      revocation?.status ? `${revocation.status}${revocation.source ? ` (${revocation.source})` : ''}` : null,
    ],
    [{ ja: '署名者', en: 'Signer' }, signer ? `${signer.name}（${signer.birthDate}）` : null],
    [
      { ja: '署名用電子証明書のシリアル番号', en: 'Signature certificate serial' },
      certificate?.serial ?? null,
    ],
    [{ ja: '検証日時', en: 'Checked at' }, typeof v.checked_at === 'string' ? v.checked_at : null],
  ]);
}

/**
 * The managing body's staff view: applications to review (with the 4 items,
 * the entered details, the attachments and the platform's verification of the
 * signature), approve or reject; issued certificates and their status.
 */
export function staffRoutes(app: FastifyInstance, d: Quals): void {
  const apps = d.registry.applications;
  const guard = { preHandler: installStaffLogin(app, d.web, d.staffPassword) };

  app.get('/staff', guard, async (req, reply) => {
    const l = req.lang;
    const groups: [Text, ApplicationStatus[]][] = [
      [{ ja: '審査待ち', en: 'To review' }, ['submitted']],
      [{ ja: '決済待ち', en: 'Awaiting payment' }, ['payment_pending']],
      [{ ja: '処理済み', en: 'Decided' }, ['approved', 'rejected']],
    ];
    const sections = await Promise.all(
      groups.map(async ([title, statuses]) => {
        const list = await apps.listByStatus(statuses);
        return html`<h2>${tr(l, title)}</h2>${
          list.length
            ? html`<table><thead><tr><th>${tr(l, { ja: '申請', en: 'Application' })}</th><th>${tr(l, { ja: '申請者', en: 'Applicant' })}</th><th>${tr(l, { ja: '国家資格', en: 'Qualification' })}</th><th>${tr(l, { ja: '申請日時', en: 'Submitted' })}</th><th>${tr(l, { ja: '状況', en: 'Status' })}</th></tr></thead><tbody>${list.map(
                (a) =>
                  html`<tr><td><a href="/staff/applications/${a.id}">${tr(l, KIND_TEXT[a.kind])}</a></td><td>${a.basicInfo?.name ?? '-'}</td><td>${qualificationName(l, a.qualificationId)}</td><td>${a.submittedAt ? formatDate(a.submittedAt, true) : '-'}</td><td>${statusBadge(l, a.status)}</td></tr>`,
              )}</tbody></table>`
            : html`<p>-</p>`
        }`;
      }),
    );
    return reply.page({ title: { ja: '申請一覧', en: 'Applications' }, body: html`${sections}` });
  });

  app.get<{ Params: { id: string } }>('/staff/applications/:id', guard, async (req, reply) => {
    const l = req.lang;
    const a = await apps.get(null, req.params.id);
    const verification = await apps.signatureVerification(a.id);
    return reply.page({
      title: { ja: `${KIND_TEXT[a.kind].ja}の審査`, en: `Review: ${KIND_TEXT[a.kind].en}` },
      body: html`<p>${statusBadge(l, a.status)}</p>${applicationSummary(l, a, (fid) => `/staff/applications/${a.id}/attachments/${fid}`)}
<h2>${tr(l, { ja: '電子署名の検証結果（デジタル認証アプリ）', en: 'Signature verification (identity platform)' })}</h2>
${verification ? verificationSummary(l, verification) : html`<p>-</p>`}
${
  a.status === 'submitted'
    ? html`<h2>${tr(l, { ja: '審査結果', en: 'Decision' })}</h2><div class="inline-actions">${buttonForm(l, req.session, `/staff/applications/${a.id}/approve`, { ja: '承認する（資格者証を発行）', en: 'Approve (issue the certificate)' })}
<form method="post" action="/staff/applications/${a.id}/reject">${csrfInput(req.session)}${input(l, { name: 'note', label: { ja: '差戻し理由', en: 'Reason for rejecting' }, maxlength: 200 })}<button type="submit" class="danger">${tr(l, { ja: '差し戻す', en: 'Reject' })}</button></form></div>`
    : a.decisionNote
      ? summaryList(l, [[{ ja: '審査メモ', en: 'Note' }, a.decisionNote]])
      : ''
}`,
    });
  });
  app.get<{ Params: { id: string; fid: string } }>(
    '/staff/applications/:id/attachments/:fid',
    guard,
    async (req, reply) => {
      const f = await apps.attachmentContent(null, req.params.id, req.params.fid);
      return reply
        .type(f.mediaType)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(f.fileName)}`)
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(f.content));
    },
  );
  app.post<{ Params: { id: string } }>('/staff/applications/:id/approve', guard, async (req, reply) => {
    await apps.approve(req.params.id);
    await req.session.flash('success', {
      ja: '承認し、デジタル資格者証を発行しました。',
      en: 'Approved; the digital certificate was issued.',
    });
    return reply.redirect(`/staff/applications/${req.params.id}`, 303);
  });
  app.post<{ Params: { id: string }; Body: { note?: string } }>(
    '/staff/applications/:id/reject',
    guard,
    async (req, reply) => {
      await apps.reject(req.params.id, String(req.body.note ?? '').slice(0, 200));
      await req.session.flash('info', { ja: '差し戻しました。', en: 'Rejected.' });
      return reply.redirect(`/staff/applications/${req.params.id}`, 303);
    },
  );

  app.get('/staff/certificates', guard, async (req, reply) => {
    const l = req.lang;
    const list = await d.registry.certificates.list();
    return reply.page({
      title: { ja: 'デジタル資格者証', en: 'Digital certificates' },
      body: html`<table><thead><tr><th>${tr(l, { ja: '資格者証番号', en: 'Certificate' })}</th><th>${tr(l, { ja: '氏名', en: 'Name' })}</th><th>${tr(l, { ja: '国家資格', en: 'Qualification' })}</th><th>${tr(l, { ja: '状態', en: 'Status' })}</th></tr></thead><tbody>${list.map(
        (c) =>
          html`<tr><td><a href="/staff/certificates/${c.id}">${c.id}</a></td><td>${c.holderName}</td><td>${qualificationName(l, c.qualificationId)}</td><td><span class="badge ${c.status}">${tr(l, CERTIFICATE_STATUS_TEXT[c.status])}</span></td></tr>`,
      )}</tbody></table>`,
    });
  });
  app.get<{ Params: { id: string } }>('/staff/certificates/:id', guard, async (req, reply) => {
    const l = req.lang;
    const c = await d.registry.certificates.get(req.params.id);
    if (!c) return reply.redirect('/staff/certificates', 303);
    return reply.page({
      title: { ja: `資格者証 ${c.id}`, en: `Certificate ${c.id}` },
      body: html`<p><span class="badge ${c.status}">${tr(l, CERTIFICATE_STATUS_TEXT[c.status])}</span>${
        c.replacedBy ? html` → <a href="/staff/certificates/${c.replacedBy}">${c.replacedBy}</a>` : ''
      }</p>${certificateItems(l, c)}${summaryList(l, [
        [{ ja: '署名鍵', en: 'Signing key' }, c.keyId],
        [{ ja: '発行日時', en: 'Issued' }, formatDate(c.issuedAt, true)],
      ])}<div class="inline-actions">${(ACTIONS_BY_STATUS[c.status] ?? []).map((action) =>
        buttonForm(l, req.session, `/staff/certificates/${c.id}/${action}`, ACTION_TEXT[action], {
          className: action === 'revoke' || action === 'delete' ? 'danger' : 'secondary',
        }),
      )}</div>`,
    });
  });
  app.post<{ Params: { id: string; action: string } }>(
    '/staff/certificates/:id/:action',
    guard,
    async (req, reply) => {
      const { id, action } = req.params;
      if (action === 'reissue') {
        const next = await d.registry.certificates.reissue(id);
        return reply.redirect(`/staff/certificates/${next.id}`, 303);
      }
      if (!['suspend', 'resume', 'revoke', 'delete'].includes(action))
        return reply.redirect(`/staff/certificates/${id}`, 303);
      await d.registry.certificates.act(id, action as StatusAction);
      await req.session.flash('success', {
        ja: `${ACTION_TEXT[action as StatusAction].ja}しました。`,
        en: `${ACTION_TEXT[action as StatusAction].en}: done.`,
      });
      return reply.redirect(`/staff/certificates/${id}`, 303);
    },
  );
}
