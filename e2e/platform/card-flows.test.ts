import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CertificateValidator, parseCertificate, TEST_POLICIES, verifyCms } from '@honnin/jpki';
import { storageBackends } from '@honnin/runtime/testing';
import { CitizenPhone } from '../support/citizen.ts';
import { credential, registerRelyingParty, tapSession } from '../support/honnin.ts';
import { type AuthorizationOptions, DemoRelyingParty } from '../support/relying-party.ts';
import { bindPhone, finishOnPc, type PcFlow, startOnPc } from '../support/service-page.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

/**
 * Logins and signatures with the virtual cards of a running honnin (J-LIS, the
 * card host, the platform), over HTTP only: a relying party on openid-client,
 * the service's page in one agent, the citizen's phone in another driving the
 * app's API with the same card-reading code as the app page.
 */
for (const backend of storageBackends()) {
  describe(`card flows on ${backend.name}`, { skip: backend.skip }, () => {
    let system: TestSystem;
    let rp: DemoRelyingParty;
    let phone: CitizenPhone;
    let child: CitizenPhone;

    before(async () => {
      system = await startTestSystem({
        parts: ['jlis', 'cards', 'platform'],
        databaseUrl: backend.databaseUrl,
      });
      rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000501');
      await registerRelyingParty(system, rp);
      phone = new CitizenPhone(system.urls.platform!);
      await phone.register(await tapSession(system, 'デモ1'));
      child = new CitizenPhone(system.urls.platform!);
    });
    after(async () => {
      await rp?.close();
      await system?.close();
    });

    const onPc = (opts: AuthorizationOptions = {}) => startOnPc(rp, opts);
    const bind = (p: PcFlow, who = phone) => bindPhone(p, who);

    test('phone only: app switch, PINs, card, consent, back with the 4 items', async () => {
      const card = await tapSession(system, 'デモ1');
      const browser = new CitizenPhone(system.urls.platform!);
      await browser.register(card);
      const { url, result } = await rp.authorize();
      const page = await browser.agent.follow(url);
      assert.match(await page.res.text(), /マイナンバーカードで本人確認/);
      const flowId = await browser.openAppSwitch(page.url.href);
      await browser.unlock(flowId);
      const read = await browser.readForLogin(flowId, card, { cardInfoPin: card.cardInfoPin });
      assert.ok(read.view, `card read: ${JSON.stringify(read.card)}`);
      assert.equal(read.view.claims?.name, '黒桐　幹也', 'the consent screen shows what goes to the service');
      const consented = await browser.consent(flowId);
      assert.ok(consented.returnCode);
      await browser.returnToService(consented);
      const r = await result;
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.deepEqual(
        [r.userinfo!.name, r.userinfo!.address, r.userinfo!.birthdate, r.userinfo!.gender],
        ['黒桐　幹也', { formatted: '東京都千代田区千代田１－１' }, '1980-02-17', 'male'],
      );
      const { events } = await rp.events(String(r.userinfo!.txn));
      const verified = events.find((e) => e.type === 'card_verified');
      assert.equal(verified?.detail.revocation, 'good', 'J-LIS was asked (OCSP)');
      assert.match(
        String(verified?.detail.signed),
        new RegExp(
          `^honnin-jpki-login/1\nrp:${rp.clientId}\norigin:${rp.url}\nnonce:[A-Za-z0-9_-]+\nissued:`,
        ),
        'the service can see what the card signed',
      );
      assert.deepEqual(
        events.map((e) => e.type),
        ['started', 'app_opened', 'device_unlocked', 'card_verified', 'consented', 'completed'],
      );
    });

    test('PC + phone: QR, 6-digit number, the PC moves on; the same person keeps one sub', async () => {
      const card = await tapSession(system, 'デモ1');
      const subs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const p = await onPc({ scope: 'openid' });
        const flowId = await bind(p);
        const read = await phone.readForLogin(flowId, card);
        assert.ok(read.view);
        await phone.consent(flowId);
        const r = await finishOnPc(p);
        assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
        assert.equal(r.userinfo!.name, undefined, 'no items were asked for');
        subs.push(r.idToken!.sub);
      }
      assert.equal(subs[0], subs[1]);
      const fees = (await (
        await fetch(`${system.urls.platform}/admin/fees?client=${rp.clientId}`, {
          headers: { authorization: `Bearer ${credential(system, 'platform-admin-token')}` },
        })
      ).json()) as { fees: { item: string; count: number; yen: number }[] };
      const auth = fees.fees.find((f) => f.item === 'auth_validity');
      assert.ok(auth && auth.count >= 2 && auth.yen === auth.count * 2, 'each J-LIS check is metered at ¥2');
    });

    test('signing: transaction, password, card; JWE result with certificate, verification and CMS', async () => {
      const card = await tapSession(system, 'デモ1');
      const content = new TextEncoder().encode('ドローン登録申請書');
      const digest = Buffer.from(await crypto.subtle.digest('SHA-256', content)).toString('base64');
      const id = await rp.createSignTransaction({
        digest,
        document: { name: '申請書.pdf' },
        container: 'cms',
      });
      const p = await onPc({ scope: 'openid sign', signTransactionId: id });
      const flowId = await bind(p);
      const view = await phone.view(flowId);
      assert.equal(view.document?.name, '申請書.pdf', 'the app shows what is signed');
      await phone.consent(flowId);
      const signed = await phone.readForSignature(flowId, card);
      assert.equal(signed.view?.stage, 'done');
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      const s = r.signResult as Record<string, string> & { verification: Record<string, unknown> };
      assert.equal(s.status, 'completed');
      assert.equal(Buffer.from(s.signature, 'base64').length, 256);
      const cert = parseCertificate(Buffer.from(s.certificate, 'base64'), { policies: TEST_POLICIES });
      assert.equal(cert.purpose, 'signature');
      assert.equal((s.verification.basic_info as { name: string }).name, '黒桐　幹也');
      assert.equal((s.verification.revocation as { status: string }).status, 'good');
      // the CMS verifies with the JPKI library against J-LIS's roots
      const anchors = await jlisAnchors(system);
      const cms = await verifyCms(
        { cms: Buffer.from(s.cms, 'base64'), content },
        { validator: new CertificateValidator({ trustAnchors: anchors, policies: TEST_POLICIES }) },
      );
      assert.equal(cms.signer.name, '黒桐　幹也');
    });

    test('three wrong PINs lock the card and the service gets auth_pin_locked', async () => {
      const card = await tapSession(system, 'デモ2');
      const owner = new CitizenPhone(system.urls.platform!);
      await owner.register(card);
      const p = await onPc({ scope: 'openid' });
      const flowId = await bind(p, owner);
      const tries: unknown[] = [];
      for (let i = 0; i < 3; i++)
        tries.push((await owner.readForLogin(flowId, card, { authPin: '0000' })).card);
      assert.deepEqual(tries, [
        { ok: false, reason: 'pin_wrong', pin: 'auth', triesLeft: 2 },
        { ok: false, reason: 'pin_wrong', pin: 'auth', triesLeft: 1 },
        { ok: false, reason: 'locked', pin: 'auth' },
      ]);
      await owner.report(flowId, 'auth_pin_locked');
      const r = await finishOnPc(p);
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'auth_pin_locked');
      // the card stays locked even with the right PIN
      const again = await onPc({ scope: 'openid' });
      const second = await bind(again, owner);
      assert.deepEqual((await owner.readForLogin(second, card)).card, {
        ok: false,
        reason: 'locked',
        pin: 'auth',
      });
      await again.events.close();
    });

    test('a card without a signature certificate cannot sign', async () => {
      const card = await tapSession(system, 'デモ3');
      await child.register(card);
      const id = await rp.createSignTransaction({
        digest: Buffer.alloc(32, 1).toString('base64'),
        document: { name: '同意書.pdf' },
      });
      const p = await onPc({ scope: 'openid sign', signTransactionId: id });
      const flowId = await bind(p, child);
      await child.consent(flowId);
      const read = await child.readForSignature(flowId, card, 'ANYPASS1');
      assert.equal(read.card.ok, false);
      assert.equal((read.card as { reason: string }).reason, 'no_signature_certificate');
      await child.report(flowId, 'no_signature_certificate');
      const r = await finishOnPc(p);
      assert.equal(r.errorCode, 'no_signature_certificate');
      assert.equal(r.signResult, undefined);
    });

    test('a revoked certificate ends the login with certificate_revoked and its reason', async () => {
      const card = await tapSession(system, 'デモ3');
      // the card is reported lost: J-LIS revokes its certificates
      const transport = await card.transport();
      const { JpkiClient } = await import('@honnin/card/client');
      const serial = parseCertificate(await new JpkiClient(transport).readAuthCertificate(), {
        policies: TEST_POLICIES,
      }).serial;
      await transport.close();
      const revoked = await fetch(`${system.urls.jlis}/admin/certificates/auth/${serial}/revoke`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${credential(system, 'jlis-admin-token')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ reason: 'keyCompromise' }),
      });
      assert.equal(revoked.status, 200, await revoked.text());
      const p = await onPc({ scope: 'openid' });
      const flowId = await bind(p, child);
      const read = await child.readForLogin(flowId, card).catch((e: { code?: string }) => e);
      assert.equal((read as { code?: string }).code, 'certificate_revoked');
      const r = await finishOnPc(p);
      assert.equal(r.errorCode, 'certificate_revoked');
      assert.match(r.errorDescription ?? '', /keyCompromise/);
    });

    test('consent refused, and optional items the citizen unticks', async () => {
      const card = await tapSession(system, 'デモ1');
      const refused = await onPc();
      const f1 = await bind(refused);
      await phone.readForLogin(f1, card, { cardInfoPin: card.cardInfoPin });
      await phone.consent(f1, false);
      assert.equal((await finishOnPc(refused)).errorCode, 'consent_refused');

      const optional = await onPc({
        scope: 'openid name',
        claims: { userinfo: { address: null, birthdate: { essential: false } } },
      });
      const f2 = await bind(optional);
      const view = await phone.view(f2);
      assert.deepEqual(view.items, { required: ['name'], optional: ['address', 'birthdate'] });
      await phone.readForLogin(f2, card, { cardInfoPin: card.cardInfoPin });
      await phone.consent(f2, true, ['birthdate']);
      const r = await finishOnPc(optional);
      assert.equal(r.userinfo!.name, '黒桐　幹也');
      assert.equal(r.userinfo!.birthdate, '1980-02-17');
      assert.equal(r.userinfo!.address, undefined, 'the unticked item is not released');
    });

    test('age over N from J-LIS, without the birth date or the card-info PIN', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await onPc({
        scope: 'openid',
        claims: { userinfo: { age_over_20: { essential: true }, age_over_18: null } },
      });
      const flowId = await bind(p);
      assert.deepEqual((await phone.view(flowId)).items, {
        required: ['age_over_20'],
        optional: ['age_over_18'],
      });
      const read = await phone.readForLogin(flowId, card);
      assert.deepEqual(read.view?.claims, { age_over_20: true, age_over_18: true });
      await phone.consent(flowId, true, []);
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.equal(r.userinfo!.age_over_20, true);
      assert.equal(r.userinfo!.age_over_18, undefined, 'the optional one was unticked');
      assert.equal(r.userinfo!.birthdate, undefined);
    });

    test('a card taken out of the reader: the citizen may give up with card_removed', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await onPc({ scope: 'openid' });
      const flowId = await bind(p);
      const remove = await fetch(`${system.urls.cards}/v1/cards/${card.card.id}/remove`, { method: 'POST' });
      assert.equal(remove.status, 200);
      try {
        const read = await phone.readForLogin(flowId, card);
        assert.equal((read.card as { reason?: string }).reason, 'removed');
        await phone.report(flowId, 'card_removed');
      } finally {
        await fetch(`${system.urls.cards}/v1/cards/${card.card.id}/insert`, { method: 'POST' });
      }
      assert.equal((await finishOnPc(p)).errorCode, 'card_removed');
    });

    test('a signed login challenge is accepted once', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await onPc({ scope: 'openid' });
      const flowId = await bind(p);
      const first = await phone.readForLogin(flowId, card);
      assert.ok(first.view?.verified);
      await assert.rejects(
        phone.postCard(flowId, first.body),
        (e: { code?: string }) => e.code === 'challenge_replayed',
      );
      assert.equal((await finishOnPc(p)).errorCode, 'challenge_replayed');
    });
  });
}

/** J-LIS's CA certificates (every generation). */
async function jlisAnchors(system: TestSystem): Promise<Uint8Array[]> {
  const list = (await (await fetch(`${system.urls.jlis}/ca`)).json()) as { ca: { links: { der: string } }[] };
  return Promise.all(
    list.ca.map(
      async (c) => new Uint8Array(await (await fetch(`${system.urls.jlis}${c.links.der}`)).arrayBuffer()),
    ),
  );
}
