import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { startJlis } from '../../packages/platform/test/jlis-world.ts';
import { CitizenPhone } from '../support/citizen.ts';
import { registerRelyingParty, tapSession } from '../support/honnin.ts';
import { HttpAgent } from '../support/http-agent.ts';
import { DemoRelyingParty } from '../support/relying-party.ts';
import { bindPhone, finishOnPc, startOnPc } from '../support/service-page.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const [sqlite] = storageBackends();

/**
 * Ways a flow ends that the relying party must be able to tell apart, over
 * HTTP with the card host's virtual cards: what the service gets on its
 * redirect (openid-client), what the PC page and the app are told.
 */
describe('flow outcomes', () => {
  let system: TestSystem;
  let rp: DemoRelyingParty;
  let phone: CitizenPhone;

  before(async () => {
    system = await startTestSystem({
      parts: ['jlis', 'cards', 'platform'],
      databaseUrl: sqlite!.databaseUrl,
    });
    rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000521');
    await registerRelyingParty(system, rp);
    phone = new CitizenPhone(system.urls.platform!);
    await phone.register(await tapSession(system, 'デモ1'));
  });
  after(async () => {
    await rp?.close();
    await system?.close();
  });

  test('中止 after the citizen allowed in the app comes too late: no access_denied, no login until 戻る', async () => {
    const card = await tapSession(system, 'デモ1');
    const p = await startOnPc(rp, { scope: 'openid' });
    const flowId = await bindPhone(p, phone);
    assert.ok((await phone.readForLogin(flowId, card)).view?.verified);
    await phone.consent(flowId);
    await p.events.next('flow', (e) => e.stage === 'done');
    await p.events.close();

    const cancel = await p.pc.request(`${p.base}/cancel`, { form: {} });
    assert.equal(cancel.status, 303);
    assert.equal(new URL(cancel.headers.get('location')!, p.base).href, `${p.base}?cancel=too_late`);
    const page = await (await p.pc.request(`${p.base}?cancel=too_late`)).text();
    assert.match(page, /"cancelTooLate":true/, 'the page says 中止 came too late');
    assert.match(page, /"stage":"done"/);
    const settled = await Promise.race([p.result.then(() => 'reached'), Promise.resolve('not yet')]);
    assert.equal(settled, 'not yet', 'the service has heard nothing');

    await p.pc.submit(`${p.base}/finish`, {});
    const r = await p.result;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    const { events } = await rp.events(String(r.userinfo!.txn));
    assert.ok(events.some((e) => e.type === 'cancel_refused'));
  });

  test('中止 before the citizen allowed: user_cancelled, and the app’s consent is refused', async () => {
    const card = await tapSession(system, 'デモ1');
    const p = await startOnPc(rp, { scope: 'openid' });
    const flowId = await bindPhone(p, phone);
    assert.ok((await phone.readForLogin(flowId, card)).view?.verified);
    await p.events.close();
    await p.pc.submit(`${p.base}/cancel`, {});
    const r = await p.result;
    assert.equal(r.error, 'access_denied');
    assert.equal(r.errorCode, 'user_cancelled');
    await assert.rejects(phone.consent(flowId), { code: 'user_cancelled', status: 409 });
    assert.equal((await phone.view(flowId)).outcome?.code, 'user_cancelled');
  });

  test('prompt=none: the platform never logs in silently (login_required)', async () => {
    const { url, result } = await rp.authorize({ prompt: 'none' });
    await new HttpAgent().follow(url);
    const r = await result;
    assert.equal(r.ok, false);
    assert.equal(r.error, 'login_required');
  });

  test('the device unlock fails: device_unlock_failed', async () => {
    const p = await startOnPc(rp, { scope: 'openid' });
    const flowId = await phone.openQr(p.link);
    await phone.report(flowId, 'device_unlock_failed');
    const r = await finishOnPc(p);
    assert.equal(r.error, 'access_denied');
    assert.equal(r.errorCode, 'device_unlock_failed');
  });

  test('three wrong card-info PINs: card_info_pin_locked', async () => {
    const card = await tapSession(system, 'デモ2');
    const owner = new CitizenPhone(system.urls.platform!);
    await owner.register(card);
    const p = await startOnPc(rp, { scope: 'openid name' });
    const flowId = await bindPhone(p, owner);
    const tries: unknown[] = [];
    for (let i = 0; i < 3; i++)
      tries.push((await owner.readForLogin(flowId, card, { cardInfoPin: '0000' })).card);
    assert.deepEqual(tries.at(-1), { ok: false, reason: 'locked', pin: 'cardInfo' });
    await owner.report(flowId, 'card_info_pin_locked');
    const r = await finishOnPc(p);
    assert.equal(r.error, 'access_denied');
    assert.equal(r.errorCode, 'card_info_pin_locked');
  });

  test('a certificate J-LIS did not issue: certificate_invalid', async () => {
    const elsewhere = await startJlis(sqlite!);
    try {
      const forged = await elsewhere.card();
      const p = await startOnPc(rp, { scope: 'openid' });
      const flowId = await bindPhone(p, phone);
      const { challenge } = (await (
        await phone.agent.request(`${system.urls.platform}/app/api/flows/${flowId}/challenge`, {
          json: {},
          accept: 'application/json',
        })
      ).json()) as { challenge: string };
      await assert.rejects(
        phone.postCard(flowId, {
          challenge,
          signature: sign('sha256', Buffer.from(challenge, 'base64'), forged.authKey).toString('base64'),
          certificate: Buffer.from(forged.auth.der).toString('base64'),
        }),
        { code: 'certificate_invalid' },
      );
      const r = await finishOnPc(p);
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'certificate_invalid');
    } finally {
      await elsewhere.close();
    }
  });

  test('a return link with a wrong code is refused (return_code_invalid); the right one completes', async () => {
    const card = await tapSession(system, 'デモ1');
    const browser = new CitizenPhone(system.urls.platform!);
    await browser.register(card);
    const { url, result } = await rp.authorize({ scope: 'openid' });
    const page = await browser.agent.follow(url);
    const flowId = await browser.openAppSwitch(page.url.href);
    await browser.unlock(flowId);
    assert.ok((await browser.readForLogin(flowId, card)).view?.verified);
    const consented = await browser.consent(flowId);
    const wrong = await browser.agent.request(
      new URL(`${consented.returnPath}?code=not-the-code`, system.urls.platform),
    );
    assert.equal(wrong.status, 403);
    assert.match(await wrong.text(), /data-code="return_code_invalid"/);
    // nor from another browser with the right code
    const other = await new HttpAgent().request(
      new URL(`${consented.returnPath}?code=${consented.returnCode}`, system.urls.platform),
    );
    assert.equal(other.status, 404);
    await browser.returnToService(consented);
    const r = await result;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
  });
});
