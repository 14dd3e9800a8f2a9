import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VirtualCard } from '@honnin/card';
import { apIssuers, generateApIssuerKeys } from '@honnin/card/issuing/ap-issuers';
import { libraryCertifier } from '@honnin/card/issuing/certification';
import { issueCard } from '@honnin/card/issuing/issue-card';
import { MemoryTransport } from '@honnin/card/transports/memory';
import { openJlis } from '@honnin/jlis';
import { jlisConfig, jlisOptions } from '@honnin/jlis/config';
import { type Kysely, listen } from '@honnin/runtime';
import { mailTo } from '../../../../e2e/dips/pages.ts';
import { registerDips } from '../../../../e2e/dips/system.ts';
import { type CardSession, CitizenPhone } from '../../../../e2e/support/citizen.ts';
import { tapSession } from '../../../../e2e/support/honnin.ts';
import { HttpAgent } from '../../../../e2e/support/http-agent.ts';
import { freePort } from '../../../../e2e/support/ports.ts';
import { EventReader } from '../../../../e2e/support/sse.ts';
import { startTestSystem, type TestSystem } from '../../../../e2e/support/system.ts';
import { createDipsService, type DipsService } from '../../src/dips/service.ts';
import type { DipsDB } from '../../src/dips/store/schema.ts';
import { OUTCOMES } from '../../src/relying-party/outcomes.ts';
import { hidden } from '../web/client.ts';
import { dipsStorage } from './support.ts';

const YEAR = 365 * 24 * 3600_000;
const HOLDER = {
  name: '期限　切子',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '2' as const,
  municipalityCode: '131016',
};

/**
 * A card whose certificates really expired: J-LIS (the running part's own CA
 * and records) issued it seven years ago, so its signature certificate ended
 * at the holder's fifth birthday after that. The whole system runs — J-LIS,
 * the card host, the identity platform, DIPS — and the citizen's phone signs
 * with it: DIPS explains, in Japanese or English, and records no signature.
 */
