import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JpkiClient } from '@honnin/card/client';
import { parseCertificate, TEST_POLICIES } from '@honnin/jpki';
import { storageBackends } from '@honnin/runtime/testing';
import { CitizenPhone } from '../support/citizen.ts';
import { credential, registerRelyingParty, tapSession } from '../support/honnin.ts';
import { DemoRelyingParty, type FlowResult } from '../support/relying-party.ts';
import { bindPhone, finishOnPc, loginWithCard, startOnPc } from '../support/service-page.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const NEW_ADDRESS = '東京都新宿区西新宿２－８－１';

/**
 * A citizen's card through its life, end to end over HTTP (J-LIS, the card
 * host, the platform, relying parties on openid-client): the municipal office
 * renews the card or records a move on it at the card host, and the next login
 * or signature keeps the citizen's pairwise `sub` at once — nobody runs
 * `/admin/relink`; a lost card is refused with its reason.
 */
for (const backend of storageBackends()) {
  describe(`a card's life events and the pairwise sub on ${backend.name}`, { skip: backend.skip }, () => {
    let system: TestSystem;
    let rp: DemoRelyingParty;
    let other: DemoRelyingParty;
    let phone: CitizenPhone;
    let card: Awaited<ReturnType<typeof tapSession>>;
    let first: FlowResult;

    before(async () => {
      system = await startTestSystem({
        parts: ['jlis', 'cards', 'platform'],
        databaseUrl: backend.databaseUrl,
      });
      rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000601');
      other = await DemoRelyingParty.start(system.urls.platform!, 'RP00000602');
      await registerRelyingParty(system, rp);
      await registerRelyingParty(system, other, { name: '別のサービス' });
      card = await tapSession(system, 'デモ1');
      phone = new CitizenPhone(system.urls.platform!);
      await phone.register(card);
      first = await loginWithCard(rp, phone, card, { scope: 'openid' });
      assert.ok(first.ok, `${first.errorCode} ${first.errorDescription}`);
    });
    after(async () => {
      await rp?.close();
      await other?.close();
      await system?.close();
    });

    /** What the municipal office does at the card host (its admin token). */
    async function lifeEvent(cardId: string, body: Record<string, unknown>) {
      const res = await fetch(`${system.urls.cards}/admin/cards/${cardId}/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${credential(system, 'cards-admin-token')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()) as {
        auth?: { serial: string };
        signature?: { serial: string };
        revoked: { purpose: string; serial: string; reason: string }[];
      };
    }

    async function jlisAdmin(path: string, body?: unknown) {
      const res = await fetch(`${system.urls.jlis}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${credential(system, 'jlis-admin-token')}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(res.ok, await res.clone().text());
      return (await res.json()) as Record<string, unknown>;
    }

    async function authSerialOn(session: typeof card): Promise<string> {
      const transport = await session.transport();
      try {
        return parseCertificate(await new JpkiClient(transport).readAuthCertificate(), {
          policies: TEST_POLICIES,
        }).serial;
      } finally {
        await transport.close();
      }
    }

    test('a renewed card logs in with the same sub, linked by that very login', async () => {
      const before = await authSerialOn(card);
      const renewed = await lifeEvent(card.card.id, { type: 'renewal' });
      assert.deepEqual(renewed.revoked.map((r) => `${r.purpose} ${r.reason}`).sort(), [
        'auth superseded',
        'signature superseded',
      ]);
      assert.equal(await authSerialOn(card), renewed.auth!.serial, 'the card carries the new certificate');
      assert.notEqual(renewed.auth!.serial, before);

      const again = await loginWithCard(rp, phone, card, { scope: 'openid' });
      assert.ok(again.ok, `${again.errorCode} ${again.errorDescription}`);
      assert.equal(again.idToken!.sub, first.idToken!.sub);
      const { events } = await rp.events(String(again.userinfo!.txn));
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'started',
          'qr_opened',
          'device_unlocked',
          'bound',
          'certificate_linked',
          'card_verified',
          'consented',
          'completed',
        ],
      );
      const fees = (await (
        await fetch(`${system.urls.platform}/admin/fees?client=${rp.clientId}`, {
          headers: { authorization: `Bearer ${credential(system, 'platform-admin-token')}` },
        })
      ).json()) as { fees: { item: string; count: number; yen: number }[] };
      assert.deepEqual(
        fees.fees.find((f) => f.item === 'successor'),
        { clientId: rp.clientId, item: 'successor', count: 1, yen: 2 },
        'the 新旧紐付け this login needed is metered to the service',
      );
    });

    test('a move: the signature carries the new 4 items and the same sub', async () => {
      const moved = await lifeEvent(card.card.id, {
        type: 'move',
        address: NEW_ADDRESS,
        municipalityCode: '131041',
      });
      assert.deepEqual(
        moved.revoked.map((r) => `${r.purpose} ${r.reason}`),
        ['signature affiliationChanged'],
      );
      assert.equal(moved.auth, undefined, 'the auth certificate stays');

      const content = new TextEncoder().encode('住所変更届');
      const id = await rp.createSignTransaction({
        digest: Buffer.from(await crypto.subtle.digest('SHA-256', content)).toString('base64'),
        document: { name: '住所変更届.pdf' },
      });
      const p = await startOnPc(rp, { scope: 'openid sign', signTransactionId: id });
      const flowId = await bindPhone(p, phone);
      await phone.consent(flowId);
      const signed = await phone.readForSignature(flowId, card);
      assert.equal(signed.view?.stage, 'done', JSON.stringify(signed.card));
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.equal(r.idToken!.sub, first.idToken!.sub);
      const result = r.signResult as {
        certificate: string;
        verification: { basic_info: { address: unknown } };
      };
      assert.deepEqual(result.verification.basic_info.address, { formatted: NEW_ADDRESS });
      assert.equal(
        parseCertificate(Buffer.from(result.certificate, 'base64'), { policies: TEST_POLICIES }).serial,
        moved.signature!.serial,
      );

      // the card-info AP was rewritten too: a login with the 4 items reads the new address
      const login = await loginWithCard(rp, phone, card, { scope: 'openid address' });
      assert.ok(login.ok, `${login.errorCode} ${login.errorDescription}`);
      assert.deepEqual(login.userinfo!.address, { formatted: NEW_ADDRESS });
      assert.equal(login.idToken!.sub, first.idToken!.sub);
    });

    test('another relying party gets another sub for the same citizen (pairwise)', async () => {
      const elsewhere = await loginWithCard(other, phone, card, { scope: 'openid' });
      assert.ok(elsewhere.ok, `${elsewhere.errorCode} ${elsewhere.errorDescription}`);
      assert.notEqual(elsewhere.idToken!.sub, first.idToken!.sub);
      const again = await loginWithCard(other, phone, card, { scope: 'openid' });
      assert.equal(again.idToken!.sub, elsewhere.idToken!.sub, 'stable within that service');
    });

    test('a lost card: the login is refused with the reason', async () => {
      const lost = await tapSession(system, 'デモ2');
      const owner = new CitizenPhone(system.urls.platform!);
      await owner.register(lost);
      const { cardId } = await jlisAdmin(`/admin/certificates/auth/${await authSerialOn(lost)}`);
      await jlisAdmin(`/admin/cards/${cardId}/events`, { type: 'loss' });
      const r = await loginWithCard(rp, owner, lost, { scope: 'openid' });
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'certificate_revoked');
      assert.match(r.errorDescription ?? '', /certificateHold/);
    });
  });
}
