import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpServer, type Kysely, listen, openMigratedStorage, type Storage, z } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import {
  type ConcurrentLogin,
  csrfInput,
  dateField,
  emailField,
  errorSummary,
  html,
  input,
  installWeb,
  optionalTextField,
  PageError,
  textField,
  toHalfWidth,
  validateForm,
  type WebDB,
  webMigrations,
} from '../../src/web/index.ts';
import { FormClient, hidden } from './client.ts';

const MINUTE = 60_000;

async function startApp(storage: Storage<unknown>, concurrentLogin: ConcurrentLogin, clock: { now: number }) {
  const app = createHttpServer({ name: 'webtest' });
  const web = await installWeb(app, {
    storage,
    cookiePrefix: 'wt',
    site: (req) => ({
      serviceName: { ja: 'テストサービス', en: 'Test service' },
      nav: req.session?.accountId ? [{ href: '/private', text: { ja: 'マイページ', en: 'My page' } }] : [],
    }),
    loginPath: '/login',
    concurrentLogin,
    clock: () => clock.now,
  });
  app.get('/', async (req, reply) =>
    reply.page({
      title: { ja: 'トップ', en: 'Top' },
      body: html`<p id="who">${req.session.accountId ?? 'anonymous'}</p><form method="post" action="/login">${csrfInput(
        req.session,
      )}</form>`,
    }),
  );
  app.get('/login', async (req, reply) =>
    reply.page({
      title: { ja: 'ログイン', en: 'Log in' },
      body: html`<form>${csrfInput(req.session)}</form>`,
    }),
  );
  app.post('/login', async (req, reply) => {
    const user = (req.body as { user: string }).user;
    await req.session.login(user);
    await req.session.flash('success', { ja: 'ログインしました。', en: 'You are logged in.' });
    return reply.redirect('/', 303);
  });
  app.post('/logout', async (req, reply) => {
    await req.session.logout();
    return reply.redirect('/', 303);
  });
  // a flow bound to this browser before login (as a login through the identity platform starts)
  app.post('/bind', async (req) => ({ bound: req.session.id }));
  app.get('/private', { preHandler: web.requireLogin }, async (req, reply) =>
    reply.page({ title: 'private', body: html`<p id="who">${req.session.accountId}</p>` }),
  );
  app.get('/poll', { config: { web: { touch: false } } }, async (req) => ({
    account: req.session.accountId,
  }));
  const schema = z.object({
    name: textField({ ja: '氏名', en: 'Name' }, { max: 10 }),
    postcode: textField(
      { ja: '郵便番号', en: 'Postcode' },
      {
        max: 8,
        normalize: toHalfWidth,
        format: {
          pattern: /^\d{3}-?\d{4}$/,
          text: { ja: '郵便番号は7桁の数字です。', en: 'A postcode has 7 digits.' },
        },
      },
    ),
    email: emailField({ ja: 'メールアドレス', en: 'E-mail address' }),
    born: dateField({ ja: '生年月日', en: 'Birth date' }, { before: () => '2026-01-01' }),
    nick: optionalTextField({ ja: 'ニックネーム', en: 'Nickname' }, { max: 5 }),
  });
  app.post('/form', async (req, reply) => {
    const r = validateForm(schema, req.body);
    if (r.ok)
      return reply.page({ title: 'ok', body: html`<pre id="value">${JSON.stringify(r.value)}</pre>` });
    return reply.page(
      {
        title: 'form',
        body: html`${errorSummary(req.lang, r.errors)}${input(req.lang, {
          name: 'name',
          label: { ja: '氏名', en: 'Name' },
          error: r.errors.name,
          required: true,
        })}`,
      },
      400,
    );
  });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  app.get('/refused', async () => {
    throw new PageError(
      'not_yours',
      { ja: 'この申請は表示できません。', en: 'You cannot see this application.' },
      403,
    );
  });
  const url = await listen(app, 0);
  return { app, url };
}

