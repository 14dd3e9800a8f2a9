import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty, type FlowResult } from '../../../e2e/support/relying-party.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

/**
 * What a relying party does after the login, through openid-client: refresh
 * tokens (`offline_access`, granted only with `prompt=consent`) and
 * RP-initiated logout (`/session/end` with `id_token_hint` and a registered
 * `post_logout_redirect_uri`). Logins go through the test-response screen.
 */
for (const backend of storageBackends()) {
  describe(`refresh tokens and logout on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestPlatform;
    let rp: DemoRelyingParty;

    before(async () => {
      t = await startTestPlatform(backend);
      rp = await DemoRelyingParty.start(t.url, 'RP00000111');
      await t.platform.clients.put(rp.registration({ testMode: true }));
    });
    after(async () => {
      await rp?.close();
      await t?.close();
    });

    /** A login through the test-response screen in `agent` (which keeps the platform's cookies). */
    async function login(opts: Parameters<DemoRelyingParty['authorize']>[0], agent = new HttpAgent()) {
      const { url, result } = await rp.authorize(opts);
      const page = await agent.follow(url);
      await agent.submit(new URL(`${page.url.pathname}/test-response`, t.url), {
        card: 'test-card-1',
        outcome: 'normal',
      });
      const r: FlowResult = await result;
      assert.ok(r.ok, `${r.error}: ${r.errorDescription}`);
      return r;
    }

    const userinfo = (accessToken: string) =>
      fetch(`${t.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

    test('offline_access: a refresh token with prompt=consent only; it refreshes until revoked', async () => {
      const without = await login({ scope: 'openid name offline_access' });
      assert.equal(without.refreshToken, undefined, 'offline_access without prompt=consent gives none');

      const r = await login({ scope: 'openid name offline_access', prompt: 'consent' });
      assert.ok(r.refreshToken, 'a refresh token');
      const refreshed = await rp.refresh(r.refreshToken);
      assert.notEqual(refreshed.access_token, r.accessToken);
      assert.equal(refreshed.claims()?.sub, r.idToken!.sub, 'the same person');
      const me = await userinfo(refreshed.access_token);
      assert.equal(me.status, 200);
      assert.equal(
        ((await me.json()) as { name: string }).name,
        '試験　太郎',
        'the released items stay fetchable',
      );

      // the relying party revokes the grant (its refresh token): nothing works any more
      await rp.revoke(refreshed.refresh_token ?? r.refreshToken, 'refresh_token');
      await assert.rejects(rp.refresh(refreshed.refresh_token ?? r.refreshToken), (e: { error?: string }) => {
        assert.equal(e.error, 'invalid_grant');
        return true;
      });
      assert.equal(
        (await userinfo(refreshed.access_token)).status,
        401,
        "the grant's access tokens are gone",
      );
    });

    test('RP-initiated logout: id_token_hint, the registered post-logout URI and state', async () => {
      const agent = new HttpAgent();
      const r = await login({ scope: 'openid' }, agent);
      const endSession = await rp.endSessionUrl({
        idTokenHint: r.rawIdToken!,
        postLogoutRedirectUri: rp.postLogoutRedirectUri,
        state: 'bye-123',
      });
      assert.equal(endSession.pathname, '/session/end');
      const confirm = await agent.follow(endSession);
      const html = await confirm.res.text();
      assert.match(html, /<html lang="ja">/);
      assert.match(html, /ログアウト/);
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
      assert.ok(xsrf, 'the confirmation form');
      const done = await agent.submit(new URL('/session/end/confirm', t.url), { xsrf, logout: 'yes' });
      assert.equal(`${done.url.origin}${done.url.pathname}`, rp.postLogoutRedirectUri);
      assert.equal(done.url.searchParams.get('state'), 'bye-123');
      assert.equal((await userinfo(r.accessToken!)).status, 401, 'the session’s grant is revoked');

      // without a post-logout URI the platform says it is done, in the citizen's language
      const plain = new HttpAgent();
      const second = await login({ scope: 'openid' }, plain);
      const page = await plain.follow(await rp.endSessionUrl({ idTokenHint: second.rawIdToken! }));
      const token = /name="xsrf" value="([^"]+)"/.exec(await page.res.text())?.[1] ?? '';
      const ended = await plain.submit(new URL('/session/end/confirm', t.url), {
        xsrf: token,
        logout: 'yes',
      });
      assert.equal(ended.url.pathname, '/session/end/success');
      assert.match(await ended.res.text(), /ログアウトしました/);

      // a post-logout URI the service did not register is refused, not followed
      const other = await rp.endSessionUrl({
        idTokenHint: r.rawIdToken!,
        postLogoutRedirectUri: 'https://elsewhere.example/logged-out',
      });
      const refused = await new HttpAgent().follow(other);
      assert.equal(refused.res.status, 400);
      assert.equal(refused.url.origin, t.url);
      assert.match(await refused.res.text(), /post_logout_redirect_uri not registered/);
    });
  });
}