describe('DIPS with a really expired certificate', () => {
  let system: TestSystem;
  let store: Awaited<ReturnType<typeof dipsStorage>>;
  let dips: DipsService;
  let dipsUrl: string;
  let phone: CitizenPhone;
  let expired: CardSession;

  before(async () => {
    system = await startTestSystem({ parts: ['mailbox', 'jlis', 'cards', 'platform'] });
    const port = await freePort();
    dipsUrl = `http://localhost:${port}`;
    store = await dipsStorage({ name: 'sqlite' }, 'dipsexpired');
    dips = await createDipsService({
      storage: store.options,
      publicUrl: dipsUrl,
      issuer: system.urls.platform!,
      clientId: 'RP00000001',
      smtpUrl: system.system.parts.find((p) => p.name === 'mailbox')!.urls.smtp!,
      mailFrom: 'DIPS <noreply@dips.test>',
      staffPassword: 'staff-password',
      outboxIntervalMs: 200,
    });
    await listen(dips.app, port, '127.0.0.1');
    await registerDips(system, dipsUrl, { testMode: false });

    // the running J-LIS's records and CAs, on a clock seven years back: the issue of long ago
    const issuedAt = new Date(Date.now() - 7 * YEAR);
    const past = await openJlis({
      ...jlisOptions({ dataDir: system.dataDir }, jlisConfig.parse({})),
      now: () => issuedAt,
    });
    try {
      const issued = await issueCard(
        { holder: HOLDER, authPin: '2468', signPassword: 'OLDCARD1' },
        {
          certifier: libraryCertifier(past),
          issuers: apIssuers(await generateApIssuerKeys()),
          now: () => issuedAt,
        },
      );
      const card = new VirtualCard({
        token: issued.image.token,
        applets: issued.image.applets,
        pins: issued.image.pins,
        keys: issued.keys,
      });
      expired = {
        authPin: '2468',
        signPassword: 'OLDCARD1',
        transport: async () => new MemoryTransport(card),
      };
    } finally {
      await past.close();
    }
    // the phone's app was set up with a valid card; the old one is held to it for the signature
    phone = new CitizenPhone(system.urls.platform!);
    await phone.register(await tapSession(system, 'デモ1'));
  });
  after(async () => {
    await dips?.close();
    await store?.close();
    await system?.close();
  });

  test('the signature is refused with the expiry explained; nothing is recorded', async () => {
    const pc = new HttpAgent();
    const page = async (path: string | URL) => {
      const { url, res } = await pc.follow(new URL(path, dipsUrl));
      return { url, status: res.status, text: await res.text() };
    };
    const post = async (path: string, form: Record<string, string>) => {
      const { url, res } = await pc.submit(new URL(path, dipsUrl), form);
      return { url, text: await res.text() };
    };

    const email = 'expired-card@example.jp';
    let p = await page('/signup');
    p = (await post('/signup', {
      _csrf: hidden(p.text, '_csrf'),
      signup_key: hidden(p.text, 'signup_key'),
      name: '期限 切子',
      reading: 'キゲン キリコ',
      postcode: '100-0001',
      address: '東京都千代田区千代田1-1',
      birthDate: '1980-02-17',
      phone: '03-1234-5678',
      email,
      password: 'drone2026',
      password2: 'drone2026',
    })) as typeof p;
    p = (await post('/applications', { _csrf: hidden(p.text, '_csrf') })) as typeof p;
    const base = p.url.pathname.replace(/\/[a-z]+$/, '');
    const id = base.split('/')[2]!;
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
      serial: 'SN-EXP',
      remoteIdType: 'none',
      altered: 'no',
    });
    await post(`${base}/user`, { _csrf: csrf, same: 'same' });
    const since = Date.now();
    await post(`${base}/submit`, { _csrf: csrf });
    const mail = await mailTo(system.urls.mailbox!, email, /到達確認/, since);
    await new HttpAgent().follow(new URL(/https?:\/\/\S+\/mail-check\/\S+/.exec(mail)![0]));
    await post(`${base}/verify/precautions`, { _csrf: csrf });

    // ②: the PC goes to the platform, the phone reads the QR, unlocks and holds the expired card
    const { url } = await pc.submit(new URL(`${base}/verify/sign`, dipsUrl), { _csrf: csrf });
    const interaction = url.href;
    const events = new EventReader(
      await pc.request(`${interaction}/events`, { accept: 'text/event-stream' }),
    );
    const flowId = await phone.openQr(String((await events.next('qr')).link));
    const unlocked = await phone.unlock(flowId);
    await pc.request(`${interaction}/binding`, {
      json: { number: unlocked.bindingNumber },
      accept: 'application/json',
    });
    await events.next('flow', (e) => e.stage === 'in_app');
    await phone.consent(flowId);
    const read = await phone.readForSignature(flowId, expired).catch((e: { code?: string }) => e);
    assert.equal(
      'view' in read ? read.view?.outcome?.code : (read as { code?: string }).code,
      'certificate_expired',
      'the platform found the certificate expired',
    );
    await events.next('flow', (e) => e.stage === 'done' || e.stage === 'failed');
    await events.close();
    const atCallback = (u: URL) => u.href.startsWith(`${dipsUrl}/auth/callback`);
    const back = await pc.submit(`${interaction}/finish`, {}, atCallback);
    assert.ok(atCallback(back.url), `back at DIPS (${back.url})`);

    // the citizen is told why, in Japanese — and in English on asking
    const shown = await page(back.url);
    assert.match(shown.text, /電子証明書の有効期限が切れているため、手続きを進めることができません/);
    assert.match(shown.text, /更新手続き/);
    assert.match(shown.url.pathname, new RegExp(`${base}/verify$`));
    assert.match(OUTCOMES.certificate_expired.text.en, /certificate on your My Number Card has expired/);

    // nothing of the card is recorded: no signature, the account and owner as typed
    const db = store.db as Kysely<DipsDB>;
    const app = await db.selectFrom('application').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(app.signed_at, null);
    assert.equal(app.signed_digest, null);
    assert.equal(app.signed_sub, null);
    assert.equal(app.card_info, null);
    assert.equal(app.status, 'verifying');
    assert.match(app.owner ?? '', /期限 切子/);
    const account = await db
      .selectFrom('account')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirstOrThrow();
    assert.equal(account.identity_verified_at, null);
    assert.equal(account.platform_sub, null);
    assert.equal(account.sex, null);
    const evidence = await db
      .selectFrom('evidence')
      .selectAll()
      .where('application_id', '=', id)
      .where('step', '=', 'signature')
      .execute();
    assert.deepEqual(
      evidence.map((e) => [e.result, e.certificate_serial, e.document_digest]),
      [['certificate_expired', null, null]],
      'only the failure, with no certificate or signed document',
    );
  });
});
