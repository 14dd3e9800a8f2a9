import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpAgent } from '../support/http-agent.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

/**
 * `honnin start` with the dips part: its configuration section, its pages, its
 * keys, and the way to the platform (discovery, the demo client, a signing
 * transaction) work as started by the CLI.
 */
describe('the dips part as honnin start runs it', () => {
  let system: TestSystem;

  before(async () => {
    system = await startTestSystem({
      parts: ['mailbox', 'jlis', 'cards', 'platform', 'dips'],
      config: { dips: { staffPassword: 'staff-password-part' } },
    });
  });
  after(async () => system?.close());

  test('pages, keys, staff login and the first step to the platform', async () => {
    const dips = system.urls.dips!;
    const top = await fetch(dips, { headers: { accept: 'text/html' } });
    assert.match(await top.text(), /ドローン登録システム/);
    const jwks = (await (await fetch(`${dips}/.well-known/jwks.json`)).json()) as { keys: { use: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.use).sort(), ['enc', 'sig']);

    const agent = new HttpAgent();
    const page = async (path: string) => await (await agent.follow(new URL(path, dips))).res.text();
    const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const login = await page('/staff/login');
    const staff = await agent.submit(new URL('/staff/login', dips), {
      _csrf: csrf(login),
      password: 'staff-password-part',
    });
    assert.equal(staff.url.pathname, '/staff');

    // the demo client RP00000001 is this DIPS: an authorization reaches the platform's page
    const platform = system.urls.platform!;
    const discovery = await fetch(`${platform}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const reg = await fetch(
      `${platform}/auth?${new URLSearchParams({
        client_id: 'RP00000001',
        redirect_uri: `${dips}/auth/callback`,
        response_type: 'code',
        scope: 'openid',
        state: 'x'.repeat(20),
        nonce: 'y'.repeat(20),
        code_challenge: 'z'.repeat(43),
        code_challenge_method: 'S256',
      })}`,
      { redirect: 'manual' },
    );
    assert.match(reg.headers.get('location') ?? '', /\/interaction\//, 'the platform knows the redirect URI');
  });
});