for (const backend of storageBackends()) {
  describe(`web (${backend.name})`, { skip: backend.skip }, () => {
    const clock = { now: Date.UTC(2026, 10, 22, 3, 0) };
    let storage: Storage<unknown>;
    let cleanup: () => Promise<void>;
    let app: FastifyInstance;
    let url: string;
    let refuseApp: FastifyInstance;
    let refuseUrl: string;

    before(async () => {
      const iso = isolatedStorage(backend, 'webtest');
      cleanup = iso.cleanup;
      storage = await openMigratedStorage(iso.options, webMigrations);
      ({ app, url } = await startApp(storage, 'replace', clock));
      ({ app: refuseApp, url: refuseUrl } = await startApp(storage, 'refuse', clock));
    });
    const sessionRows = async () =>
      Number(
        (
          await (storage.db as Kysely<WebDB>)
            .selectFrom('web_session')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    after(async () => {
      await app.close();
      await refuseApp.close();
      await storage.close();
      await cleanup();
    });

    const login = async (c: FormClient, user: string) => {
      const top = await c.follow('/login');
      return c.submit('/login', { user, _csrf: hidden(top.text, '_csrf') });
    };

    test('pages are Japanese first; ?lang=en switches and the choice sticks', async () => {
      const c = new FormClient(url);
      const ja = await c.follow('/');
      assert.match(ja.text, /<html lang="ja">/);
      assert.match(ja.text, /<h1>トップ<\/h1>/);
      assert.match(ja.text, /href="\/\?lang=en"[^>]*>English</);
      const en = await c.follow('/?lang=en');
      assert.match(en.text, /<html lang="en">/);
      assert.match(en.text, /<h1>Top<\/h1>/);
      const again = await c.follow('/');
      assert.match(again.text, /<h1>Top<\/h1>/, 'the language cookie keeps English');
      assert.equal(ja.res.headers.get('cache-control'), 'no-store');
    });

    test('a form without its CSRF token is refused with a page, with it accepted', async () => {
      const c = new FormClient(url);
      await c.follow('/');
      const bad = await c.post('/login', { user: 'mallory' });
      assert.equal(bad.status, 403);
      const text = await bad.text();
      assert.match(text, /画面の有効期限が切れたか/);
      const fresh = new FormClient(url);
      const noSession = await fresh.post('/login', { user: 'mallory', _csrf: 'x' });
      assert.equal(noSession.status, 403);
      const ok = await login(c, 'alice');
      assert.match(ok.text, /<p id="who">alice<\/p>/);
      assert.match(ok.text, /ログインしました。/);
      const second = await c.follow('/');
      assert.doesNotMatch(second.text, /ログインしました。/, 'a flash message shows once');
    });

    test('login gives a new session id: the pre-login cookie opens nothing', async () => {
      const c = new FormClient(url);
      const page = await c.follow('/login');
      await c.post('/bind', { _csrf: hidden(page.text, '_csrf') });
      const before = c.cookies.get('wt_sid')!;
      assert.ok(before, 'binding a flow stores the session');
      await login(c, 'bob');
      assert.notEqual(c.cookies.get('wt_sid'), before);
      const attacker = new FormClient(url);
      attacker.cookies.set('wt_sid', before);
      assert.match((await attacker.follow('/')).text, /<p id="who">anonymous<\/p>/);
    });

    test('a second login ends the first session, and the first browser is told why', async () => {
      const a = new FormClient(url);
      const b = new FormClient(url);
      await login(a, 'carol');
      const ended = a.cookies.get('wt_sid')!;
      await login(b, 'carol');
      const r = await a.follow('/private');
      assert.match(r.url, /\/login/);
      assert.match(r.text, /別の端末（ブラウザ）からログインされたため/);
      assert.match((await b.follow('/private')).text, /<p id="who">carol<\/p>/);
      // told once: the ended session's cookie sent again neither tells again nor stores a session
      const rows = await sessionRows();
      for (let i = 0; i < 5; i++) {
        const replay = new FormClient(url);
        replay.cookies.set('wt_sid', ended);
        const page = await replay.follow('/');
        assert.match(page.text, /<p id="who">anonymous<\/p>/);
        assert.doesNotMatch(page.text, /別の端末/);
      }
      assert.equal(await sessionRows(), rows);
    });

    test('looking writes nothing: cookieless visits store no session, yet their forms work', async () => {
      const rows = await sessionRows();
      const visitors = Array.from({ length: 20 }, () => new FormClient(url));
      const pages = [];
      for (const v of visitors) pages.push(await v.follow(v === visitors[0] ? '/' : '/login'));
      assert.equal(await sessionRows(), rows, '20 anonymous GETs, no row');
      assert.equal(visitors[1]!.cookies.get('wt_sid'), undefined, 'and no session cookie');
      // the login form of a visitor without a stored session is accepted; the login stores one
      const r = await visitors[1]!.submit('/login', { user: 'gina', _csrf: hidden(pages[1]!.text, '_csrf') });
      assert.match(r.text, /<p id="who">gina<\/p>/);
      assert.equal(await sessionRows(), rows + 1);
    });

    test("a visitor's form token works only in its own browser; a planted cookie does not make one", async () => {
      const alice = new FormClient(url);
      const mallory = new FormClient(url);
      const token = hidden((await alice.follow('/login')).text, '_csrf');
      const own = hidden((await mallory.follow('/login')).text, '_csrf');
      assert.notEqual(own, token);
      // another browser's token, with or without a form cookie of its own
      assert.equal((await mallory.post('/login', { user: 'alice', _csrf: token })).status, 403);
      assert.equal((await new FormClient(url).post('/login', { user: 'alice', _csrf: token })).status, 403);
      // a cookie set from elsewhere (cookies ignore ports), with the same value as the form field
      const planted = new FormClient(url);
      planted.cookies.set('wt_form', 'chosen-by-mallory');
      assert.equal((await planted.post('/login', { user: 'alice', _csrf: 'chosen-by-mallory' })).status, 403);
      const rows = await sessionRows();
      assert.equal((await alice.post('/login', { user: 'alice', _csrf: token })).status, 303);
      assert.equal(await sessionRows(), rows + 1, 'only the accepted login stored a session');
    });

    test('with the refuse policy a second login is refused while the first is active', async () => {
      const a = new FormClient(refuseUrl);
      const b = new FormClient(refuseUrl);
      await login(a, 'dave');
      const top = await b.follow('/login');
      const r = await b.post('/login', { user: 'dave', _csrf: hidden(top.text, '_csrf') });
      assert.equal(r.status, 409);
      assert.match(await r.text(), /別の端末（ブラウザ）でログイン中です/);
      assert.match((await a.follow('/private')).text, /<p id="who">dave<\/p>/);
      clock.now += 61 * MINUTE;
      const later = await b.submit('/login', {
        user: 'dave',
        _csrf: hidden((await b.follow('/login')).text, '_csrf'),
      });
      assert.match(later.text, /<p id="who">dave<\/p>/, 'an idle session no longer blocks');
    });

    test('60 minutes without activity ends the session with a message; polling does not count', async () => {
      const c = new FormClient(url);
      await login(c, 'erin');
      clock.now += 59 * MINUTE;
      assert.match((await c.follow('/private')).text, /<p id="who">erin<\/p>/);
      clock.now += 59 * MINUTE;
      assert.equal(((await (await c.get('/poll')).json()) as { account: string }).account, 'erin');
      clock.now += 2 * MINUTE;
      const r = await c.follow('/private');
      assert.match(r.url, /\/login\?next=%2Fprivate/);
      assert.match(r.text, /60分以上操作がなかったため/);
      const en = await c.follow('/?lang=en');
      assert.match(en.text, /<p id="who">anonymous<\/p>/);
    });

    test('a form posted after the session timed out leads to login with the reason', async () => {
      const c = new FormClient(url);
      await login(c, 'frank');
      const page = await c.follow('/');
      clock.now += 61 * MINUTE;
      const r = await c.submit('/logout', { _csrf: hidden(page.text, '_csrf') });
      assert.match(r.url, /\/login$/);
      assert.match(r.text, /60分以上操作がなかったため/);
    });

    test('validation messages name the field in the page language and link to it', async () => {
      const c = new FormClient(url);
      const top = await c.follow('/');
      const csrf = hidden(top.text, '_csrf');
      const bad = await c.post('/form', {
        _csrf: csrf,
        name: '  ',
        postcode: '12-345',
        email: 'x@',
        born: '2030-01-01',
      });
      assert.equal(bad.status, 400);
      const text = await bad.text();
      assert.match(text, /role="alert"/);
      assert.match(text, /<a href="#f-name">「氏名」を入力してください。<\/a>/);
      assert.match(text, /郵便番号は7桁の数字です。/);
      assert.match(text, /「メールアドレス」はメールアドレスの形式/);
      assert.match(text, /「生年月日」は今日より前の日付/);
      assert.match(text, /aria-invalid="true" aria-describedby="f-name-error"/);
      const en = await c.request('POST', '/form?lang=en', {
        _csrf: csrf,
        name: '',
        postcode: '',
        email: '',
        born: '',
      });
      assert.match(await en.text(), /Enter Name\./);
      const ok = await c.submit('/form', {
        _csrf: csrf,
        name: ' 山田 太郎 ',
        postcode: '１００－０００１',
        email: 'Taro@Example.JP',
        born: '2000-01-01',
        nick: '',
      });
      assert.deepEqual(JSON.parse(/<pre id="value">(.*)<\/pre>/.exec(ok.text)![1]!.replace(/&#34;/g, '"')), {
        name: '山田 太郎',
        postcode: '100-0001',
        email: 'taro@example.jp',
        born: '2000-01-01',
      });
    });

    test('errors become pages without internals; API callers keep JSON', async () => {
      const c = new FormClient(url);
      const r = await c.get('/boom');
      assert.equal(r.status, 500);
      const text = await r.text();
      assert.match(text, /システムで問題が発生しました/);
      assert.doesNotMatch(text, /hunter2|at .*\.ts/);
      const json = await fetch(`${url}/boom`);
      assert.deepEqual(await json.json(), { error: 'internal_error', message: 'internal error' });
      const refused = await c.get('/refused?lang=en');
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /You cannot see this application\./);
      const missing = await c.get('/nothing-here?lang=ja');
      assert.equal(missing.status, 404);
      assert.match(await missing.text(), /お探しのページは見つかりませんでした/);
    });

    test('a date up to today takes today and refuses tomorrow, with words that say so', () => {
      const schema = z.object({
        on: dateField({ ja: '変更年月日', en: 'Date of the change' }, { upTo: () => '2026-11-22' }),
      });
      assert.deepEqual(validateForm(schema, { on: '2026-11-22' }), { ok: true, value: { on: '2026-11-22' } });
      assert.deepEqual(validateForm(schema, { on: '2026-11-23' }), {
        ok: false,
        errors: {
          on: {
            ja: '「変更年月日」は今日以前の日付を入力してください。',
            en: 'Date of the change must be today or earlier.',
          },
        },
      });
    });

    test('interpolated values are escaped', () => {
      const evil = '<script>alert(1)</script>';
      assert.equal(html`<p>${evil}</p>`.value, '<p>&#60;script&#62;alert(1)&#60;/script&#62;</p>');
    });
  });
}
