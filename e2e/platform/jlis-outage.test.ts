import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { registerRelyingParty } from '../support/honnin.ts';
import { stopPart } from '../support/part-restart.ts';
import { addPlatformAuthenticator } from '../support/passkeys.ts';
import { scanQr } from '../support/qr.ts';
import { DemoRelyingParty } from '../support/relying-party.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

/**
 * The app in Chromium when J-LIS cannot be asked during a login: it says so
 * (Japanese, or English when chosen) instead of failing blank, offers to read
 * the same card again — which completes the login once J-LIS is back — or to
 * give up, which the service learns as temporarily_unavailable.
 */
describe('the app when J-LIS is unreachable', { skip: browserSkip() }, () => {
  let system: TestSystem;
  let rp: DemoRelyingParty;
  let browser: Browser;
  let pcs: BrowserContext;
  let phone: Page;

  before(async () => {
    system = await startTestSystem({ parts: ['jlis', 'cards', 'platform'] });
    rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000721');
    await registerRelyingParty(system, rp);
    browser = await launchBrowser();
    pcs = await pcContext(browser);
    phone = await (await phoneContext(browser)).newPage();
    await addPlatformAuthenticator(phone);
  });
  after(async () => {
    await browser?.close();
    await rp?.close();
    await system?.close();
  });

  const button = (p: Page, name: string) => p.getByRole('button', { name, exact: true });

  async function tap(p: Page) {
    await p.locator('#card-picker input[name=card]').first().waitFor();
    await p.getByText('デモ1', { exact: false }).click();
    await p.locator('#read-start').click();
  }

  /** The PC shows the QR; the phone opens it (registering once), unlocks; the PC types the number. */
  async function startAndBind() {
    const pc = await pcs.newPage();
    const { url, result } = await rp.authorize({ scope: 'openid' });
    await pc.goto(url.href);
    await pc.locator('#qr svg').waitFor();
    await phone.goto(await scanQr(pc.locator('#qr')));
    const first = await phone.waitForFunction(() => {
      const title = document.getElementById('title')?.textContent ?? '';
      return /利用登録の開始|Register the app|ロック解除|Unlock/.test(title) ? title : undefined;
    });
    if (/利用登録|Register/.test(String(await first.jsonValue()))) {
      await phone.locator('.actions button').first().click(); // 次へ
      await phone.locator('.actions button').first().click(); // はじめる
      await phone.locator('input[type=checkbox]').check();
      await phone.locator('.actions button').first().click();
      await phone.locator('input[type=checkbox]').check();
      await phone.locator('.actions button').first().click();
      await phone.locator('#set-up-unlock').click();
      await phone.locator('.actions button').first().click(); // card and PIN ready
      await phone.locator('#pin').fill('1234');
      await phone.locator('form button[type=submit]').click();
      await tap(phone);
      await phone.locator('#registration-done').click();
    }
    await phone.locator('#unlock').click();
    const number = (await phone.locator('#binding-number').innerText()).trim();
    await pc.locator('input[inputmode=numeric]').fill(number);
    await pc.locator('form button[type=submit]').first().click();
    await phone.locator('#steps-next').click();
    await phone.locator('#pin').fill('1234');
    await phone.locator('form button[type=submit]').click();
    return { pc, result };
  }

  test('日本語: 確認できない旨と「もう一度確認する」; J-LIS が戻れば同じカードで認証が完了する', async () => {
    await phone.goto(`${system.urls.platform}/app?lang=ja`);
    const { pc, result } = await startAndBind();
    const restart = await stopPart(system, 'jlis');
    try {
      await tap(phone);
      await phone.getByRole('heading', { name: '電子証明書の有効性を確認できませんでした' }).waitFor();
      assert.match(await phone.locator('#unavailable').innerText(), /同じカードでもう一度/);
      assert.equal(await phone.locator('#unavailable').getAttribute('data-code'), 'revocation_unavailable');
    } finally {
      await restart();
    }
    await button(phone, 'もう一度確認する').click();
    await tap(phone);
    await phone.getByRole('heading', { name: 'サービスへの認証を許可' }).waitFor();
    await button(phone, '許可').click();
    await pc.getByRole('button', { name: '利用中のサービスへ戻る' }).click();
    const r = await result;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
  });

  test('English: the same screen in English; Cancel reaches the service as temporarily_unavailable', async () => {
    await phone.goto(`${system.urls.platform}/app?lang=en`);
    const { pc, result } = await startAndBind();
    const restart = await stopPart(system, 'jlis');
    try {
      await tap(phone);
      await phone.getByRole('heading', { name: 'The certificate could not be checked' }).waitFor();
      assert.match(await phone.locator('#unavailable').innerText(), /read the same card again/);
      await button(phone, 'Cancel').click();
      await phone.locator('#outcome').waitFor();
      assert.equal(await phone.locator('#outcome').getAttribute('data-code'), 'revocation_unavailable');
    } finally {
      await restart();
    }
    await pc.locator('form[action$="/finish"] button').click();
    const r = await result;
    assert.equal(r.error, 'temporarily_unavailable');
    assert.equal(r.errorCode, 'revocation_unavailable');
  });
});
