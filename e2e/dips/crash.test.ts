import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import type { DipsDB } from '../../packages/services/src/dips/store/schema.ts';
import { DipsProcess } from '../../packages/services/test/dips/child.ts';
import { dipsStorage } from '../../packages/services/test/dips/support.ts';
import { hidden } from '../../packages/services/test/web/client.ts';
import { type CardSession, CitizenPhone } from '../support/citizen.ts';
import { tapSession } from '../support/honnin.ts';
import { HttpAgent } from '../support/http-agent.ts';
import { freePort } from '../support/ports.ts';
import { EventReader } from '../support/sse.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';
import { mailTo } from './pages.ts';
import { registerDips } from './system.ts';

/**
 * Crash safety of the identity verification: DIPS runs as a child process and
 * is killed (SIGKILL) while it takes up the platform's redirect back — after a
 * signature and after the user authentication — then started again. The
 * citizen reloads; nothing acknowledged is lost, the application completes
 * once, and its evidence is not doubled.
 */
describe('dips killed while it takes up the platform’s answers', () => {
  const backend = storageBackends()[0]!;
  let system: TestSystem;
  let store: Awaited<ReturnType<typeof dipsStorage>>;
  let db: Kysely<DipsDB>;
  let phone: CitizenPhone;
  let card: CardSession;
  const child = new DipsProcess();
  let port: number;
  let dipsUrl: string;
  let start: () => Promise<string>;

  before(async () => {
    system = await startTestSystem({ parts: ['mailbox', 'jlis', 'cards', 'platform'] });
    port = await freePort();
    dipsUrl = `http://localhost:${port}`;
    store = await dipsStorage(backend, 'dipskill');
    db = store.db;
    const smtpUrl = system.system.parts.find((p) => p.name === 'mailbox')!.urls.smtp!;
    start = () =>
      child.start({
        storage: store.options,
        port,
        smtpUrl,
        issuer: system.urls.platform!,
        publicUrl: dipsUrl,
      });
    await start();
    await registerDips(system, dipsUrl, { testMode: false });
    card = await tapSession(system, 'デモ1');
    phone = new CitizenPhone(system.urls.platform!);
    await phone.register(card);
  });
  after(async () => {
    await child.kill();
    await store?.close();
    await system?.close();
  });

  test('killed in the callback after ② and after ④: it completes once, with one record of each', async () => {
    const pc = new HttpAgent();
    const page = async (path: string) => {
      const { url, res } = await pc.follow(new URL(path, dipsUrl));
      return { url, text: await res.text() };
    };
    const post = async (path: string, form: Record<string, string>) => {
      const { url, res } = await pc.submit(new URL(path, dipsUrl), form);
      return { url, text: await res.text() };
    };

    let p = await page('/signup');
    p = await post('/signup', {
      _csrf: hidden(p.text, '_csrf'),
      signup_key: hidden(p.text, 'signup_key'),
      name: '黒桐　幹也',
      reading: 'コクトウ ミキヤ',
      postcode: '100-0001',
      address: '東京都千代田区千代田1-1',
      birthDate: '1980-02-17',
      phone: '03-1234-5678',
      email: 'crash@example.jp',
      password: 'drone2026',
      password2: 'drone2026',
    });
    p = await post('/applications', { _csrf: hidden(p.text, '_csrf') });
    const base = p.url.pathname.replace(/\/[a-z]+$/, '');
    const csrf = hidden(p.text, '_csrf');
    await post(`${base}/method`, { _csrf: csrf, method: 'mynumber_card' });
    p = await page(`${base}/aircraft`);
    await post(`${base}/aircraft`, {
      _csrf: csrf,
      form_key: hidden(p.text, 'form_key'),
      manufacturingType: 'maker',
      maker: 'DIPS',
      model: 'S10001',
      category: 'rotorcraft_multicopter',
      serial: 'SN-9',
      remoteIdType: 'none',
      altered: 'no',
    });
    await post(`${base}/user`, { _csrf: csrf, same: 'same' });
    const since = Date.now();
    await post(`${base}/submit`, { _csrf: csrf });
    const mail = await mailTo(system.urls.mailbox!, 'crash@example.jp', /到達確認/, since);
    await new HttpAgent().follow(new URL(/https?:\/\/\S+\/mail-check\/\S+/.exec(mail)![0]));
    await post(`${base}/verify/precautions`, { _csrf: csrf });

    const stage = async () =>
      await db
        .selectFrom('application')
        .select(['stage', 'status'])
        .where('id', '=', base.split('/')[2]!)
        .executeTakeFirstOrThrow();

    /** OK on the current step, the phone does its part; returns the callback URL the PC is sent to. */
    async function throughPlatform(action: 'sign' | 'auth'): Promise<URL> {
      const atCallback = (u: URL) => u.href.startsWith(`${dipsUrl}/auth/callback`);
      const { url } = await pc.submit(new URL(`${base}/verify/${action}`, dipsUrl), { _csrf: csrf });
      const interaction = url.href;
      const events = new EventReader(
        await pc.request(`${interaction}/events`, { accept: 'text/event-stream' }),
      );
      const qr = await events.next('qr');
      const flowId = await phone.openQr(String(qr.link));
      const unlocked = await phone.unlock(flowId);
      await pc.request(`${interaction}/binding`, {
        json: { number: unlocked.bindingNumber },
        accept: 'application/json',
      });
      await events.next('flow', (e) => e.stage === 'in_app');
      if (action === 'sign') {
        await phone.consent(flowId);
        assert.equal((await phone.readForSignature(flowId, card)).view?.stage, 'done');
      } else {
        assert.ok((await phone.readForLogin(flowId, card)).view);
        await phone.consent(flowId);
      }
      await events.next('flow', (e) => e.stage === 'done');
      await events.close();
      const done = await pc.submit(`${interaction}/finish`, {}, atCallback);
      assert.ok(atCallback(done.url));
      return done.url;
    }

    /** The callback killed `ms` into its request; the service restarted; the citizen reloads it. */
    async function killedCallback(callback: URL, ms: number) {
      const inFlight = pc.request(callback).catch(() => undefined);
      await new Promise((r) => setTimeout(r, ms));
      await child.kill();
      await inFlight;
      await start();
      return page(callback.pathname + callback.search);
    }

    // ② the callback fetches the signing result and records the signature: killed at several moments
    for (const ms of [0, 30, 120]) {
      if ((await stage()).stage !== 'sign') break;
      const reloaded = await killedCallback(await throughPlatform('sign'), ms);
      assert.match(reloaded.url.pathname, /\/verify$/);
    }
    while ((await stage()).stage === 'sign')
      await page((await throughPlatform('sign')).href.replace(dipsUrl, ''));
    assert.equal((await stage()).stage, 'user_auth');

    // ④ the callback completes the application: killed at several moments
    for (const ms of [0, 30, 120]) {
      if ((await stage()).status !== 'verifying') break;
      const reloaded = await killedCallback(await throughPlatform('auth'), ms);
      assert.match(reloaded.url.pathname, /\/(verify|complete)$/, 'the reload shows where it stands');
    }
    while ((await stage()).status === 'verifying') {
      await page((await throughPlatform('auth')).href.replace(dipsUrl, ''));
    }
    const done = await page(`${base}/complete`);
    assert.match(done.text, /新規登録の手続きが完了しました。/);

    const evidence = await db.selectFrom('evidence').select(['step', 'result']).execute();
    assert.equal(
      evidence.filter((e) => e.step === 'user_auth' && e.result === 'ok').length,
      1,
      'completed once',
    );
    assert.equal(evidence.filter((e) => e.step === 'mail_check').length, 1);
    const ok = evidence.filter((e) => e.step === 'signature' && e.result === 'ok').length;
    assert.ok(ok >= 1, 'at least one recorded signature');
    assert.equal((await db.selectFrom('application').select('id').execute()).length, 1);
    assert.equal((await stage()).status, 'received');
  });
});
