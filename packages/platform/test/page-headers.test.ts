import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { HttpAgent } from '../../../e2e/support/http-agent.ts';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

/**
 * Every HTML page of the platform refuses to be framed (the consent screen
 * under another site's page would be clickjacking) and is not stored by the
 * browser (consent and done pages show personal data): the platform's own
 * pages, its error pages and oidc-provider's.
 */
describe('headers of the platform pages', () => {
  const backend = storageBackends()[0]!;
  let t: TestPlatform;
  let rp: DemoRelyingParty;

  before(async () => {
    t = await startTestPlatform(backend);
    rp = await DemoRelyingParty.start(t.url, 'RP00000121');
    await t.platform.clients.put(rp.registration({ testMode: true }));
  });
  after(async () => {
    await rp?.close();
    await t?.close();
  });

  const assertProtected = (res: Response, what: string) => {
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `${what} is a page`);
    assert.match(
      res.headers.get('content-security-policy') ?? '',
      /frame-ancestors 'none'/,
      `${what} may not be framed`,
    );
    assert.equal(res.headers.get('cache-control'), 'no-store', `${what} is not stored`);
  };

  test("the app's pages", async () => {
    for (const path of ['/app', '/app/register', '/app?lang=en']) {
      const res = await fetch(`${t.url}${path}`, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200);
      assertProtected(res, path);
    }
  });

  test("the service's page of a flow (where the test response is chosen)", async () => {
    const agent = new HttpAgent();
    const { url } = await rp.authorize({ scope: 'openid name' });
    const page = await agent.follow(url);
    assert.match(page.url.pathname, /^\/interaction\//);
    assertProtected(page.res, 'the interaction page');
  });

  test('error pages, the platform’s and oidc-provider’s', async () => {
    const unknown = await fetch(`${t.url}/app/flows/no-such-flow`, { headers: { accept: 'text/html' } });
    assert.equal(unknown.status, 404);
    assertProtected(unknown, 'the not-found page');
    // a request oidc-provider cannot redirect back: its error page (rendered by the platform)
    const badClient = await fetch(
      `${t.url}/auth?client_id=RP09999999&response_type=code&scope=openid&redirect_uri=https://x.example/cb`,
      { headers: { accept: 'text/html' } },
    );
    assert.equal(badClient.status, 400);
    assertProtected(badClient, "oidc-provider's error page");
  });

  test('scripts and JSON keep their own caching', async () => {
    const html = await (await fetch(`${t.url}/app`)).text();
    const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script, 'the app page loads its bundle');
    const res = await fetch(new URL(script, t.url));
    assert.equal(res.status, 200);
    assert.notEqual(res.headers.get('cache-control'), 'no-store');
    const discovery = await fetch(`${t.url}/.well-known/openid-configuration`);
    assert.equal(discovery.headers.get('content-security-policy'), null);
  });
});
