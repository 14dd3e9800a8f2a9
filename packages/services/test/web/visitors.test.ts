import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import type { WebDB } from '../../src/web/session.ts';
import { signUp, startDips } from '../dips/support.ts';
import { startPortal } from '../qualifications/portal-service.ts';
import { hidden } from './client.ts';

const rows = async (db: Kysely<WebDB>) =>
  Number(
    (
      await db
        .selectFrom('web_session')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/**
 * A visitor who only looks — the top page, login, signup, the staff login, a
 * page that needs a login — costs the services no stored session; the forms
 * those pages show still work, and a session is stored at login.
 */
for (const backend of storageBackends()) {
  describe(`visitors of the services (${backend.name})`, { skip: backend.skip }, () => {
    let dips: Awaited<ReturnType<typeof startDips>>;
    let quals: Awaited<ReturnType<typeof startPortal>>;
    before(async () => {
      dips = await startDips(backend);
      quals = await startPortal(backend);
    });
    after(async () => {
      await dips?.close();
      await quals?.close();
    });

    test('DIPS: pages seen without a cookie store nothing; signup with their form token stores the session', async () => {
      const db = (await dips.db()) as unknown as Kysely<WebDB>;
      const before = await rows(db);
      for (let i = 0; i < 4; i++) {
        for (const path of ['/', '/login', '/signup', '/staff/login', '/applications', '/login?next=%2F']) {
          const c = dips.client();
          const page = await c.follow(path);
          assert.equal(page.res.status, 200, path);
          if (path !== '/') assert.ok(page.text.includes('name="_csrf"'), `${path} has a form`);
        }
      }
      const visitor = dips.client();
      const top = await visitor.follow('/');
      await visitor.post('/logout', { _csrf: hidden((await visitor.follow('/login')).text, '_csrf') });
      assert.doesNotMatch(top.text, /ログアウトしました/);
      assert.equal(await rows(db), before, 'no session row for 25 visits and a logout without a login');
      const done = await signUp(visitor, { email: 'visitor@example.jp' });
      assert.match(done.text, /メインメニュー/);
      assert.equal(await rows(db), before + 1, 'the signup logged in: one session');
    });

    test('qualifications: pages seen without a cookie store nothing; the login form carries where to go next', async () => {
      const db = await quals.db();
      const before = await rows(db);
      for (let i = 0; i < 5; i++) {
        for (const path of ['/', '/staff/login', '/qualifications']) {
          const page = await quals.client().follow(path);
          assert.equal(page.res.status, 200, path);
        }
      }
      const c = quals.client();
      const top = await c.follow('/login?next=%2Fqualifications%2F0101');
      assert.equal(hidden(top.text, 'next'), '/qualifications/0101');
      assert.equal(await rows(db), before, 'no session row for 16 visits');
      // the login form's token is accepted (the platform is not running here: the page says so)
      const r = await c.submit('/login', { _csrf: hidden(top.text, '_csrf'), next: '/qualifications/0101' });
      assert.match(r.text, /デジタル認証アプリ）に接続できませんでした/);
    });
  });
}
