import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jsQRModule from 'jsqr';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { browserSkip, launchBrowser, pcContext } from '../support/browser.ts';
import { type CardSession, CitizenPhone } from '../support/citizen.ts';
import { tapSession } from '../support/honnin.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

// jsqr is a UMD bundle whose module.exports is the function itself
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const STAFF = 'staff-password-card-e2e';

/**
 * The whole honnin as `honnin start` runs it (J-LIS, the card host, the
 * platform with the demo client RP00000002, the CA, the payment provider, the
 * qualification system, the verification page): the holder uses the portal on
 * a PC in Chromium, and a phone (the app's API, the same card-reading code)
 * reads the QR off the screen and reads the demo card デモ1 — real JPKI
 * logins and signatures, checked by J-LIS.
 */
describe('national qualifications with a real (virtual) card', { skip: browserSkip() }, () => {
  let system: TestSystem;
  let browser: Browser;
  let page: Page;
  let phone: CitizenPhone;
  let card: CardSession;

  before(async () => {
    system = await startTestSystem({
      parts: ['jlis', 'cards', 'platform', 'gpki', 'payment', 'qualifications', 'verify'],
      config: { qualifications: { staffPassword: STAFF } },
    });
    card = await tapSession(system, 'デモ1');
    phone = new CitizenPhone(system.urls.platform!);
    await phone.register(card);
    browser = await launchBrowser();
    page = await (await pcContext(browser)).newPage();
  });
  after(async () => {
    await browser?.close();
    await system?.close();
  });

  /**
   * The platform's PC page: the phone scans the QR on the screen, the PC gets
   * the 6-digit number, the phone reads the card (and consents), the PC page
   * moves on by itself and goes back to the service.
   */
  async function withPhone(kind: 'login' | 'card-info' | 'sign') {
    const qr = page.locator('#qr svg');
    await qr.waitFor();
    const png = PNG.sync.read(await page.locator('#qr').screenshot());
    const link = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    assert.ok(link, 'the QR on the screen decodes');
    const flowId = await phone.openQr(link);
    const unlocked = await phone.unlock(flowId);
    await page.fill('#binding-number', unlocked.bindingNumber!);
    await page.locator('#binding-number').press('Enter');
    // the phone goes on once the platform has taken the number (the PC page then drops the field)
    await page.locator('#binding-number').waitFor({ state: 'detached' });
    if (kind === 'sign') {
      await phone.consent(flowId);
      const signed = await phone.readForSignature(flowId, card);
      assert.equal(signed.view?.stage, 'done', JSON.stringify(signed.card));
    } else {
      const read = await phone.readForLogin(
        flowId,
        card,
        kind === 'card-info' ? { cardInfoPin: card.cardInfoPin } : {},
      );
      assert.ok(read.view, JSON.stringify(read.card));
      await phone.consent(flowId);
    }
    await page.locator('form[action$="/finish"] button').click();
  }

  test('login, registration with the card-info read and the signature password, approval, 有効です', async () => {
    const portal = system.urls.qualifications!;
    await page.goto(portal);
    await page.getByRole('button', { name: '登録・ログイン' }).click();
    await withPhone('login');
    await page.waitForURL(`${portal}/qualifications`);

    await page.getByRole('link', { name: '資格を追加する' }).click();
    await page.getByRole('link', { name: '公認心理師' }).click();
    await page.getByRole('button', { name: '手続きをはじめる' }).click();
    await page.getByLabel('資格管理団体へ登録している').check();
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByRole('button', { name: '読み取る' }).click();
    await withPhone('card-info');
    await page.waitForURL(/\/info$/);
    assert.match((await page.locator('main').textContent()) ?? '', /黒桐　幹也/);
    await page.getByRole('link', { name: '次へ' }).click();
    await page.fill('#f-registrationNumber', '98765');
    await page.fill('#f-registrationDate', '2019-09-15');
    await page.setInputFiles('#f-files', {
      name: 'registration.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByRole('link', { name: '次へ' }).click();
    await page.getByLabel('上記に同意する').check();
    await page.getByRole('button', { name: '次へ' }).click();
    await page.getByRole('button', { name: '読み取る' }).click();
    await withPhone('sign');
    await page.waitForURL(/\/done$/);

    // the platform verified the signature with J-LIS; the reviewer sees its result
    const staff = await browser.newPage();
    await staff.goto(`${portal}/staff/login`);
    await staff.fill('#f-password', STAFF);
    await staff.getByRole('button', { name: 'ログイン' }).click();
    await staff.getByRole('link', { name: '初期設定申請' }).first().click();
    const evidence = (await staff.locator('main').textContent()) ?? '';
    assert.match(evidence, /署名者黒桐　幹也（1980-02-17）/);
    assert.match(evidence, /失効確認good \(ocsp\)/);
    await staff.getByRole('button', { name: '承認する（資格者証を発行）' }).click();
    await staff.getByText('承認し、デジタル資格者証を発行しました。').waitFor();

    await page.goto(`${portal}/qualifications/0201/certificate`);
    const url = (await page.locator('#certificate-link').getAttribute('href')) ?? '';
    assert.ok(url.startsWith(`${system.urls.verify}/w/?c=`));
    const verifier = await browser.newPage();
    await verifier.goto(url);
    await verifier.getByRole('button', { name: '検証実施' }).click();
    assert.equal((await verifier.locator('#verdict').textContent())?.trim(), '有効です');
    assert.match((await verifier.locator('dl.summary').textContent()) ?? '', /公認心理師/);
  });
});
