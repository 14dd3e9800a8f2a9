import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty, type FlowResult } from '../../../e2e/support/relying-party.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

/**
 * The relying-party side of the platform over real HTTP with a relying party
 * built on openid-client, answered through the test-response screen (sandbox
 * parity), so no card is needed: parity rules, claims, pairwise subs, error
 * outcomes, PAR, DPoP, replay.
 */
for (const backend of storageBackends()) {
  describe(`OIDC on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let rp: DemoRelyingParty;
    let other: DemoRelyingParty;

    before(async () => {
      t = await startTestPlatform(backend);
      rp = await DemoRelyingParty.start(t.url, 'RP00000101');
      other = await DemoRelyingParty.start(t.url, 'RP00000102');
      await t.platform.clients.put(rp.registration({ testMode: true }));
      await t.platform.clients.put(other.registration({ testMode: true, name: '別のサービス' }));
    });
    after(async () => {
      await rp?.close();
      await other?.close();
      await t?.close();
    });

    /** Walks the browser through the test-response screen; returns what the RP's callback got. */
    async function testResponse(
      party: DemoRelyingParty,
      opts: Parameters<DemoRelyingParty['authorize']>[0] = {},
      answer: { card?: string; outcome?: string } = {},
    ): Promise<FlowResult> {
      const agent = new HttpAgent();
      const { url, result } = await party.authorize(opts);
      const page = await agent.follow(url);
      assert.match(page.url.pathname, /^\/interaction\//);
      const html = await page.res.text();
      assert.match(html, /テスト応答/);
      // the redirects end at the service's callback, which exchanges the code
      await agent.submit(new URL(`${page.url.pathname}/test-response`, t.url), {
        card: answer.card ?? 'test-card-1',
        outcome: answer.outcome ?? 'normal',
      });
      return result;
    }

    test('discovery states the parity rules and the extras', async () => {
      const res = await fetch(`${t.url}/.well-known/openid-configuration`);
      const d = (await res.json()) as Record<string, unknown>;
      assert.equal(d.issuer, t.url);
      assert.deepEqual(d.response_types_supported, ['code']);
      assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(d.token_endpoint_auth_methods_supported, ['private_key_jwt']);
      assert.deepEqual(d.id_token_signing_alg_values_supported, ['ES256']);
      assert.deepEqual(d.subject_types_supported, ['pairwise']);
      assert.deepEqual(d.acr_values_supported, ['aal3', 'crl']);
      for (const s of ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'])
        assert.ok((d.scopes_supported as string[]).includes(s), s);
      assert.ok(d.pushed_authorization_request_endpoint);
      assert.ok((d.dpop_signing_alg_values_supported as string[]).includes('ES256'));
      assert.deepEqual(d.authorization_details_types_supported, ['jpki_signature']);
      const jwks = (await (await fetch(d.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
      assert.equal(jwks.keys[0]!.kty, 'EC');
      assert.ok(
        jwks.keys.every((k) => !('d' in k)),
        'no private parts published',
      );
    });

    test('a login returns the 4 items in the documented formats and a pairwise sub', async () => {
      const r = await testResponse(rp);
      assert.ok(r.ok, `${r.error}: ${r.errorDescription}`);
      assert.deepEqual(
        {
          name: r.userinfo!.name,
          address: r.userinfo!.address,
          birthdate: r.userinfo!.birthdate,
          gender: r.userinfo!.gender,
        },
        {
          name: '試験　太郎',
          address: { formatted: '東京都千代田区霞が関二丁目１番２号' },
          birthdate: '1985-04-01',
          gender: 'male',
        },
      );
      assert.equal(r.idToken!.name, undefined, 'items travel in userinfo, not the ID token');
      assert.equal(typeof r.userinfo!.txn, 'string');

      const again = await testResponse(rp);
      assert.equal(again.idToken!.sub, r.idToken!.sub, 'the same person gets the same sub');
      const elsewhere = await testResponse(other);
      assert.notEqual(elsewhere.idToken!.sub, r.idToken!.sub, 'another service gets another sub');
      const someoneElse = await testResponse(rp, {}, { card: 'test-card-2' });
      assert.notEqual(someoneElse.idToken!.sub, r.idToken!.sub);
      assert.equal(someoneElse.userinfo!.gender, 'female');
    });

    test("the pages speak the relying party's ui_locales unless the citizen chose", async () => {
      const agent = new HttpAgent();
      const { url } = await rp.authorize({ uiLocales: 'en-US ja' });
      const page = await agent.follow(url);
      assert.match(await page.res.text(), /<html lang="en">[\s\S]*Test response/);
      const chosen = await agent.request(`${page.url.href}?lang=ja`);
      assert.match(await chosen.text(), /<html lang="ja">[\s\S]*テスト応答/);
    });

    test('acr_values=aal3 comes back as the acr claim', async () => {
      const r = await testResponse(rp, { acrValues: 'aal3' });
      assert.equal(r.idToken!.acr, 'aal3');
    });

    test('only the scopes asked for are released', async () => {
      const r = await testResponse(rp, { scope: 'openid birthdate' });
      assert.ok(r.ok);
      assert.equal(r.userinfo!.birthdate, '1985-04-01');
      assert.equal(r.userinfo!.name, undefined);
      assert.equal(r.userinfo!.address, undefined);
    });

    test('an error outcome reaches the service as error, error_code and txn, with an event log', async () => {
      const r = await testResponse(rp, {}, { outcome: 'auth_pin_locked' });
      assert.equal(r.ok, false);
      assert.equal(r.error, 'access_denied');
      assert.equal(r.errorCode, 'auth_pin_locked');
      assert.match(r.errorDescription ?? '', /locked/);
      assert.ok(r.txn);
      const { events } = await rp.events(r.txn!);
      assert.deepEqual(
        events.map((e) => e.type),
        ['started', 'failed'],
      );
      assert.equal(events.at(-1)!.detail.error_code, 'auth_pin_locked');
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(metrics, /honnin_platform_flows_total\{kind="login",outcome="auth_pin_locked"\} 1/);
      const foreign = await other.api('GET', `/api/transactions/${r.txn}/events`, await other.appToken());
      assert.equal(foreign.status, 404, "another service cannot read this transaction's events");
    });

    for (const missing of ['state', 'nonce', 'code_challenge'] as const) {
      test(`a request without ${missing} is refused`, async () => {
        const agent = new HttpAgent();
        const { url } = await rp.authorize({ omit: [missing] });
        const { url: landed } = await agent.follow(url, (u) => u.origin === rp.url);
        assert.equal(landed.searchParams.get('error'), 'invalid_request');
        assert.match(
          landed.searchParams.get('error_description') ?? '',
          missing === 'code_challenge' ? /PKCE/ : new RegExp(missing),
        );
      });
    }

    test('a request without the openid scope is refused', async () => {
      const agent = new HttpAgent();
      const { url } = await rp.authorize({ scope: 'name' });
      const { url: landed } = await agent.follow(url, (u) => u.origin === rp.url);
      assert.equal(landed.searchParams.get('error'), 'invalid_request');
      assert.match(landed.searchParams.get('error_description') ?? '', /openid/);
    });

    test('acr_values other than aal3 and crl are refused', async () => {
      const agent = new HttpAgent();
      const { url } = await rp.authorize({ acrValues: 'aal3 gold' });
      const { url: landed } = await agent.follow(url, (u) => u.origin === rp.url);
      assert.equal(landed.searchParams.get('error'), 'invalid_request');
    });

    test('private_key_jwt: a long-lived or replayed client assertion is refused', async () => {
      const token = async (assertion: string) => {
        const res = await fetch(`${t.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            scope: 'sign',
            client_id: rp.clientId,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          }),
        });
        return { status: res.status, body: (await res.json()) as { error?: string; access_token?: string } };
      };
      const good = await rp.clientAssertion(`${t.url}/token`);
      assert.equal((await token(good)).status, 200);
      assert.equal((await token(good)).body.error, 'invalid_client', 'the same jti twice');
      const long = await rp.clientAssertion(`${t.url}/token`, { exp: Math.floor(Date.now() / 1000) + 3600 });
      assert.equal((await token(long)).body.error, 'invalid_client');
    });

    test('an authorization code works once', async () => {
      const agent = new HttpAgent();
      const { url, state } = await rp.authorize();
      const page = await agent.follow(url);
      const { url: callback } = await agent.submit(
        new URL(`${page.url.pathname}/test-response`, t.url),
        { card: 'test-card-1', outcome: 'normal' },
        (u) => u.origin === rp.url,
      );
      const pending = rp.pending(state)!;
      const first = await rp.exchange(callback, pending);
      assert.ok(first.ok);
      await assert.rejects(
        rp.exchange(callback, pending),
        (e: { error?: string }) => e.error === 'invalid_grant',
      );
    });

    test('PAR with DPoP-bound tokens', async () => {
      const r = await testResponse(rp, { par: true, dpop: true });
      assert.ok(r.ok, `${r.error}: ${r.errorDescription}`);
      assert.equal(r.userinfo!.name, '試験　太郎');
      // a DPoP-bound token without its proof is refused at userinfo
      const res = await fetch(`${t.url}/me`, { headers: { authorization: `Bearer ${r.accessToken}` } });
      assert.equal(res.status, 401);
    });
  });
}
