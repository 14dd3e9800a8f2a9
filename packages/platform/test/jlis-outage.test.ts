import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSharedState } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import { CitizenPhone } from '../../../e2e/support/citizen.ts';
import { registerRelyingParty, tapSession } from '../../../e2e/support/honnin.ts';
import { stopPart } from '../../../e2e/support/part-restart.ts';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { bindPhone, finishOnPc, startOnPc } from '../../../e2e/support/service-page.ts';
import { startTestSystem, type TestSystem } from '../../../e2e/support/system.ts';
import { FlowStore } from '../src/flows/flow.ts';

/**
 * J-LIS stops answering in the middle of a login or a signing (the platform asks
 * it for OCSP, CRLs, linking and age over HTTP): the app gets a 503 with
 * `revocation_unavailable`, the flow stays open, and the same card read again
 * once J-LIS is back completes it. A citizen who gives up meanwhile ends the
 * flow with `temporarily_unavailable` at the relying party.
 */
for (const backend of storageBackends()) {
  describe(`J-LIS unreachable during a flow on ${backend.name}`, { skip: backend.skip }, () => {
    let system: TestSystem;
    let rp: DemoRelyingParty;
    let phone: CitizenPhone;

    before(async () => {
      system = await startTestSystem({
        parts: ['jlis', 'cards', 'platform'],
        databaseUrl: backend.databaseUrl,
      });
      rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000711');
      await registerRelyingParty(system, rp);
      phone = new CitizenPhone(system.urls.platform!);
      await phone.register(await tapSession(system, 'デモ1'));
    });
    after(async () => {
      await rp?.close();
      await system?.close();
    });

    const stopJlis = () => stopPart(system, 'jlis');

    const refused = (e: unknown) => {
      const err = e as { code?: string; status?: number };
      assert.equal(err.code, 'revocation_unavailable', String(e));
      assert.equal(err.status, 503);
      return true;
    };

    test('a login: refused with 503 while J-LIS is down, completed with the same card once it is back', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await startOnPc(rp, { scope: 'openid name', acrValues: 'crl' });
      const flowId = await bindPhone(p, phone);
      const restart = await stopJlis();
      try {
        await assert.rejects(phone.readForLogin(flowId, card, { cardInfoPin: card.cardInfoPin }), refused);
        const view = await phone.view(flowId);
        assert.equal(view.stage, 'in_app', 'the flow stays open for a retry');
      } finally {
        await restart();
      }
      const again = await phone.readForLogin(flowId, card, { cardInfoPin: card.cardInfoPin });
      assert.equal(again.view?.verified, true, `the retry went through: ${JSON.stringify(again.card)}`);
      await phone.consent(flowId);
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.equal(r.userinfo!.name, '黒桐　幹也');
      const { events } = await rp.events(String(r.userinfo!.txn));
      const types = events.map((e) => e.type);
      assert.ok(
        types.indexOf('jlis_unavailable') < types.indexOf('card_verified'),
        `the service sees the outage and the retry: ${types.join(', ')}`,
      );
    });

    test('a signing: refused while J-LIS is down, signed with the same card once it is back', async () => {
      const card = await tapSession(system, 'デモ1');
      const digest = Buffer.alloc(32, 7).toString('base64');
      const id = await rp.createSignTransaction({ digest, document: { name: '申請書.pdf' } });
      const p = await startOnPc(rp, { scope: 'openid sign', signTransactionId: id });
      const flowId = await bindPhone(p, phone);
      await phone.consent(flowId);
      const restart = await stopJlis();
      try {
        await assert.rejects(phone.readForSignature(flowId, card), refused);
        assert.equal((await phone.view(flowId)).stage, 'in_app');
      } finally {
        await restart();
      }
      const signed = await phone.readForSignature(flowId, card);
      assert.equal(signed.view?.stage, 'done');
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.equal((r.signResult!.verification as { valid?: boolean }).valid, true);
    });

    test('中止 while J-LIS is down: the service gets temporarily_unavailable, not a cancellation', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await startOnPc(rp, { scope: 'openid' });
      const flowId = await bindPhone(p, phone);
      const restart = await stopJlis();
      try {
        await assert.rejects(phone.readForLogin(flowId, card), refused);
        const ended = await phone.report(flowId, 'user_cancelled');
        assert.equal(ended.outcome?.code, 'revocation_unavailable');
      } finally {
        await restart();
      }
      const r = await finishOnPc(p);
      assert.equal(r.ok, false);
      assert.equal(r.error, 'temporarily_unavailable');
      assert.equal(r.errorCode, 'revocation_unavailable');
      assert.match(r.errorDescription ?? '', /J-LIS/);
    });

    test('中止 on the service page while J-LIS is down: temporarily_unavailable as well', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await startOnPc(rp, { scope: 'openid' });
      const flowId = await bindPhone(p, phone);
      const restart = await stopJlis();
      try {
        await assert.rejects(phone.readForLogin(flowId, card), refused);
        await p.events.close();
        await p.pc.submit(`${p.base}/cancel`, {});
      } finally {
        await restart();
      }
      const r = await p.result;
      assert.equal(r.error, 'temporarily_unavailable');
      assert.equal(r.errorCode, 'revocation_unavailable');
      assert.equal((await phone.view(flowId)).outcome?.code, 'revocation_unavailable');
    });

    test('中止 with J-LIS up is still the citizen cancelling', async () => {
      const p = await startOnPc(rp, { scope: 'openid' });
      const flowId = await bindPhone(p, phone);
      await phone.report(flowId, 'user_cancelled');
      const r = await finishOnPc(p);
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'user_cancelled');
    });
  });
}

test('a flow that times out after J-LIS could not be asked ends with revocation_unavailable', async () => {
  let now = 1_000_000;
  const state = createSharedState({ namespace: 'flow-expiry-test' });
  const flows = new FlowStore(state, () => now);
  try {
    const base = {
      uid: 'u1',
      kind: 'login' as const,
      clientId: 'RP00000711',
      clientName: 'テスト',
      origin: 'https://rp.example',
      items: { required: [], optional: [] },
      revocationCheck: false,
      testMode: false,
      expiresAt: now + 60_000,
    };
    const waiting = await flows.create(base);
    const unavailable = await flows.create({ ...base, uid: 'u2' });
    await flows.update(unavailable.id, () => ({ outcome: { code: 'revocation_unavailable' } }));
    now += 60_000;
    assert.equal((await flows.get(waiting.id))?.outcome?.code, 'flow_expired');
    const ended = await flows.get(unavailable.id);
    assert.equal(ended?.stage, 'failed');
    assert.equal(ended?.outcome?.code, 'revocation_unavailable');
  } finally {
    await state.close();
  }
});
