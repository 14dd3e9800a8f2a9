import assert from 'node:assert/strict';
import { type KeyObject, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { SoftAuthenticator } from '../../../e2e/support/soft-authenticator.ts';
import { EventReader } from '../../../e2e/support/sse.ts';
import type { Flow } from '../src/flows/flow.ts';
import { startJlis } from './jlis-world.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Mobile Safari/537.36';
const b64 = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64');

/**
 * Outcomes that depend on the clock, on a platform whose clock the test moves
 * (J-LIS in the same process; the phone signs with the card's key directly):
 * a flow whose time runs out ends as flow_expired for the phone, the PC and
 * the service; a QR opened in time keeps working after the QR itself expired.
 */
for (const backend of storageBackends()) {
  describe(`flows against the clock on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let rp: DemoRelyingParty;
    let j: Awaited<ReturnType<typeof startJlis>>;
    // the platform runs on real time moved ahead by what the test says has passed
    let skew = 0;
    const flowTtlMs = 600_000;

    before(async () => {
      j = await startJlis(backend);
      const { apiKey } = await j.jlis.verifiers.add('platform under test');
      t = await startTestPlatform(backend, {
        now: () => Date.now() + skew,
        flowTtlMs,
        verification: { jlisUrl: j.url, jlisApiKey: apiKey, cvRoot: { cardHostUrl: 'http://127.0.0.1:9' } },
      });
      rp = await DemoRelyingParty.start(t.url, 'RP00000321');
      await t.platform.clients.put(rp.registration());
    });
    after(async () => {
      await rp?.close();
      await t?.close();
      await j?.close();
    });

    /** The citizen's phone: the app's API with a passkey, and a card whose key signs directly. */
    function phone(card: { auth: { der: Uint8Array }; authKey: KeyObject }) {
      const agent = new HttpAgent(PHONE);
      const authenticator = new SoftAuthenticator(new URL(t.url).origin);
      const api = async <T>(path: string, body?: unknown): Promise<T> => {
        const res = await agent.request(`${t.url}${path}`, {
          ...(body === undefined ? {} : { json: body }),
          accept: 'application/json',
        });
        const data = (await res.json()) as T & { error?: string };
        if (!res.ok) throw Object.assign(new Error(`${path}: ${data.error}`), { code: data.error });
        return data;
      };
      const signed = (challenge: string) => ({
        challenge,
        signature: b64(sign('sha256', Buffer.from(challenge, 'base64'), card.authKey)),
        certificate: b64(card.auth.der),
      });
      return {
        agent,
        api,
        async register() {
          const { draft, options } = await api<{ draft: string; options: never }>(
            '/app/api/registration/options',
            { terms: true, privacy: true },
          );
          await api('/app/api/registration', { draft, response: authenticator.register(options) });
          const { challenge } = await api<{ challenge: string }>('/app/api/registration/challenge', {});
          await api('/app/api/registration/card', signed(challenge));
        },
        async unlock(flowId: string) {
          const options = await api<never>(`/app/api/flows/${flowId}/unlock/options`, {});
          return api<{ bindingNumber?: string }>(`/app/api/flows/${flowId}/unlock`, {
            response: authenticator.authenticate(options),
          });
        },
        async readCard(flowId: string) {
          const { challenge } = await api<{ challenge: string }>(`/app/api/flows/${flowId}/challenge`, {});
          return api<{ stage: string; verified: boolean }>(
            `/app/api/flows/${flowId}/card`,
            signed(challenge),
          );
        },
      };
    }

    /** The PC's browser on the service's page, following the flow; the QR link it shows. */
    async function onPc() {
      const pc = new HttpAgent();
      const { url, result } = await rp.authorize({ scope: 'openid' });
      const page = await pc.follow(url);
      const base = page.url.href;
      const events = new EventReader(await pc.request(`${base}/events`, { accept: 'text/event-stream' }));
      const qr = await events.next('qr');
      const uid = page.url.pathname.split('/')[2]!;
      const flowId = (await t.platform.state.get(`flow-of:${uid}`))!;
      return { pc, base, events, link: String(qr.link), result, flowId };
    }

    test('a QR opened in time: the flow goes on after the QR expired, to the login', async () => {
      const card = await j.card();
      const citizen = phone(card);
      await citizen.register();
      const p = await onPc();
      const opened = await citizen.agent.request(p.link);
      assert.equal(opened.status, 303, 'opened within the 30 seconds');
      const flowId = opened.headers.get('location')!.split('/').pop()!;
      assert.equal(flowId, p.flowId);

      skew += 45_000; // the QR is long gone; the flow (10 minutes) is not
      const late = await new HttpAgent(PHONE).request(p.link);
      assert.equal(late.status, 409, 'the QR itself is spent');
      const { bindingNumber } = await citizen.unlock(flowId);
      assert.match(bindingNumber ?? '', /^\d{6}$/);
      const typed = await p.pc.request(`${p.base}/binding`, {
        json: { number: bindingNumber },
        accept: 'application/json',
      });
      assert.equal(typed.status, 200);
      await p.events.next('flow', (e) => e.stage === 'in_app');
      skew += 60_000;
      assert.equal((await citizen.readCard(flowId)).verified, true);
      await citizen.api(`/app/api/flows/${flowId}/consent`, { allow: true, items: [] });
      await p.events.next('flow', (e) => e.stage === 'done');
      await p.events.close();
      await p.pc.submit(`${p.base}/finish`, {});
      const r = await p.result;
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.ok(r.idToken?.sub);
    });

    test('the flow’s time runs out: flow_expired for the phone, the PC and the service', async () => {
      const card = await j.card();
      const citizen = phone(card);
      await citizen.register();
      const p = await onPc();
      const flowId = (await citizen.agent.request(p.link)).headers.get('location')!.split('/').pop()!;
      const { bindingNumber } = await citizen.unlock(flowId);
      await p.pc.request(`${p.base}/binding`, {
        json: { number: bindingNumber },
        accept: 'application/json',
      });
      await p.events.next('flow', (e) => e.stage === 'in_app');

      skew += flowTtlMs + 1;
      await assert.rejects(citizen.readCard(flowId), { code: 'flow_expired' });
      const view = await citizen.api<{ stage: string; outcome?: { code: string } }>(
        `/app/api/flows/${flowId}`,
      );
      assert.deepEqual([view.stage, view.outcome?.code], ['failed', 'flow_expired']);
      const shown = await p.events.next('flow', (e) => e.stage === 'failed');
      assert.equal((shown.outcome as { code: string }).code, 'flow_expired', 'the PC page says why');
      await p.events.close();
      await p.pc.submit(`${p.base}/finish`, {});
      const r = await p.result;
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'flow_expired');
      const stored = JSON.parse((await t.platform.state.get(`flow:${flowId}`))!) as Flow;
      assert.notEqual(stored.stage, 'done');
    });
  });
}
