import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { hidden } from '../web/client.ts';
import {
  AIRCRAFT,
  enterApplication,
  logIn,
  mailLink,
  OWNER,
  signUp,
  startDips,
  submitApplication,
} from './support.ts';

const MINUTE = 60_000;

for (const backend of storageBackends()) {
  describe(`dips account and application (${backend.name})`, { skip: backend.skip }, () => {
    const clock = { now: Date.UTC(2026, 10, 22, 1, 0) };
    let dips: Awaited<ReturnType<typeof startDips>>;
    before(async () => {
      dips = await startDips(backend, { clock: () => clock.now });
    });
    after(async () => dips?.close());

    test('opening an account checks every field and names the problem in Japanese or English', async () => {
      const c = dips.client();
      const page = await c.follow('/signup');
      const bad = await c.post('/signup', {
        _csrf: hidden(page.text, '_csrf'),
        signup_key: hidden(page.text, 'signup_key'),
        ...OWNER,
        email: 'acct1@example.jp',
        reading: 'やまだ',
        postcode: '12345',
        phone: 'tel',
        birthDate: '2099-01-01',
        password: 'short',
        password2: 'other',
      });
      assert.equal(bad.status, 400);
      const text = await bad.text();
      for (const m of [
        '「フリガナ」は全角カタカナで入力してください。',
        '「郵便番号」は7桁の数字',
        '「電話番号」は数字とハイフン',
        '「生年月日」は今日より前の日付',
        '「パスワード」は半角の英字と数字を含む8〜64文字',
      ]) {
        assert.ok(text.includes(m), m);
      }
      assert.match(text, /value="やまだ"/, 'what was typed stays in the form');
      const en = await c.request('POST', '/signup?lang=en', {
        _csrf: hidden(page.text, '_csrf'),
        signup_key: hidden(page.text, 'signup_key'),
        name: '',
      });
      assert.match(await en.text(), /Enter Name\./);
    });

    test('a signup sent again does not create a second account; the same e-mail is refused', async () => {
      const c = dips.client();
      const page = await c.follow('/signup?lang=ja');
      const form = {
        _csrf: hidden(page.text, '_csrf'),
        signup_key: hidden(page.text, 'signup_key'),
        ...OWNER,
        email: 'twice@example.jp',
        reading: 'ﾔﾏﾀﾞ ﾀﾛｳ',
        postcode: '１００００１１',
        password: 'drone2026',
        password2: 'drone2026',
      };
      const first = await c.submit('/signup', form);
      assert.match(first.text, /メインメニュー/);
      const again = await c.post('/signup', form);
      assert.equal(again.status, 403, 'the old form of a finished signup is refused, not stored again');
      const account = await c.follow('/account');
      assert.match(account.text, /ヤマダ タロウ/, 'half-width katakana became full-width');
      assert.match(account.text, /〒100-0011/);
      assert.doesNotMatch(account.text, /性別/);
      const other = dips.client();
      const dup = await signUp(other, { email: 'twice@example.jp' });
      assert.match(dup.text, /このメールアドレスのアカウントはすでにあります/);
      const wrong = await logIn(dips.client(), 'twice@example.jp', 'wrong-password1');
      assert.match(wrong.text, /メールアドレスまたはパスワードが正しくありません/);
    });

    test('STEP 01–05: validation, several aircraft, a resubmitted aircraft form, corrections, fee', async () => {
      const c = dips.client();
      await signUp(c, { email: 'wizard@example.jp' });
      const base = await enterApplication(c, { owner: { email: 'wizard@example.jp' } });

      // a remote ID needs its maker, model and serial; "none" does not
      let p = await c.follow(`${base}/aircraft`);
      const key = hidden(p.text, 'form_key');
      const missing = await c.post(`${base}/aircraft`, {
        _csrf: hidden(p.text, '_csrf'),
        form_key: key,
        ...AIRCRAFT,
        remoteIdType: 'external',
        remoteIdMaker: '',
        serial: 'シリアル',
      });
      assert.equal(missing.status, 400);
      const mt = await missing.text();
      assert.match(mt, /「リモートID 製造者名」を入力してください。（リモートIDがある場合）/);
      assert.match(mt, /「製造番号」は半角英数字と記号/);
      assert.match(mt, new RegExp(`name="form_key" value="${key}"`), 'the form keeps its key');
      const second = {
        _csrf: hidden(p.text, '_csrf'),
        form_key: key,
        ...AIRCRAFT,
        serial: 'ＳＮ－０００２',
        remoteIdType: 'none',
      };
      await c.submit(`${base}/aircraft`, second);
      p = await c.submit(`${base}/aircraft`, second);
      assert.equal(
        (p.text.match(/<h2>機体 \d+<\/h2>/g) ?? []).length,
        2,
        'the same form sent twice adds one aircraft',
      );
      assert.match(p.text, /SN-0002/);

      p = await c.follow(`${base}/user`);
      const other = await c.post(`${base}/user`, { _csrf: hidden(p.text, '_csrf'), same: 'other', name: '' });
      assert.equal(other.status, 400);
      assert.match(await other.text(), /「氏名」を入力してください。/);
      p = await c.submit(`${base}/user`, {
        _csrf: hidden(p.text, '_csrf'),
        same: 'other',
        name: '鈴木 花子',
        reading: 'スズキ ハナコ',
        postcode: '530-0001',
        address: '大阪府大阪市北区梅田1-1',
        phone: '06-1234-5678',
        email: 'hanako@example.jp',
      });
      assert.match(p.url, /\/confirm$/);
      for (const s of [
        '所有者情報',
        '機体 1',
        '機体 2',
        '使用者情報',
        '鈴木 花子',
        '1,790円',
        '所有者の修正',
        '機体の修正',
        '使用者の修正',
      ]) {
        assert.ok(p.text.includes(s), s);
      }
      assert.match(p.text, /aria-current="step">STEP 05 入力情報確認/);
    });

    test('登録申請 sends a real mail; opening its URL moves the application screen on', async () => {
      const c = dips.client();
      await signUp(c, { email: 'mail@example.jp' });
      const base = await enterApplication(c, { owner: { email: 'mail@example.jp' } });
      const since = Date.now();
      const dialog = await c.follow(`${base}/submit`);
      assert.match(dialog.text, /OKボタン押下後、所有者のメールアドレスに確認用メールが送信されます/);
      const waiting = await submitApplication(c, base);
      assert.match(waiting.text, /画面をこのままにしてメールをご確認ください/);
      const status = async () =>
        (await (await c.get(`${base}/verify/status`, { accept: 'application/json' })).json()) as {
          stage: string;
        };
      assert.equal((await status()).stage, 'mail_check');

      const mail = await dips.mailbox.waitFor('mail@example.jp', { since, subject: /到達確認/ });
      const link = mailLink(mail.text, '/mail-check/');
      const tab = dips.client(); // the mail opened in a new tab (no login there)
      const opened = await tab.follow(link);
      assert.match(opened.text, /メールアドレスの認証が完了しました/);
      assert.match(opened.text, /The e-mail address has been authenticated/);
      assert.equal((await status()).stage, 'precautions');
      assert.match((await tab.follow(link)).text, /認証が完了しました/, 'opening it again is harmless');

      const next = await c.follow(`${base}/verify`);
      assert.match(
        next.text,
        /※マイナンバーカードの「電子証明書の有効期限」が過ぎている場合は、申請ができません/,
      );
      assert.match(next.text, /有効時間\(5分以内\)/);
      assert.match(next.text, /二次元コードが表示されているブラウザのアドレスバーが/);
      const signPage = await c.submit(`${base}/verify/precautions`, { _csrf: hidden(next.text, '_csrf') });
      assert.match(signPage.text, /電子署名を作成します。/);
      // the platform is not reachable here: the citizen is told, nothing is lost
      const noPlatform = await c.submit(`${base}/verify/sign`, { _csrf: hidden(signPage.text, '_csrf') });
      assert.match(noPlatform.text, /デジタル認証アプリ）に接続できませんでした/);
      assert.match(noPlatform.text, /電子署名を作成します。/);
    });

    test('back, reload and a second 登録申請 do not break the procedure', async () => {
      const c = dips.client();
      await signUp(c, { email: 'back@example.jp' });
      const base = await enterApplication(c, { owner: { email: 'back@example.jp' } });
      const dialog = await c.follow(`${base}/submit`);
      await c.submit(`${base}/submit`, { _csrf: hidden(dialog.text, '_csrf') });
      const again = await c.submit(`${base}/submit`, { _csrf: hidden(dialog.text, '_csrf') });
      assert.match(again.url, /\/verify$/);
      const queued = await (await dips.db())
        .selectFrom('outbox')
        .select('id')
        .where('mail_to', '=', 'back@example.jp')
        .execute();
      assert.equal(queued.length, 1, 'one mail for one 登録申請');
      const back = await c.follow(`${base}/owner`);
      assert.match(back.url, /\/verify$/);
      assert.match(back.text, /本人確認の手続き中です/);
      const reload = await c.follow(`${base}/verify`);
      assert.match(reload.text, /メールの到達確認/);
      // correcting the application stops the verification and keeps the data
      const corrected = await c.submit(`${base}/verify/cancel`, { _csrf: hidden(reload.text, '_csrf') });
      assert.match(corrected.url, /\/confirm$/);
      assert.match(corrected.text, /山田 太郎/);
      const stale = await dips.mailbox.waitFor('back@example.jp', { since: 0 });
      const old = await dips.client().follow(mailLink(stale.text, '/mail-check/'));
      assert.equal(old.res.status, 400, 'the link of an abandoned check no longer works');
    });

    test('60 minutes idle: back to login with the reason; the procedure restarts, the entries stay', async () => {
      const c = dips.client();
      await signUp(c, { email: 'idle@example.jp' });
      const base = await enterApplication(c, { owner: { email: 'idle@example.jp' } });
      await submitApplication(c, base);
      clock.now += 61 * MINUTE;
      const r = await c.follow(`${base}/verify`);
      assert.match(r.url, /\/login/);
      assert.match(r.text, /60分以上操作がなかったため/);
      const after = await c.submit('/login', {
        _csrf: hidden(r.text, '_csrf'),
        email: 'idle@example.jp',
        password: 'drone2026',
        next: hidden(r.text, 'next'),
      });
      assert.match(after.url, /\/confirm$/);
      assert.match(after.text, /もう一度「登録申請」から手続きをやり直してください/);
      assert.match(after.text, /SN-0001/, 'the aircraft entered before is still there');
    });

    test('a second login ends the first one, visibly', async () => {
      const pc = dips.client();
      await signUp(pc, { email: 'twodev@example.jp' });
      const base = await enterApplication(pc, { owner: { email: 'twodev@example.jp' } });
      const phone = dips.client();
      await logIn(phone, 'twodev@example.jp');
      const r = await pc.follow(`${base}/confirm`);
      assert.match(r.url, /\/login/);
      assert.match(r.text, /別の端末（ブラウザ）からログインされたため/);
      assert.match((await phone.follow(`${base}/confirm`)).text, /入力情報の確認/);
    });

    test("another account's application cannot be seen", async () => {
      const a = dips.client();
      await signUp(a, { email: 'owner-a@example.jp' });
      const base = await enterApplication(a, { owner: { email: 'owner-a@example.jp' } });
      const b = dips.client();
      await signUp(b, { email: 'owner-b@example.jp' });
      const r = await b.get(`${base}/confirm`);
      assert.equal(r.status, 404);
      assert.match(await r.text(), /申請が見つかりません/);
    });

    test('a staff session on citizen pages is sent to the staff pages, not an error', async () => {
      const c = dips.client();
      const login = await c.follow('/staff/login');
      const staff = await c.submit('/staff/login', {
        _csrf: hidden(login.text, '_csrf'),
        password: 'staff-password',
      });
      assert.match(staff.url, /\/staff$/);
      for (const r of [
        await c.get('/account'),
        await c.post('/applications', { _csrf: hidden(staff.text, '_csrf') }),
      ]) {
        assert.equal(r.status, 303);
        assert.equal(r.headers.get('location'), '/staff');
      }
    });
  });
}
