import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { addPlatformAuthenticator } from '../support/passkeys.ts';
import { scanQr } from '../support/qr.ts';
import { authenticateInApp, openInApp, signInApp } from './app.ts';
import { apply, confirmMail, enterApplication, mailTo, type OWNER, shot, signUp } from './pages.ts';
import { type DipsSystem, STAFF_PASSWORD, startDipsSystem } from './system.ts';

const MINUTE = 60_000;
// デモ1 (黒桐　幹也, 東京都千代田区千代田１－１, 1980-02-17): auth PIN 1234, signature password ABC123
const KOKUTOU = { card: 'デモ1', authPin: '1234', password: 'ABC123' };

/**
 * A drone registration verified with a (virtual) My Number Card, the whole
 * system running — J-LIS, the card host, the identity platform, DIPS — in
 * Chromium, in each of the three ways of seed 000: a PC with the phone reading
 * the QR, the phone alone, a PC with a card reader (the local bridge).
 */
describe('drone registration with the My Number Card', { skip: browserSkip() }, () => {
  let sys: DipsSystem;
  let browser: Browser;

  before(async () => {
    sys = await startDipsSystem(storageBackends()[0]!);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
  });

  /** A phone whose app has a device unlock (a virtual platform authenticator). */
  async function aPhone(): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await phoneContext(browser);
    const page = await ctx.newPage();
    await addPlatformAuthenticator(page);
    return { ctx, page };
  }

  /** An account (with the owner's items as written), STEP 01–05, 登録申請, the mail opened in a new tab: the page of ②. */
  async function toSignature(ctx: BrowserContext, page: Page, email: string, owner?: Partial<typeof OWNER>) {
    await signUp(page, sys.urls.dips, email, owner);
    await enterApplication(page, sys.urls.dips);
    const since = Date.now();
    await apply(page);
    await confirmMail(ctx, page, await mailTo(sys.urls.mailbox, email, /到達確認/, since), sys.urls.dips);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('heading', { name: '電子署名の付与' }).waitFor();
  }

  /** The platform's PC page: the phone scans the QR on the screen, the PC types the app's 6-digit number. */
  async function pairPhone(pc: Page, phone: Page, card = KOKUTOU) {
    await pc.locator('#qr svg').waitFor();
    await phone.goto(await scanQr(pc.locator('#qr')));
    await openInApp(phone, card.card, card.authPin);
    const number = (await phone.locator('#binding-number').innerText()).trim();
    await pc.getByLabel('6桁の数字').fill(number);
    await pc.getByRole('button', { name: '次へ' }).click();
  }

  /** Back from the platform's PC page to DIPS. */
  const backFromPc = (pc: Page) => pc.getByRole('button', { name: '利用中のサービスへ戻る' }).click();

  async function staffReviewAndRegister(email: string) {
    const staff = await (await pcContext(browser)).newPage();
    await staff.goto(`${sys.urls.dips}/staff/login`);
    await staff.fill('#f-password', STAFF_PASSWORD);
    await staff.getByRole('button', { name: 'ログイン' }).click();
    await staff.getByRole('link', { name: '申請受付（審査中）' }).click();
    await staff.locator('tbody a').first().click();
    const evidence = (await staff.locator('table').textContent()) ?? '';
    const since = Date.now();
    await staff.getByRole('button', { name: '内容を確認し、手数料納付を案内する' }).click();
    const fee = await mailTo(sys.urls.mailbox, email, /手数料納付/, since);
    await staff.getByRole('button', { name: '手数料の納付を確認した' }).click();
    await staff.getByRole('button', { name: '登録する（登録記号を発行）' }).click();
    const registered = await mailTo(sys.urls.mailbox, email, /登録完了/, since);
    // the page shows the outcome before it closes (a close racing a navigation can hang Chromium)
    await staff.getByText('登録完了', { exact: true }).waitFor();
    await staff.close();
    return { evidence, fee, registrationNumber: /JU[0-9A-Z]{10}/.exec(registered)?.[0] };
  }

  test('PC + phone (QR): differing items replaced by the card, signed again, the 5-minute window, a wrong PIN, registered', async () => {
    const ctx = await pcContext(browser);
    const pc = await ctx.newPage();
    const { ctx: phoneCtx, page: phone } = await aPhone();
    const email = 'kokutou@example.jp';
    // written as people write it; the card says 東京都千代田区千代田１－１
    await toSignature(ctx, pc, email, {
      name: '黒桐 幹也',
      reading: 'コクトウ ミキヤ',
      address: '東京都千代田区千代田一丁目1番',
      birthDate: '1980-02-17',
    });

    // ② on the phone
    await pc.getByRole('button', { name: 'OK' }).click();
    await shot(pc, 'platform-qr');
    await pairPhone(pc, phone);
    assert.match(await signInApp(phone, KOKUTOU.password, KOKUTOU.card), /無人航空機の新規登録申請/);
    await backFromPc(pc);

    // ③ the card's items differ: both shown, the card's accepted, signed again
    await pc.getByRole('heading', { name: 'マイナンバーカードの情報との相違' }).waitFor();
    const table = (await pc.locator('table').textContent()) ?? '';
    assert.match(table, /東京都千代田区千代田一丁目1番/);
    assert.match(table, /東京都千代田区千代田１－１/);
    await shot(pc, 'mismatch');
    await pc.getByRole('button', { name: 'OK' }).click();
    await pc.getByRole('heading', { name: '電子署名の付与（2回目）' }).waitFor();
    await pc.getByRole('button', { name: 'OK' }).click();
    await pairPhone(pc, phone);
    await signInApp(phone, KOKUTOU.password, KOKUTOU.card);
    await backFromPc(pc);
    await pc.getByRole('heading', { name: '利用者認証' }).waitFor();
    assert.match(await pc.locator('#left').innerText(), /^[45]:\d\d$/);

    // ④ more than 5 minutes after the signature: back to ②
    sys.advance(6 * MINUTE);
    await pc.getByRole('button', { name: 'OK' }).click();
    await pc.getByRole('heading', { name: '電子署名の付与' }).waitFor();
    assert.match(await pc.locator('#flash').innerText(), /5分以内に.*入力されなかった/);
    await pc.getByRole('button', { name: 'OK' }).click();
    await pairPhone(pc, phone);
    await signInApp(phone, KOKUTOU.password, KOKUTOU.card);
    await backFromPc(pc);

    // ④ with a wrong PIN first: the app says how many tries are left
    await pc.getByRole('heading', { name: '利用者認証' }).waitFor();
    await pc.getByRole('button', { name: 'OK' }).click();
    await pairPhone(pc, phone);
    const errors = await authenticateInApp(phone, KOKUTOU.authPin, KOKUTOU.card, ['9999']);
    assert.match(errors[0]!, /残り2回/);
    await backFromPc(pc);
    await pc.waitForURL(/\/complete$/);
    assert.match(await pc.locator('main').innerText(), /新規登録の手続きが完了しました。/);
    await shot(pc, 'complete');

    // the account holds the card's items now (sex kept, never shown)
    await pc.goto(`${sys.urls.dips}/account`);
    const account = await pc.locator('main').innerText();
    assert.match(account, /黒桐　幹也/);
    assert.match(account, /東京都千代田区千代田１－１/);
    assert.doesNotMatch(account, /性別|男性/);

    const staff = await staffReviewAndRegister(email);
    for (const s of [
      '基本4情報の相違',
      '5分の有効時間切れ',
      '利用者認証（利用者証明用電子証明書）',
      'serial',
    ]) {
      assert.ok(staff.evidence.includes(s), s);
    }
    assert.match(staff.fee, /900円/);
    assert.ok(staff.registrationNumber);
    await pc.goto(`${sys.urls.dips}/applications`);
    await pc.locator('tbody a').first().click();
    const status = await pc.locator('main').innerText();
    assert.match(status, /登録完了/);
    assert.ok(status.includes(staff.registrationNumber));
    await ctx.close();
    await phoneCtx.close();
  });

  test('phone only: DIPS, the platform and the app on one phone', async () => {
    const { ctx, page } = await aPhone();
    const email = 'phone-only@example.jp';
    // the card's items in other character widths: nothing to replace, no ③
    await toSignature(ctx, page, email, {
      name: '黒桐　幹也',
      reading: 'コクトウ ミキヤ',
      address: '東京都千代田区千代田1-1',
      birthDate: '1980-02-17',
    });
    await page.getByRole('button', { name: 'OK' }).click();
    await page.locator('#open-app').click();
    await openInApp(page, KOKUTOU.card, KOKUTOU.authPin);
    await signInApp(page, KOKUTOU.password, KOKUTOU.card);
    await page.locator('#back-to-service').click();
    await page.getByRole('heading', { name: '利用者認証' }).waitFor();
    await page.getByRole('button', { name: 'OK' }).click();
    await page.locator('#open-app').click();
    await openInApp(page, KOKUTOU.card, KOKUTOU.authPin);
    await authenticateInApp(page, KOKUTOU.authPin, KOKUTOU.card);
    await page.locator('#back-to-service').click();
    await page.waitForURL(/\/complete$/);
    assert.match(await page.locator('main').innerText(), /新規登録の手続きが完了しました。/);
    await shot(page, 'phone-complete');
    await ctx.close();
  });

  test('PC with a card reader: the app on the PC reads the card through the local bridge', async () => {
    await sys.insertIntoReader('デモ1');
    const ctx = await pcContext(browser);
    const pc = await ctx.newPage();
    const email = 'reader@example.jp';
    await toSignature(ctx, pc, email, {
      name: '黒桐 幹也',
      reading: 'コクトウ ミキヤ',
      address: '東京都千代田区千代田１－１',
      birthDate: '1980-02-17',
    });
    await pc.getByRole('button', { name: 'OK' }).click();
    await pc.getByRole('link', { name: 'ICカードリーダーで読み取る' }).click();
    await signInApp(pc, KOKUTOU.password);
    await shot(pc, 'reader-signed');
    await pc.locator('#back-to-service').click();
    await pc.getByRole('heading', { name: '利用者認証' }).waitFor();
    await pc.getByRole('button', { name: 'OK' }).click();
    await pc.getByRole('link', { name: 'ICカードリーダーで読み取る' }).click();
    await authenticateInApp(pc, KOKUTOU.authPin);
    await pc.locator('#back-to-service').click();
    await pc.waitForURL(/\/complete$/);
    assert.match(await pc.locator('main').innerText(), /新規登録の手続きが完了しました。/);
    await ctx.close();
  });

  test('a revoked certificate cannot apply, and the citizen reads why', async () => {
    // デモ2 (渋谷区) reported lost: J-LIS suspends its certificates
    await sys.lifeEvent('131130', { type: 'loss' });
    const ctx = await pcContext(browser);
    const pc = await ctx.newPage();
    const { ctx: phoneCtx, page: phone } = await aPhone();
    const email = 'aozaki@example.jp';
    await toSignature(ctx, pc, email, {
      name: '蒼崎 橙子',
      reading: 'アオザキ トウコ',
      address: '東京都渋谷区宇田川町２１－１',
      birthDate: '1992-09-26',
    });
    await pc.getByRole('button', { name: 'OK' }).click();
    const aozaki = { card: 'デモ2', password: 'HONNIN2026' };
    // the phone's app was registered with another card; デモ2's own certificates are suspended
    await pairPhone(pc, phone, KOKUTOU);
    await phone.getByRole('button', { name: '次へ', exact: true }).click();
    await phone.getByRole('button', { name: '次へ', exact: true }).click();
    await phone.getByRole('button', { name: '許可', exact: true }).click();
    await phone.locator('#pin').fill(aozaki.password);
    await phone.getByRole('button', { name: '次へ', exact: true }).click();
    await phone.getByText(aozaki.card, { exact: false }).click();
    await phone.getByRole('button', { name: '読み取り開始' }).click();
    await pc.locator('#outcome').waitFor();
    assert.equal(await pc.locator('#outcome').getAttribute('data-code'), 'certificate_revoked');
    await backFromPc(pc);
    await pc.getByRole('heading', { name: '電子署名の付与' }).waitFor();
    const flash = await pc.locator('#flash').innerText();
    assert.match(flash, /電子証明書が失効しているため/);
    assert.match(flash, /紛失の届出により、電子証明書が一時停止/);
    await shot(pc, 'revoked');
    await ctx.close();
    await phoneCtx.close();
  });

  test('an expired certificate (the platform sandbox answering certificate_expired) is explained', async () => {
    await sys.testMode(true);
    try {
      const ctx = await pcContext(browser);
      const pc = await ctx.newPage();
      const email = 'expired@example.jp';
      await toSignature(ctx, pc, email);
      await pc.getByRole('button', { name: 'OK' }).click();
      await pc.locator('form[action$="/test-response"]').waitFor();
      await pc.check('input[name=outcome][value=certificate_expired]');
      await pc.locator('form[action$="/test-response"] button[type=submit]').click();
      await pc.getByRole('heading', { name: '電子署名の付与' }).waitFor();
      assert.match(
        await pc.locator('#flash').innerText(),
        /電子証明書の有効期限が切れているため.*更新手続き/,
      );
      await ctx.close();
    } finally {
      await sys.testMode(false);
    }
  });
});
