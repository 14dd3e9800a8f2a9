import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty, type FlowResult } from '../../../e2e/support/relying-party.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

const digest = createHash('sha256').update('申請書の内容').digest('base64');
const document = { name: '申請書.pdf', title: '登録申請' };

/** The signing API, the admin API and key rotation, over HTTP, with test-mode relying parties. */
for (const backend of storageBackends()) {
  describe(`platform APIs on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let rp: DemoRelyingParty;
    let other: DemoRelyingParty;
    const admin = (path: string, init: RequestInit = {}, token = 'test-admin-token-0123456789') =>
      fetch(`${t.url}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
      });

    before(async () => {
      t = await startTestPlatform(backend);
      rp = await DemoRelyingParty.start(t.url, 'RP00000201');
      other = await DemoRelyingParty.start(t.url, 'RP00000202');
      await t.platform.clients.put(rp.registration({ testMode: true }));
      await t.platform.clients.put(other.registration({ testMode: true, scopes: ['openid', 'name'] }));
    });
    after(async () => {
      await rp?.close();
      await other?.close();
      await t?.close();
    });

    async function throughTestScreen(url: URL, outcome = 'normal', card = 'test-card-1') {
      const agent = new HttpAgent();
      const page = await agent.follow(url);
      const { url: landed } = await agent.submit(new URL(`${page.url.pathname}/test-response`, t.url), {
        card,
        outcome,
      });
      return landed;
    }

    test('a signing transaction needs an app token and a well-formed request', async () => {
      const anonymous = await fetch(`${t.url}/api/sign-transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ digest, document }),
      });
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /invalid_token/);
      const token = await rp.appToken();
      const bad = await rp.api('POST', '/api/sign-transactions', token, { digest: 'AAAA', document });
      assert.equal(bad.status, 400);
      assert.equal(((await bad.json()) as { error: string }).error, 'sign_request_invalid');
      const both = await rp.api('POST', '/api/sign-transactions', token, {
        digest,
        digest_info: digest,
        document,
      });
      assert.equal(both.status, 400);
      await assert.rejects(
        other.appToken(),
        (e: { error?: string }) => e.error === 'invalid_scope',
        'a client not registered for signing',
      );
    });

    test('signing through the test-response screen: transaction → authorization → JWE result', async () => {
      const id = await rp.createSignTransaction({ digest, document, hash_algorithm: 'SHA-256' });
      const status = await rp.api('GET', `/api/sign-transactions/${id}`, await rp.appToken());
      assert.equal(((await status.json()) as { status: string }).status, 'pending');
      const { url, result } = await rp.authorize({ scope: 'openid sign', signTransactionId: id });
      await throughTestScreen(url);
      const r = await result;
      assert.ok(r.ok, `${r.error} ${r.errorDescription}`);
      assert.equal(r.signResult!.status, 'completed');
      assert.equal(r.signResult!.sign_transaction_id, id);
      assert.equal((r.signResult!.verification as { test_response?: boolean }).test_response, true);
      const events = await rp.events(id);
      assert.deepEqual(
        events.events.map((e) => e.type),
        ['sign_transaction_created', 'started', 'test_response', 'completed', 'result_fetched'],
      );
      // the transaction is used up
      const again = await rp.authorize({ scope: 'openid sign', signTransactionId: id });
      const landed = (await new HttpAgent().follow(again.url, (u) => u.origin === rp.url)).url;
      assert.equal(landed.searchParams.get('error'), 'invalid_request');
      assert.equal(landed.searchParams.get('error_code'), 'sign_transaction_invalid');
    });

    test('a DPoP-bound access token fetches the result only with its proof', async () => {
      const id = await rp.createSignTransaction({ digest, document });
      const { url, result } = await rp.authorize({
        scope: 'openid sign',
        signTransactionId: id,
        dpop: true,
        par: true,
      });
      await throughTestScreen(url);
      const r = await result;
      assert.equal(r.signResult!.status, 'completed', 'the demo relying party sends the DPoP proof');
      const bare = await fetch(`${t.url}/api/sign-transactions/${id}/result`, {
        headers: { authorization: `Bearer ${r.accessToken}` },
      });
      assert.equal(bare.status, 401);
      assert.match(bare.headers.get('www-authenticate') ?? '', /^DPoP /);
    });

    test('a failed signing reads as failed with its outcome', async () => {
      const id = await rp.createSignTransaction({ digest, document });
      const { url, result } = await rp.authorize({ scope: 'openid sign', signTransactionId: id });
      await throughTestScreen(url, 'sign_password_locked');
      const r = await result;
      assert.equal(r.errorCode, 'sign_password_locked');
      assert.equal(r.txn, id);
      const status = (await (
        await rp.api('GET', `/api/sign-transactions/${id}`, await rp.appToken())
      ).json()) as Record<string, string>;
      assert.deepEqual(
        [status.status, status.error, status.error_code],
        ['failed', 'access_denied', 'sign_password_locked'],
      );
    });

    test("another service's transaction, or sign without one, is refused", async () => {
      await t.platform.clients.put(other.registration({ testMode: true }));
      const mine = await rp.createSignTransaction({ digest, document });
      const theirs = await other.authorize({ scope: 'openid sign', signTransactionId: mine });
      const landed = (await new HttpAgent().follow(theirs.url, (u) => u.origin === other.url)).url;
      assert.equal(landed.searchParams.get('error_code'), 'sign_transaction_invalid');
      const none = await rp.authorize({ scope: 'openid sign' });
      const landed2 = (await new HttpAgent().follow(none.url, (u) => u.origin === rp.url)).url;
      assert.equal(landed2.searchParams.get('error'), 'invalid_request');
    });

    test('rich authorization requests: the transaction is made from authorization_details', async () => {
      const { url, result } = await rp.authorize({
        scope: 'openid',
        authorizationDetails: [{ type: 'jpki_signature', digest, document }],
      });
      await throughTestScreen(url);
      const r = await result;
      assert.ok(r.ok, `${r.error} ${r.errorDescription}`);
      const [detail] = r.authorizationDetails as { type: string; sign_transaction_id: string }[];
      assert.equal(detail!.type, 'jpki_signature');
      assert.match(detail!.sign_transaction_id, /^[0-9a-f-]{36}$/);
      assert.equal(r.signResult!.status, 'completed');

      const bad = await rp.authorize({
        scope: 'openid',
        authorizationDetails: [{ type: 'jpki_signature', document }],
      });
      const landed = (await new HttpAgent().follow(bad.url, (u) => u.origin === rp.url)).url;
      assert.equal(landed.searchParams.get('error'), 'invalid_authorization_details');
    });

    test('the admin API manages clients behind its token', async () => {
      const wrong = await admin('/admin/clients', {}, 'wrong-token-wrong-token');
      assert.equal(wrong.status, 401);
      assert.equal(((await wrong.json()) as { error: string }).error, 'admin_unauthorized');
      assert.match(wrong.headers.get('www-authenticate') ?? '', /^Bearer realm="platform-admin"/);
      assert.equal((await fetch(`${t.url}/admin/clients`)).status, 401, 'no token at all');
      const created = await admin('/admin/clients', {
        method: 'POST',
        body: JSON.stringify({
          name: '管理APIのサービス',
          redirectUris: ['https://svc.example/cb'],
          jwksUri: 'https://svc.example/jwks',
        }),
      });
      assert.equal(created.status, 201);
      const c = (await created.json()) as { clientId: string; scopes: string[] };
      assert.match(c.clientId, /^RP\d{8}$/);
      assert.ok(c.scopes.includes('openid'));
      const invalid = await admin('/admin/clients', {
        method: 'POST',
        body: JSON.stringify({ name: 'x', redirectUris: [] }),
      });
      assert.equal(invalid.status, 400);
      assert.equal(((await invalid.json()) as { error: string }).error, 'client_invalid');
      assert.equal((await admin(`/admin/clients/${c.clientId}`, { method: 'DELETE' })).status, 204);
      const list = (await (await admin('/admin/clients')).json()) as {
        clients: { clientId: string; disabled: boolean }[];
      };
      assert.equal(list.clients.find((x) => x.clientId === c.clientId)?.disabled, true);
    });

    test('a key rotation publishes the new key and signs ID tokens with it', async () => {
      const published = async () =>
        ((await (await fetch(`${t.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
      const [oldKid] = await published();
      const rotated = await admin('/admin/keys/rotate', { method: 'POST' });
      const { kid } = (await rotated.json()) as { kid: string };
      assert.deepEqual(await published(), [kid, oldKid], 'the new key first, the old one still published');
      const afterwards = await rp.authorize();
      await throughTestScreen(afterwards.url);
      assert.equal(decodeProtectedHeader(await idTokenOf(afterwards.result)).kid, kid);
    });
  });
}

/** The raw ID token the relying party received. */
async function idTokenOf(result: Promise<FlowResult>): Promise<string> {
  const r = await result;
  assert.ok(r.rawIdToken, 'the relying party keeps the raw ID token');
  decodeJwt(r.rawIdToken);
  return r.rawIdToken;
}
