import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpServer, type Kysely, listen, openMigratedStorage, type Storage } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { HttpAgent } from '../../../../e2e/support/http-agent.ts';
import { startTestPlatform, type TestPlatform } from '../../../platform/test/support.ts';
import {
  basicInfoFromClaims,
  RelyingParty,
  type RelyingPartyDB,
  RelyingPartyError,
  RelyingPartyKeys,
  relyingPartyMigrations,
  sha256,
} from '../../src/relying-party/index.ts';

/**
 * The RP client against the real identity platform, answered through its
 * test-response screen (the sandbox of the real service): the whole protocol
 * runs — discovery, PKCE, private_key_jwt, ID token, userinfo, signing API, JWE.
 */
for (const backend of storageBackends()) {
  describe(`relying party against the platform (${backend.name})`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let storage: Storage<unknown>;
    let cleanup: () => Promise<void>;
    let app: FastifyInstance;
    let rp: RelyingParty;
    let redirectUri: string;

    before(async () => {
      t = await startTestPlatform(backend);
      const iso = isolatedStorage(backend, 'rptest');
      cleanup = iso.cleanup;
      storage = await openMigratedStorage(iso.options, relyingPartyMigrations);
      const keys = await RelyingPartyKeys.load(storage.db as unknown as Kysely<RelyingPartyDB>);
      app = createHttpServer({ name: 'rp' });
      keys.route(app);
      const url = await listen(app, 0);
      redirectUri = `${url}/auth/callback`;
      await t.platform.clients.put({
        clientId: 'RP00000301',
        name: 'テストサービス',
        redirectUris: [redirectUri],
        jwksUri: `${url}/.well-known/jwks.json`,
        scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'],
        certifiedVerifier: false,
        testMode: true,
      });
      rp = new RelyingParty({ issuer: t.url, clientId: 'RP00000301', redirectUri, storage, keys });
    });
    after(async () => {
      await app?.close();
      await storage?.close();
      await cleanup?.();
      await t?.close();
    });

    /** Sends a browser through the platform's test-response screen; returns the callback URL it reached. */
    async function answer(start: URL, response: { card?: string; outcome?: string } = {}): Promise<URL> {
      const agent = new HttpAgent();
      const atCallback = (u: URL) => u.href.startsWith(redirectUri);
      const page = await agent.follow(start, atCallback);
      const done = await agent.submit(
        new URL(`${page.url.pathname}/test-response`, t.url),
        { card: response.card ?? 'test-card-1', outcome: response.outcome ?? 'normal' },
        atCallback,
      );
      assert.ok(atCallback(done.url), `ended at ${done.url}`);
      return done.url;
    }

    test('a login brings back the pairwise subject and the 4 items; the callback works once, in its session', async () => {
      const start = await rp.authorize({
        purpose: 'test.login',
        sessionId: 'session-1',
        scope: ['openid', 'name', 'address', 'birthdate', 'gender'],
        acrValues: ['aal3'],
        context: { step: 1 },
        uiLocale: 'ja',
      });
      for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(start.searchParams.get(p), p);
      assert.equal(start.searchParams.get('code_challenge_method'), 'S256');
      const callback = await answer(start);

      const elsewhere = await rp.callback(callback, 'another-session');
      assert.equal(elsewhere.kind, 'unknown', 'a callback opened in another browser session is not taken up');
      assert.equal(elsewhere.kind === 'unknown' && elsewhere.error.outcome, 'state_invalid');
      const r = await rp.callback(callback, 'session-1');
      assert.equal(r.kind, 'success');
      if (r.kind !== 'success') return;
      assert.deepEqual(r.context, { step: 1 });
      assert.equal(r.claims.acr, 'aal3');
      const info = basicInfoFromClaims(await rp.userInfo(r.accessToken, r.sub));
      assert.deepEqual(info, {
        name: '試験　太郎',
        address: '東京都千代田区霞が関二丁目１番２号',
        birthDate: '1985-04-01',
        sex: '1',
      });
      assert.equal((await rp.callback(callback, 'session-1')).kind, 'replayed', 'a reload of the callback');

      const again = await rp.callback(
        await answer(await rp.authorize({ purpose: 'test.login', sessionId: 's2', scope: ['openid'] })),
        's2',
      );
      assert.equal(again.kind === 'success' && again.sub, r.sub, 'the same card, the same subject');
    });

    for (const [outcome, expectText] of [
      ['auth_pin_locked', /3回続けて間違えた/],
      ['certificate_expired', /有効期限が切れている/],
      ['certificate_revoked', /失効しているため/],
      ['user_cancelled', /中止されました/],
    ] as const) {
      test(`the outcome ${outcome} arrives typed, with words for the citizen`, async () => {
        const start = await rp.authorize({ purpose: 'test.login', sessionId: 's3', scope: ['openid'] });
        const r = await rp.callback(await answer(start, { outcome }), 's3');
        assert.equal(r.kind, 'failure');
        if (r.kind !== 'failure') return;
        assert.equal(r.error.outcome, outcome);
        assert.match(r.error.text.ja, expectText);
      });
    }

    test('signing: a transaction for a digest, the authorization, and the result decrypted from JWE', async () => {
      const digest = sha256('申請書');
      const id = await rp.createSignTransaction({ digest, name: 'テスト文書', summary: 'テスト' });
      assert.match(id, /^[0-9a-f-]{36}$/);
      const start = await rp.authorize({
        purpose: 'test.sign',
        sessionId: 's4',
        scope: ['openid', 'sign'],
        signTransactionId: id,
      });
      assert.equal(start.searchParams.get('sign_transaction_id'), id);
      const r = await rp.callback(await answer(start), 's4');
      assert.equal(r.kind, 'success');
      if (r.kind !== 'success') return;
      assert.equal(r.signTransactionId, id);
      const result = await rp.signResult(id, r.accessToken, { digest, acceptTestResponse: true });
      // the sandbox marks its answer: no card signed it
      assert.equal(result.valid, false);
      assert.equal(result.verification.test_response, true);
      assert.equal(result.testResponse, true);
      assert.equal(result.certificate, undefined, 'a service provider never receives the certificate');
    });

    test('a signing result counts only for the document asked, and only when verified (or a sandbox service takes the test answer)', async () => {
      const digest = sha256('申請書（署名するもの）');
      // the platform hands a result over once: each check signs anew
      let n = 0;
      const signed = async () => {
        const sessionId = `s6-${++n}`;
        const id = await rp.createSignTransaction({ digest, name: 'テスト文書' });
        const start = await rp.authorize({
          purpose: 'test.sign',
          sessionId,
          scope: ['openid', 'sign'],
          signTransactionId: id,
        });
        const r = await rp.callback(await answer(start), sessionId);
        assert.equal(r.kind, 'success');
        return { id, accessToken: r.kind === 'success' ? r.accessToken : '' };
      };
      const refused = async (expected: Parameters<RelyingParty['signResult']>[2], detail: RegExp) => {
        const { id, accessToken } = await signed();
        await assert.rejects(rp.signResult(id, accessToken, expected), (e: unknown) => {
          assert.ok(e instanceof RelyingPartyError);
          assert.equal(e.outcome, 'signature_invalid');
          assert.match(e.message, detail);
          assert.match(e.text.ja, /電子署名を確認できませんでした/);
          return true;
        });
      };
      // the service keeps another digest than the platform had signed: no evidence of that document
      await refused({ digest: sha256('申請書（別のもの）'), acceptTestResponse: true }, /another document/);
      // the sandbox's unverified answer, at a service that is not in test mode
      await refused({ digest }, /not in test mode/);
      await refused({ digest, acceptTestResponse: false }, /not in test mode/);
      const { id, accessToken } = await signed();
      const taken = await rp.signResult(id, accessToken, { digest, acceptTestResponse: true });
      assert.equal(taken.testResponse, true);
      await assert.rejects(
        rp.signResult(id, accessToken, { digest, acceptTestResponse: true }),
        'fetched once: the platform keeps no copy',
      );
    });

    test('a card without a signature certificate ends the signing with its outcome', async () => {
      const id = await rp.createSignTransaction({ digest: sha256('x'), name: 'テスト文書' });
      const start = await rp.authorize({
        purpose: 'test.sign',
        sessionId: 's5',
        scope: ['openid', 'sign'],
        signTransactionId: id,
      });
      const r = await rp.callback(await answer(start, { card: 'test-card-3' }), 's5');
      assert.equal(r.kind, 'failure');
      assert.equal(r.kind === 'failure' && r.error.outcome, 'no_signature_certificate');
    });
  });
}
