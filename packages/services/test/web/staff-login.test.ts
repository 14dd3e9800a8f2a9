import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import { createDipsService, type DipsService } from '../../src/dips/service.ts';
import { logIn, signUp, startTestMailbox } from '../dips/support.ts';
import { startPortal } from '../qualifications/portal-service.ts';
import { FormClient, hidden } from './client.ts';

const MINUTE = 60_000;

async function staffLogin(c: FormClient, password = 'staff-password', lang = 'ja') {
  const page = await c.follow(`/staff/login?lang=${lang}`);
  return c.post('/staff/login', { _csrf: hidden(page.text, '_csrf'), password });
}

/**
 * Staff share the office's login, so one reviewer's login leaves the others'
 * sessions alone; failed password logins (staff and DIPS accounts) are
 * throttled with counts kept in the service's storage, which every instance
 * and every restart sees.
 */
for (const backend of storageBackends()) {
  describe(`staff and password logins (${backend.name})`, { skip: backend.skip }, () => {
    const clock = { now: Date.UTC(2026, 10, 23, 1, 0) };
    const iso = isolatedStorage(backend, 'dips');
    let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
    const instances: DipsService[] = [];
    /** a DIPS instance on the shared storage (two run at once, as behind a load balancer) */
    const instance = async () => {
      const service = await createDipsService({
        storage: iso.options,
        publicUrl: 'http://127.0.0.1:0',
        issuer: 'http://127.0.0.1:9',
        clientId: 'RP00000001',
        smtpUrl: mailbox.smtpUrl,
        mailFrom: 'DIPS <noreply@dips.test>',
        staffPassword: 'staff-password',
        clock: () => clock.now,
      });
      instances.push(service);
      return { service, url: await listen(service.app, 0) };
    };
    let one: string;
    let two: string;

    before(async () => {
      mailbox = await startTestMailbox();
      one = (await instance()).url;
      two = (await instance()).url;
    });
    after(async () => {
      for (const s of instances) await s.close();
      await mailbox?.close();
      await iso.cleanup();
    });

    test('two staff members logged in at once both stay logged in', async () => {
      const first = new FormClient(one);
      const second = new FormClient(one);
      assert.equal((await staffLogin(first)).status, 303);
      assert.equal((await staffLogin(second)).status, 303);
      for (const c of [first, second]) {
        const home = await c.follow('/staff');
        assert.match(home.url, /\/staff$/, 'still logged in');
        assert.match(home.text, /申請一覧/);
        assert.doesNotMatch(home.text, /別の端末/);
      }
      // logging out ends only that member's session
      const page = await first.follow('/staff');
      await first.post('/staff/logout', { _csrf: hidden(page.text, '_csrf') });
      assert.match((await first.follow('/staff')).url, /\/staff\/login$/);
      assert.match((await second.follow('/staff')).url, /\/staff$/);
    });

    test('citizens keep one session per account: a second login ends the first', async () => {
      const a = new FormClient(one);
      await signUp(a, { email: 'single@example.jp' });
      const b = new FormClient(one);
      await logIn(b, 'single@example.jp');
      const back = await a.follow('/account');
      assert.match(back.text, /別の端末（ブラウザ）からログインされたため/);
    });

    test('staff: after 5 wrong passwords the login pauses, on every instance, with Retry-After', async () => {
      const c = new FormClient(one);
      for (let i = 0; i < 5; i++) {
        const r = await staffLogin(c, 'wrong-password');
        assert.equal(r.status, 401);
        assert.match(await r.text(), /パスワードが正しくありません/);
      }
      // the right password now: refused before it is looked at, on the other instance too
      for (const base of [one, two]) {
        const refused = await staffLogin(new FormClient(base));
        assert.equal(refused.status, 429);
        assert.equal(refused.headers.get('retry-after'), String(15 * 60));
        assert.match(
          await refused.text(),
          /ログインの失敗が続いたため、一時的にログインを停止しています。15分ほど/,
        );
      }
      const en = await staffLogin(new FormClient(two), 'staff-password', 'en');
      assert.equal(en.status, 429);
      assert.match(await en.text(), /Logins are paused for a while after repeated failures/);

      clock.now += 5 * MINUTE;
      const later = await staffLogin(new FormClient(one));
      assert.equal(later.status, 429);
      assert.equal(later.headers.get('retry-after'), String(10 * 60));

      clock.now += 10 * MINUTE;
      const open = await staffLogin(new FormClient(two));
      assert.equal(open.status, 303, 'the window passed: the right password works again');
    });

    test('staff: the count outlives a restart', async () => {
      const c = new FormClient(one);
      for (let i = 0; i < 5; i++) assert.equal((await staffLogin(c, 'wrong-password')).status, 401);
      const restarted = await instance();
      await instances.shift()!.close();
      one = restarted.url;
      assert.equal((await staffLogin(new FormClient(one))).status, 429);
      clock.now += 15 * MINUTE;
      assert.equal((await staffLogin(new FormClient(one))).status, 303);
    });

    test('DIPS accounts: 5 wrong passwords pause that account’s login; another account still logs in', async () => {
      await signUp(new FormClient(one), { email: 'guarded@example.jp' });
      await signUp(new FormClient(one), { email: 'neighbour@example.jp' });
      const c = new FormClient(two);
      for (let i = 0; i < 5; i++) {
        const r = await logIn(c, 'Guarded@example.jp', 'wrong2026');
        assert.equal(r.res.status, 401);
      }
      const refused = await logIn(new FormClient(one), 'guarded@example.jp');
      assert.equal(refused.res.status, 429);
      assert.ok(Number(refused.res.headers.get('retry-after')) > 0);
      assert.match(refused.text, /一時的にログインを停止しています/);
      assert.doesNotMatch(refused.text, /メインメニュー/);
      const other = await logIn(new FormClient(one), 'neighbour@example.jp');
      assert.match(other.text, /メインメニュー/);
      clock.now += 15 * MINUTE;
      const again = await logIn(new FormClient(one), 'guarded@example.jp');
      assert.match(again.text, /メインメニュー/);
    });

    test('DIPS: one address trying many accounts is paused after 20 failures', async () => {
      const c = new FormClient(one);
      for (let i = 0; i < 20; i++) {
        const r = await logIn(c, `nobody${i}@example.jp`, 'wrong2026');
        assert.equal(r.res.status, 401, `attempt ${i + 1}`);
      }
      const r = await logIn(c, 'nobody-else@example.jp', 'wrong2026');
      assert.equal(r.res.status, 429);
      clock.now += 15 * MINUTE;
    });
  });

  describe(`qualifications staff login (${backend.name})`, { skip: backend.skip }, () => {
    let quals: Awaited<ReturnType<typeof startPortal>>;
    before(async () => {
      quals = await startPortal(backend);
    });
    after(async () => quals?.close());

    test('two staff members at once; wrong passwords pause the login', async () => {
      const first = quals.client();
      const second = quals.client();
      assert.equal((await staffLogin(first)).status, 303);
      assert.equal((await staffLogin(second)).status, 303);
      for (const c of [first, second]) assert.match((await c.follow('/staff')).url, /\/staff$/);
      const c = quals.client();
      for (let i = 0; i < 5; i++) assert.equal((await staffLogin(c, 'wrong-password')).status, 401);
      const refused = await staffLogin(quals.client());
      assert.equal(refused.status, 429);
      assert.ok(refused.headers.get('retry-after'));
    });
  });
}
