import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { type CardSession, CitizenPhone } from '../support/citizen.ts';
import { tapSession } from '../support/honnin.ts';
import { apply, confirmMail, enterApplication, mailTo, shot, signUp } from './pages.ts';
import { type DipsSystem, STAFF_PASSWORD, startDipsSystem } from './system.ts';

// jsqr is a UMD bundle whose module.exports is the function itself
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const MINUTE = 60_000;

/**
 * The identity verification of a drone registration with a real (virtual) My
 * Number Card, the whole system running: DIPS in Chromium on a PC, the
 * platform's PC page with its QR, the citizen's phone (the app's API and its
 * card-reading code) reading demo cards checked by J-LIS.
 */
describe('drone registration with the My Number Card', { skip: browserSkip() }, () => {
  let sys: DipsSystem;
  let browser: Browser;
  let phone: CitizenPhone;
  let kokutou: CardSession; // デモ1 黒桐　幹也, 東京都千代田区千代田１－１, 1980-02-17

  before(async () => {
    sys = await startDipsSystem(storageBackends()[0]!);
    kokutou = await tapSession(sys.system, 'デモ1');
    phone = new CitizenPhone(sys.urls.platform);
    await phone.register(kokutou);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
  });

  /** The platform's PC page: the phone scans the QR off the screen, the PC types the 6-digit number. */
  async function scanQr(page: Page): Promise<string> {
    await page.locator('#qr svg').waitFor();
    const png = PNG.sync.read(await page.locator('#qr').screenshot());
    const link = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    assert.ok(link, 'the QR on the screen decodes');
    const flowId = await phone.openQr(link);
    const unlocked = await phone.unlock(flowId);
    await page.fill('#binding-number', unlocked.bindingNumber!);
    await page.locator('#binding-number').press('Enter');
    return flowId;
  }

  /** ②/③ on the phone: the document, consent, the signature password, the card. */
  async function signOnPhone(page: Page, card: CardSession) {
    const flowId = await scanQr(page);
    const view = await phone.view(flowId);
    assert.match(view.document?.name ?? '', /無人航空機の新規登録申請/, 'the app shows what is signed');
    await phone.consent(flowId);
    const signed = await phone.readForSignature(flowId, card);
    await page.locator('form[action$="/finish"] button').click();
    return signed;
  }

  /** The verification from 登録申請 to the page of ②. */
  async function toSignature(ctx: BrowserContext, page: Page, email: string) {
    const since = Date.now();
    await apply(page);
    await confirmMail(ctx, page, await mailTo(sys.urls.mailbox, email, /到達確認/, since), sys.urls.dips);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.waitForSelector('h1:text("電子署名の付与")');
  }

  test('PC + phone: the card replaces differing items, a second signature, the 5-minute window, a wrong PIN, completion', async () => {
    const ctx = await pcContext(browser);
    const page = await ctx.newPage();
    const email = 'kokutou@example.jp';
    // entered as people write it; the card says 東京都千代田区千代田１－１
    await signUp(page, sys.urls.dips, email, {
      name: '黒桐 幹也',
      reading: 'コクトウ ミキヤ',
      address: '東京都千代田区千代田一丁目1番',
      birthDate: '1980-02-17',
    });
    await enterApplication(page, sys.urls.dips);
    await toSignature(ctx, page, email);
    await page.getByRole('button', { name: 'OK' }).click();
    await shot(page, 'platform-pc');
    const first = await signOnPhone(page, kokutou);
    assert.equal(first.view?.stage, 'done', JSON.stringify(first.card));

    // ③ the card's items differ: the citizen sees both and accepts the card's
    await page.waitForSelector('h1:text("マイナンバーカードの情報との相違")');
    const table = (await page.locator('table').textContent()) ?? '';
    assert.match(table, /東京都千代田区千代田一丁目1番/);
    assert.match(table, /東京都千代田区千代田１－１/);
    assert.doesNotMatch((await page.locator('main').textContent()) ?? '', /男|female|male/);
    await shot(page, 'mismatch');
    await page.getByRole('button', { name: 'OK' }).click();
    await page.waitForSelector('h1:text("電子署名の付与（2回目）")');
    await page.getByRole('button', { name: 'OK' }).click();
    const second = await signOnPhone(page, kokutou);
    assert.equal(second.view?.stage, 'done');
    await page.waitForSelector('h1:text("利用者認証")');
    assert.match((await page.locator('.countdown').textContent()) ?? '', /[45]:\d\d/);

    // ④ later than 5 minutes: back to the signature
    sys.advance(6 * MINUTE);
    await page.getByRole('button', { name: 'OK' }).click();
    await page.waitForSelector('h1:text("電子署名の付与")');
    assert.match((await page.locator('#flash').textContent()) ?? '', /5分以内に.*入力されなかった/);
    await page.getByRole('button', { name: 'OK' }).click();
    assert.equal((await signOnPhone(page, kokutou)).view?.stage, 'done');
    await page.waitForSelector('h1:text("利用者認証")');

    // ④ with a wrong PIN first: the app asks again (2 tries left), then the right one
    await page.getByRole('button', { name: 'OK' }).click();
    const flowId = await scanQr(page);
    const wrong = await phone.readForLogin(flowId, kokutou, { authPin: '9999' });
    assert.ok(!wrong.card.ok && wrong.card.reason === 'pin_wrong', 'the card refuses the PIN');
    assert.equal(wrong.card.triesLeft, 2);
    const right = await phone.readForLogin(flowId, kokutou);
    assert.ok(right.view, JSON.stringify(right.card));
    await phone.consent(flowId);
    await page.locator('form[action$="/finish"] button').click();
    await page.waitForURL(/\/complete$/);
    assert.match((await page.locator('main').textContent()) ?? '', /新規登録の手続きが完了しました。/);
    await shot(page, 'complete');

    // the account now holds the card's items (sex kept, not shown)
    await page.goto(`${sys.urls.dips}/account`);
    const account = (await page.locator('main').textContent()) ?? '';
    assert.match(account, /黒桐　幹也/);
    assert.match(account, /東京都千代田区千代田１－１/);
    assert.doesNotMatch(account, /性別|男性/);

    // staff: the evidence, the fee mail, the payment, the registration number
    const staff = await (await pcContext(browser)).newPage();
    await staff.goto(`${sys.urls.dips}/staff/login`);
    await staff.fill('#f-password', STAFF_PASSWORD);
    await staff.getByRole('button', { name: 'ログイン' }).click();
    await staff.locator('tbody a').first().click();
    const evidence = (await staff.locator('table').textContent()) ?? '';
    for (const s of [
      'メールの到達確認',
      '基本4情報の相違',
      '5分の有効時間切れ',
      '利用者認証（利用者証明用電子証明書）',
      'serial',
    ]) {
      assert.ok(evidence.includes(s), s);
    }
    await shot(staff, 'staff-evidence');
    const since = Date.now();
    await staff.getByRole('button', { name: '内容を確認し、手数料納付を案内する' }).click();
    const fee = await mailTo(sys.urls.mailbox, email, /手数料納付/, since);
    assert.match(fee, /900円/);
    await staff.getByRole('button', { name: '手数料の納付を確認した' }).click();
    await staff.getByRole('button', { name: '登録する（登録記号を発行）' }).click();
    const registered = await mailTo(sys.urls.mailbox, email, /登録完了/, since);
    const number = /JU[0-9A-Z]{10}/.exec(registered)?.[0];
    assert.ok(number);
    await page.goto(`${sys.urls.dips}/applications`);
    await page.locator('tbody a').first().click();
    const status = (await page.locator('main').textContent()) ?? '';
    assert.match(status, /登録完了/);
    assert.ok(status.includes(number));
    await ctx.close();
  });

  /**
   * Phone only: the platform's page offers 「アプリを開く」; the app switch hands
   * the launch link to the app (here the app's API on the same phone), and the
   * app sends the browser back with its one-time code.
   */
  async function inApp(
    page: Page,
    work: (flowId: string) => Promise<{ returnPath: string; returnCode?: string }>,
  ) {
    // the link that would open the app: its launch URL goes to the app, the browser stays
    const launch = new Promise<string>((resolve) => {
      void page.route('**/interaction/*/app', async (route) => {
        const res = await route.fetch({ maxRedirects: 0 });
        resolve(new URL(res.headers().location!, sys.urls.platform).href);
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>アプリに切り替えました</p>' });
      });
    });
    await page.locator('#open-app').click();
    const url = await launch;
    await page.unroute('**/interaction/*/app');
    const { url: landed } = await phone.agent.follow(url);
    const flowId = landed.pathname.split('/')[3]!;
    await phone.unlock(flowId);
    const view = await work(flowId);
    await page.goto(new URL(`${view.returnPath}?code=${view.returnCode}`, sys.urls.platform).href);
  }

  test('phone only: the app on the same phone signs and authenticates; the items match', async () => {
    const ctx = await phoneContext(browser);
    const page = await ctx.newPage();
    const email = 'phone-only@example.jp';
    await signUp(page, sys.urls.dips, email, {
      name: '黒桐　幹也',
      reading: 'コクトウ ミキヤ',
      address: '東京都千代田区千代田1-1',
      birthDate: '1980-02-17',
    });
    await enterApplication(page, sys.urls.dips);
    await toSignature(ctx, page, email);
    await page.getByRole('button', { name: 'OK' }).click();
    await shot(page, 'platform-phone');
    await inApp(page, async (flowId) => {
      // the return code comes with the consent, given before the password
      const consented = await phone.consent(flowId);
      const signed = await phone.readForSignature(flowId, kokutou);
      assert.equal(signed.view?.stage, 'done', JSON.stringify(signed.card));
      return consented;
    });
    // 東京都千代田区千代田1-1 is the card's １－１ in other widths: no ③
    await page.waitForSelector('h1:text("利用者認証")');
    await page.getByRole('button', { name: 'OK' }).click();
    await inApp(page, async (flowId) => {
      const read = await phone.readForLogin(flowId, kokutou);
      assert.ok(read.view, JSON.stringify(read.card));
      return phone.consent(flowId);
    });
    await page.waitForURL(/\/complete$/);
    assert.match((await page.locator('main').textContent()) ?? '', /新規登録の手続きが完了しました。/);
    await ctx.close();
  });

  test('a revoked certificate cannot apply, and the citizen reads why', async () => {
    // デモ2 (渋谷区) reports the card lost: J-LIS suspends its certificates
    const aozaki = await tapSession(sys.system, 'デモ2');
    await sys.lifeEvent('131130', { type: 'loss' });
    const ctx = await pcContext(browser);
    const page = await ctx.newPage();
    const email = 'aozaki@example.jp';
    await signUp(page, sys.urls.dips, email, {
      name: '蒼崎 橙子',
      reading: 'アオザキ トウコ',
      address: '東京都渋谷区宇田川町２１－１',
      birthDate: '1992-09-26',
    });
    await enterApplication(page, sys.urls.dips);
    await toSignature(ctx, page, email);
    await page.getByRole('button', { name: 'OK' }).click();
    const flowId = await scanQr(page);
    await phone.consent(flowId);
    await phone.readForSignature(flowId, aozaki).catch(() => undefined);
    await page.locator('form[action$="/finish"] button').click();
    await page.waitForSelector('h1:text("電子署名の付与")');
    const flash = (await page.locator('#flash').textContent()) ?? '';
    assert.match(flash, /電子証明書が失効しているため/);
    assert.match(flash, /紛失の届出により、電子証明書が一時停止/);
    await shot(page, 'revoked');
    await ctx.close();
  });
});
