import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { MAX_ATTACHMENT_BYTES } from '../../src/qualifications/registry/applications.ts';
import { type CertificateStack, certificateStackOn, PNG } from './stack.ts';

const INFO = {
  name: '田中　一郎',
  address: '東京都港区芝公園４－２－８',
  birthDate: '1979-09-09',
  sex: '1' as const,
};

for (const backend of storageBackends()) {
  describe(`applications (${backend.name})`, { skip: backend.skip }, () => {
    let stack: CertificateStack;
    before(async () => {
      stack = await certificateStackOn(backend);
    });
    after(async () => stack?.close());
    const apps = () => stack.registry.applications;

    test('attachments: type from the content, size and count limits', async () => {
      const holder = await apps().holderFor('sub-attach', undefined);
      const a = await apps().startDraft(holder, '0301', 'initial');
      const add = (fileName: string, declaredType: string, content: Uint8Array) =>
        apps().addAttachment(holder, a.id, { fileName, declaredType, content });
      await assert.rejects(add('x.png', 'image/png', new TextEncoder().encode('not a png')), {
        code: 'attachment_type',
      });
      await assert.rejects(add('x.pdf', 'application/pdf', PNG), { code: 'attachment_type' });
      await assert.rejects(add('x.exe', 'application/x-msdownload', new Uint8Array([0x4d, 0x5a])), {
        code: 'attachment_type',
      });
      await assert.rejects(add('empty.png', 'image/png', new Uint8Array(0)), { code: 'attachment_empty' });
      const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1);
      big.set(PNG);
      await assert.rejects(add('big.png', 'image/png', big), { code: 'attachment_too_large' });
      const pdf = new TextEncoder().encode('%PDF-1.4\n%%EOF\n');
      const withPdf = await add('../../etc/証明書.pdf', 'application/pdf', pdf);
      assert.equal(withPdf.attachments[0]!.fileName, '.._.._etc_証明書.pdf');
      for (let i = 0; i < 4; i++) await add(`p${i}.png`, 'image/png', PNG);
      await assert.rejects(add('sixth.png', 'image/png', PNG), { code: 'attachment_too_many' });
    });

    test('another holder cannot see or change an application', async () => {
      const owner = await apps().holderFor('sub-owner', undefined);
      const other = await apps().holderFor('sub-other', undefined);
      const a = await apps().startDraft(owner, '0102', 'initial');
      await assert.rejects(apps().get(other, a.id), { code: 'application_unknown' });
      await assert.rejects(apps().setBasicInfo(other, a.id, INFO), { code: 'application_unknown' });
      await assert.rejects(apps().attachmentContent(other, a.id, 'x'), { code: 'application_unknown' });
    });

    test('a draft resumes; consent needs every step; a change needs a registration', async () => {
      const holder = await apps().holderFor('sub-steps', undefined);
      await assert.rejects(apps().startDraft(holder, '0101', 'change'), {
        code: 'application_not_registered',
      });
      await assert.rejects(apps().startDraft(holder, '9999', 'initial'), { code: 'qualification_unknown' });
      const a = await apps().startDraft(holder, '0101', 'initial');
      assert.equal((await apps().startDraft(holder, '0101', 'initial')).id, a.id);
      await assert.rejects(apps().consent(holder, a.id), { code: 'application_incomplete' });
      await apps().setBasicInfo(holder, a.id, INFO);
      await apps().setRegistration(holder, a.id, 'A-100', '2001-03-31');
      await apps().addAttachment(holder, a.id, {
        fileName: 'a.png',
        declaredType: 'image/png',
        content: PNG,
      });
      const consented = await apps().consent(holder, a.id);
      const digest = apps().document(consented).digest;
      // a change after consent withdraws it: the signed document must be what was reviewed
      await apps().setRegistration(holder, a.id, 'A-101', '2001-03-31');
      await assert.rejects(apps().submitSigned(holder, a.id, { digest, verification: {} }), {
        code: 'application_no_consent',
      });
      const again = await apps().consent(holder, a.id);
      await assert.rejects(apps().submitSigned(holder, a.id, { digest, verification: {} }), {
        code: 'application_changed',
      });
      const submitted = await apps().submitSigned(holder, a.id, {
        digest: apps().document(again).digest,
        verification: { valid: true },
      });
      assert.equal(submitted.status, 'submitted');
      await assert.rejects(apps().setRegistration(holder, a.id, 'A-102', '2001-03-31'), {
        code: 'application_not_draft',
      });
      const rejected = await apps().reject(a.id, '登録番号が登録簿と一致しません');
      assert.equal(rejected.status, 'rejected');
      await assert.rejects(apps().approve(a.id), { code: 'application_not_submitted' });
      assert.equal(await apps().registrationOf(holder, '0101'), undefined);
    });

    test('a change with a fee waits for payment, then approval rewrites the register and replaces the certificate', async () => {
      const first = await stack.registerHolder('sub-change', '旧姓　花子', '0401');
      const holder = await apps().holderFor('sub-change', undefined);
      const a = await apps().startDraft(holder, '0401', 'change');
      assert.equal(a.fee, 1200);
      assert.equal(a.registrationNumber, '123456');
      await apps().setBasicInfo(holder, a.id, { ...INFO, name: '新姓　花子', sex: '2' });
      await apps().setChanges(holder, a.id, {
        domicilePrefecture: '京都府',
        formerSurname: '旧姓',
        reason: 'marriage',
        changeDate: '2026-06-01',
      });
      await apps().addAttachment(holder, a.id, {
        fileName: 'koseki.png',
        declaredType: 'image/png',
        content: PNG,
      });
      const consented = await apps().consent(holder, a.id);
      const filed = await apps().submitSigned(holder, a.id, {
        digest: apps().document(consented).digest,
        verification: { valid: true },
      });
      assert.equal(filed.status, 'payment_pending');
      await assert.rejects(apps().approve(a.id), { code: 'application_not_submitted' });
      await apps().markPaid(a.id, 'pay_test');
      await apps().approve(a.id);
      const reg = await apps().registrationOf(holder, '0401');
      assert.equal(reg?.holderName, '新姓　花子');
      assert.equal(reg?.details.domicilePrefecture, '京都府');
      assert.equal((await stack.registry.certificates.get(first.id))?.status, 'replaced');
      const latest = await stack.registry.certificates.latest(reg!.id);
      assert.equal(latest?.fields.holderName, '新姓　花子');
      assert.equal((await stack.verifier.verify(latest!.url)).valid, true);
      const old = await stack.verifier.verify(first.url);
      assert.equal(old.valid ? '' : old.reason, 'replaced');
    });
  });
}
