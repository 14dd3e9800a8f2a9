import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { EventReader } from '../../../e2e/support/sse.ts';
import type { Flow } from '../src/flows/flow.ts';
import { QrCodes } from '../src/flows/qr.ts';
import { sharedSecret } from '../src/store/secrets.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36';

/**
 * The cross-device start over HTTP: the PC page's flow, the phone opening the
 * QR link once, the 6-digit number's limit, the QR's 30 seconds (on a clock the
 * test moves), and the PC page following the flow over server-sent events.
 */
for (const backend of storageBackends()) {
  describe(`QR + 6-digit pairing on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let rp: DemoRelyingParty;
    let clock = Date.now();

    before(async () => {
      t = await startTestPlatform(backend, { now: () => clock });
      rp = await DemoRelyingParty.start(t.url, 'RP00000301');
      await t.platform.clients.put(rp.registration());
    });
    after(async () => {
      await rp?.close();
      await t?.close();
    });

    /** A PC that opened the service's page; the flow behind it and the QR link it shows now. */
    async function pcFlow() {
      clock = Date.now();
      const pc = new HttpAgent();
      const { url, result } = await rp.authorize();
      const page = await pc.follow(url);
      assert.equal(page.res.status, 200);
      const uid = page.url.pathname.split('/')[2]!;
      const flowId = (await t.platform.state.get(`flow-of:${uid}`))!;
      const flow = JSON.parse((await t.platform.state.get(`flow:${flowId}`))!) as Flow;
      const qr = new QrCodes(await sharedSecret(t.platform.storage, 'qr-code'));
      const link = () => qr.link(t.url, flow, clock)?.url;
      return { pc, uid, flow, link, result, base: `${t.url}/interaction/${uid}` };
    }

    test('the QR link opens once, on one phone, and the PC page moves to the number', async () => {
      const { pc, flow, link, base } = await pcFlow();
      const events = new EventReader(await pc.request(`${base}/events`, { accept: 'text/event-stream' }));
      const firstQr = await events.next('qr');
      assert.match(String(firstQr.svg), /^<svg/);
      assert.equal(firstQr.secondsLeft, 30);

      const phone = new HttpAgent(PHONE);
      const opened = await phone.request(link()!);
      assert.equal(opened.status, 303);
      assert.equal(opened.headers.get('location'), `/app/flows/${flow.id}`);
      assert.equal(firstQr.link, link(), 'the page holds the link it shows');
      const moved = await events.next('flow', (e) => e.stage === 'binding');
      assert.equal(moved.stage, 'binding');
      await events.close();

      const second = await new HttpAgent(PHONE).request(link()!);
      assert.equal(second.status, 409, 'a second phone cannot take the flow');
      assert.match(await second.text(), /data-code="qr_used"/);
      // the app's API answers only the phone that opened the link
      assert.equal(
        (await phone.request(`${t.url}/app/api/flows/${flow.id}`, { accept: 'application/json' })).status,
        200,
      );
      assert.equal((await new HttpAgent(PHONE).request(`${t.url}/app/api/flows/${flow.id}`)).status, 404);
    });

    test('too many wrong 6-digit numbers end the flow with binding_failed', async () => {
      const { pc, link, base, result } = await pcFlow();
      await new HttpAgent(PHONE).request(link()!);
      const wrong = async () =>
        pc.request(`${base}/binding`, { json: { number: '000000' }, accept: 'application/json' });
      const first = await wrong();
      assert.equal(first.status, 400);
      assert.deepEqual(((await first.json()) as { details: unknown }).details, { attemptsLeft: 2 });
      assert.equal((await wrong()).status, 400);
      const third = await wrong();
      assert.equal(third.status, 403);
      assert.equal(((await third.json()) as { error: string }).error, 'binding_failed');
      await pc.submit(`${base}/finish`, {});
      const r = await result;
      assert.equal(r.errorCode, 'binding_failed');
      assert.equal(r.error, 'access_denied');
    });

    test('the QR expires after 30 seconds; a refresh shows a new one', async () => {
      const { pc, link, base, flow } = await pcFlow();
      const stale = link()!;
      clock += 31_000;
      assert.equal(link(), undefined, 'the page shows no code after 30 s');
      const late = await new HttpAgent(PHONE).request(stale);
      assert.equal(late.status, 410);
      assert.match(await late.text(), /data-code="qr_expired"/);
      assert.equal((await pc.request(`${base}/qr`, { json: {}, accept: 'application/json' })).status, 200);
      const refreshed = JSON.parse((await t.platform.state.get(`flow:${flow.id}`))!) as Flow;
      assert.notEqual(refreshed.qr!.id, flow.qr!.id);
      const qr = new QrCodes(await sharedSecret(t.platform.storage, 'qr-code'));
      const fresh = await new HttpAgent(PHONE).request(qr.link(t.url, refreshed, clock)!.url);
      assert.equal(fresh.status, 303, 'the refreshed code opens');
    });

    test('cancelling on the PC reaches the service as user_cancelled', async () => {
      const { pc, base, result } = await pcFlow();
      await pc.submit(`${base}/cancel`, {});
      assert.equal((await result).errorCode, 'user_cancelled');
    });

    test("the service's page belongs to the browser that started it", async () => {
      const { base } = await pcFlow();
      const stranger = await new HttpAgent().request(base);
      assert.equal(stranger.status, 404);
      assert.match(await stranger.text(), /data-code="interaction_not_found"/);
    });
  });
}
