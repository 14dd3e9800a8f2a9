import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import type { Browser } from 'playwright-core';
import { startDips } from '../../packages/services/test/dips/support.ts';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { apply, confirmMail, enterApplication, logIn, shot, signUp } from './pages.ts';

const MINUTE = 60_000;

/**
 * The drone registration pages in Chromium, up to the identity platform: the
 * mail check moving the page on, the 60-minute rule, one login per account,
 * back and reload, the language switch. (The card steps: verification.test.ts.)
 */
describe('drone registration pages in the browser', { skip: browserSkip() }, () => {
  const clock = { now: Date.now() };
  let dips: Awaited<ReturnType<typeof startDips>>;
  let browser: Browser;

  before(async () => {
    dips = await startDips(storageBackends()[0]!, { clock: () => clock.now });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await dips?.close();
  });

  test('on a phone: account, STEP 01–05, 登録申請; opening the mail moves the page on by itself', async () => {
    const ctx = await phoneContext(browser);
    const page = await ctx.newPage();
    await signUp(page, dips.url, 'phone@example.jp');
    await enterApplication(page, dips.url);
    await shot(page, 'confirm');
    const since = Date.now();
    await apply(page);
    assert.equal(await page.locator('#waiting').getAttribute('aria-live'), 'polite');
    const mail = await dips.mailbox.waitFor('phone@example.jp', { since });
    await confirmMail(ctx, page, mail.text, dips.url);
    assert.match((await page.locator('main').textContent()) ?? '', /有効時間\(5分以内\)/);
    await shot(page, 'precautions');
    await ctx.close();
  });

  test('60 minutes idle: the waiting page notices, the login says why, the procedure restarts with the entries kept', async () => {
    const ctx = await pcContext(browser);
    const page = await ctx.newPage();
    await signUp(page, dips.url, 'idle@example.jp');
    await enterApplication(page, dips.url);
    await apply(page);
    clock.now += 61 * MINUTE;
    // the page polls for the mail check: it finds the session ended and reloads to the login
    await page.waitForURL(/\/login/);
    assert.match((await page.locator('#flash').textContent()) ?? '', /60分以上操作がなかったため/);
    await logIn(page, 'idle@example.jp');
    await page.waitForURL(/\/confirm$/);
    const text = (await page.locator('main').textContent()) ?? '';
    assert.match(text, /もう一度「登録申請」から手続きをやり直してください/);
    assert.match(text, /SN-1111/);
    await shot(page, 'idle-restart');
    // applying again sends a new mail and works as before
    const since = Date.now();
    await apply(page);
    const mail = await dips.mailbox.waitFor('idle@example.jp', { since });
    await confirmMail(ctx, page, mail.text, dips.url);
    await ctx.close();
  });

  test('a second login ends the first one, and the first browser shows why', async () => {
    const pc = await pcContext(browser);
    const phone = await phoneContext(browser);
    const a = await pc.newPage();
    await signUp(a, dips.url, 'two@example.jp');
    await enterApplication(a, dips.url);
    const b = await phone.newPage();
    await b.goto(`${dips.url}/login`);
    await logIn(b, 'two@example.jp');
    await b.waitForSelector('h1:text("メインメニュー")');
    await a.getByRole('link', { name: '登録申請' }).click();
    await a.waitForURL(/\/login/);
    assert.match(
      (await a.locator('#flash').textContent()) ?? '',
      /別の端末（ブラウザ）からログインされたため/,
    );
    await shot(a, 'superseded');
    await pc.close();
    await phone.close();
  });

  test('back and reload during the verification show where it stands', async () => {
    const ctx = await pcContext(browser);
    const page = await ctx.newPage();
    await signUp(page, dips.url, 'back@example.jp');
    const base = await enterApplication(page, dips.url);
    await apply(page);
    await page.goBack(); // the 登録申請 dialog
    await page.goBack(); // STEP 05
    await page.waitForURL(/\/verify$/);
    assert.match((await page.locator('#flash').textContent()) ?? '', /本人確認の手続き中です/);
    await page.reload();
    assert.match((await page.locator('h1').textContent()) ?? '', /メールの到達確認/);
    await page.goto(`${dips.url}${base}/owner`);
    await page.waitForURL(/\/verify$/);
    // stopping to correct keeps everything and returns to STEP 05
    await page.getByRole('button', { name: '手続きを中止して修正する' }).click();
    await page.waitForURL(/\/confirm$/);
    assert.match((await page.locator('main').textContent()) ?? '', /山田 太郎/);
    await ctx.close();
  });

  test('English is one click away and stays', async () => {
    const ctx = await pcContext(browser);
    const page = await ctx.newPage();
    await page.goto(`${dips.url}/`);
    await page.getByRole('link', { name: 'English' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByRole('link', { name: 'Open an account' }).click();
    await page.getByRole('button', { name: 'Open the account' }).click();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /Enter Name\./);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
    await ctx.close();
  });
});
