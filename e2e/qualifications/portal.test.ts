import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { type QualificationsSystem, STAFF_PASSWORD, startQualificationsSystem } from './system.ts';

// jsqr is a UMD bundle whose module.exports is the function itself
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;
const SHOTS = process.env.HONNIN_SCREENSHOTS; // a folder: save pages to look at them
const PNG_FILE = {
  name: '登録証.png',
  mimeType: 'image/png',
  buffer: PNG.sync.write(new PNG({ width: 4, height: 4 })),
};

async function shot(page: Page, name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The platform's sandbox screen: pick a test card and the normal outcome. */
async function testResponse(page: Page, card = 'test-card-1') {
  await page.waitForSelector('form[action$="/test-response"]');
  await page.check(`input[name=card][value=${card}]`);
  await page.check('input[name=outcome][value=normal]');
  await page.locator('form[action$="/test-response"] button[type=submit]').click();
}

/** ③④ 読み取る: the sandbox answers for the card; ⑧ shows the 4 items. */
async function readCard(page: Page) {
  await page.getByRole('button', { name: '読み取る' }).click();
  await testResponse(page);
  await page.waitForURL(/\/info$/);
}

/** ⑪ consent and ⑫–⑮ the signature (the sandbox answering): the application is filed. */
async function consentAndSign(page: Page) {
  await page.getByLabel('上記に同意する').check();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('button', { name: '読み取る' }).click();
  await testResponse(page);
  await page.waitForURL(/\/done$/);
}

const backend = storageBackends()[0]!;

describe('national qualifications in the browser', { skip: browserSkip() }, () => {
  let sys: QualificationsSystem;
  let browser: Browser;
  let holder: BrowserContext;
  let staff: BrowserContext;
  let verifier: BrowserContext;
  let page: Page;
  let certificateUrl = '';

  before(async () => {
    sys = await startQualificationsSystem(backend);
    browser = await launchBrowser();
    holder = await phoneContext(browser);
    staff = await pcContext(browser);
    verifier = await phoneContext(browser);
    for (const c of [holder, staff, verifier]) c.setDefaultTimeout(20_000);
    page = await holder.newPage();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
  });

  const staffPage = async () => {
    const p = await staff.newPage();
    await p.goto(`${sys.urls.portal}/staff`);
    if (p.url().endsWith('/staff/login')) {
      await p.fill('#f-password', STAFF_PASSWORD);
      await p.getByRole('button', { name: 'ログイン' }).click();
    }
    return p;
  };

  /** Opens the QR's URL as a verifier would, presses 「検証実施」 and reads the verdict. */
  const verify = async (url: string) => {
    const p = await verifier.newPage();
    await p.goto(url);
    await p.getByRole('button', { name: '検証実施' }).click();
    const verdict = (await p.locator('#verdict').textContent())?.trim() ?? '';
    await p.close();
    return verdict;
  };

  test('login with the card through the identity platform', async () => {
    await page.goto(sys.urls.portal);
    await shot(page, '01-top');
    await page.getByRole('button', { name: '登録・ログイン' }).click();
    await testResponse(page);
    await page.waitForURL(`${sys.urls.portal}/qualifications`);
    assert.equal(await page.locator('h1').textContent(), '国家資格');
  });

  test('initial registration: catalogue, status, card read, details with an attachment, consent, signature', async () => {
    await page.getByRole('link', { name: '資格を追加する' }).click();
    await page.getByRole('link', { name: '社会福祉士' }).click();
    await page.getByRole('button', { name: '手続きをはじめる' }).click();
    await page.getByLabel('資格管理団体へ登録している').check();
    await page.getByRole('button', { name: '次へ' }).click();
    await readCard(page);
    assert.match((await page.locator('main').textContent()) ?? '', /試験　太郎/);
    await shot(page, '02-info');
    await page.getByRole('link', { name: '次へ' }).click();
    // nothing entered: the errors are listed and nothing is lost
    await page.getByRole('button', { name: '次へ' }).click();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /登録番号/);
    // a file of the wrong type is refused with a clear message
    await page.fill('#f-registrationNumber', '１２３４５６');
    await page.fill('#f-registrationDate', '2010-04-01');
    await page.setInputFiles('#f-files', {
      name: 'memo.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('hello'),
    });
    await page.getByRole('button', { name: '次へ' }).click();
    assert.match((await page.locator('.error-summary').textContent()) ?? '', /PDF、JPEG、PNG/);
    await page.setInputFiles('#f-files', PNG_FILE);
    await shot(page, '03-details');
    await page.getByRole('button', { name: '次へ' }).click();
    await page.waitForURL(/\/review$/);
    const review = (await page.locator('main').textContent()) ?? '';
    assert.match(review, /123456/);
    assert.match(review, /登録証\.png/);
    await page.getByRole('link', { name: '次へ' }).click();
    await consentAndSign(page);
    assert.match((await page.locator('[role=status]').first().textContent()) ?? '', /申請を受け付けました/);
    await shot(page, '04-done');
  });

  test('the managing body approves; the holder downloads the certificate, its QR and PDF', async () => {
    const s = await staffPage();
    await s.getByRole('link', { name: '初期設定申請' }).first().click();
    assert.match((await s.locator('main').textContent()) ?? '', /登録証\.png/);
    await s.getByRole('button', { name: '承認する（資格者証を発行）' }).click();
    assert.match((await s.locator('#flash').textContent()) ?? '', /承認/);
    // a staff session is no holder's
    await s.goto(`${sys.urls.portal}/qualifications`);
    assert.equal(new URL(s.url()).pathname, '/staff');
    await s.close();

    await page.goto(`${sys.urls.portal}/qualifications`);
    await page.getByRole('link', { name: '社会福祉士' }).click();
    await page.getByRole('link', { name: 'デジタル資格者証をダウンロードする' }).click();
    await page.waitForURL(/\/certificate$/);
    await shot(page, '05-certificate');
    certificateUrl = (await page.locator('#certificate-link').getAttribute('href')) ?? '';
    assert.ok(certificateUrl.startsWith(`${sys.urls.verify}/w/?c=`));
    // what the QR image holds is exactly that URL
    const src = (await page.locator('#certificate-qr').getAttribute('src')) ?? '';
    const png = PNG.sync.read(Buffer.from(src.split(',')[1]!, 'base64'));
    const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    assert.equal(qr?.data, certificateUrl);
    const pdf = await page.request.get(`${sys.urls.portal}/qualifications/0101/certificate.pdf`);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  });

  test('the verifier scans the QR and presses 「検証実施」: 有効です with the registered items', async () => {
    const p = await verifier.newPage();
    await p.goto(certificateUrl);
    await p.getByRole('button', { name: '検証実施' }).click();
    assert.equal((await p.locator('#verdict').textContent())?.trim(), '有効です');
    const items = (await p.locator('dl.summary').textContent()) ?? '';
    assert.match(items, /社会福祉士/);
    assert.match(items, /試験　太郎/);
    assert.match(items, /123456/);
    await shot(p, '06-valid');
    // pasted, tampered and foreign contents end on the same page with a reason
    await p.goto(`${sys.urls.verify}/w/`);
    await p.fill('#f-checkdata', `${certificateUrl.slice(0, -12)}AAAAAAAAAAAA`);
    await p.getByRole('button', { name: '検証実施' }).click();
    assert.equal((await p.locator('#verdict').textContent())?.trim(), '無効です（改ざんされています）');
    await p.goto(`${sys.urls.verify}/w/`);
    await p.fill('#f-checkdata', 'https://example.com/not-a-certificate');
    await p.getByRole('button', { name: '検証実施' }).click();
    assert.match(
      (await p.locator('#verdict').textContent()) ?? '',
      /^無効です（デジタル資格者証の二次元コードではありません）/,
    );
    await p.goto(`${sys.urls.verify}/w/?c=AAEC`);
    await p.getByRole('button', { name: '検証実施' }).click();
    assert.match((await p.locator('#verdict').textContent()) ?? '', /^無効です（/);
    await shot(p, '07-invalid');
    await p.close();
  });

  test('suspend, resume, reissue, revoke and delete: 無効です with each reason', async () => {
    const s = await staffPage();
    await s.goto(`${sys.urls.portal}/staff/certificates`);
    await s.locator('tbody a').first().click();
    const act = async (name: string) => {
      await s.getByRole('button', { name, exact: true }).click();
      await s.waitForLoadState();
    };
    await act('一時停止');
    assert.equal(await verify(certificateUrl), '無効です（一時停止されています）');
    await act('一時停止の解除');
    assert.equal(await verify(certificateUrl), '有効です');
    await act('再交付');
    assert.equal(await verify(certificateUrl), '無効です（再交付により無効になりました）');
    // the holder's page now shows the new certificate, which is valid
    await page.goto(`${sys.urls.portal}/qualifications/0101/certificate`);
    const reissued = (await page.locator('#certificate-link').getAttribute('href')) ?? '';
    assert.notEqual(reissued, certificateUrl);
    assert.equal(await verify(reissued), '有効です');
    await act('取消');
    assert.equal(await verify(reissued), '無効です（資格が取り消されています）');
    await act('削除');
    assert.equal(await verify(reissued), '無効です（削除されています）');
    await s.close();
  });

  test('change procedure (書換交付) with online payment, then approval replaces the certificate', async () => {
    // a fresh certificate to replace
    const s = await staffPage();
    await s.goto(`${sys.urls.portal}/staff/certificates`);
    const before = await sys.service.registry.certificates.list();
    const regId = before[0]!.registrationId;
    const current = await sys.service.registry.certificates.issue(regId);
    assert.equal(await verify(current.url), '有効です');

    await page.goto(`${sys.urls.portal}/qualifications/0101`);
    await page.getByRole('link', { name: '登録情報を変更する' }).click();
    await page.getByLabel('書換交付').check();
    await page.getByRole('button', { name: '次へ' }).click();
    await readCard(page);
    await page.getByRole('link', { name: '次へ' }).click();
    await page.selectOption('#f-domicilePrefecture', '大阪府');
    await page.getByLabel('本籍地の変更').check();
    await page.fill('#f-changeDate', '2026-01-15');
    await page.setInputFiles('#f-files', PNG_FILE);
    await page.getByRole('button', { name: '次へ' }).click();
    await page.waitForURL(/\/review$/);
    assert.match((await page.locator('main').textContent()) ?? '', /大阪府/);
    await page.getByRole('link', { name: '次へ' }).click();
    await consentAndSign(page);
    assert.match((await page.locator('main').textContent()) ?? '', /手数料（1,000円）のお支払いが必要です/);

    // ⑤ online payment: pending list → method → confirm → agree → start → card → check → pay → receipt
    await page.goto(`${sys.urls.portal}/payments`);
    assert.match((await page.locator('main').textContent()) ?? '', /決済待ち/);
    await page.getByRole('link', { name: '書換交付申請' }).click();
    await page.getByRole('link', { name: '決済する' }).click();
    await page.getByRole('link', { name: 'クレジットカードでのお支払' }).click();
    await page.getByRole('link', { name: 'お支払い方法を確定する' }).click();
    await page.getByRole('link', { name: '同意する' }).click();
    await page.getByRole('button', { name: '手続を開始する' }).click();
    await page.waitForURL(new RegExp(`^${sys.urls.payment}/checkout/`));
    await shot(page, '08-card');
    await page.fill('#f-number', '4111 1111 1111 1112');
    await page.fill('#f-expMonth', '12');
    await page.fill('#f-expYear', '20');
    await page.fill('#f-cvc', '12');
    await page.fill('#f-holder', 'TARO SHIKEN');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    const errors = (await page.locator('.error-summary').textContent()) ?? '';
    assert.match(errors, /カード番号が正しくありません/);
    assert.match(errors, /有効期限/);
    assert.match(errors, /セキュリティコード/);
    await page.fill('#f-number', '4111 1111 1111 1111');
    await page.fill('#f-expYear', String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0'));
    await page.fill('#f-cvc', '123');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    assert.match((await page.locator('main').textContent()) ?? '', /\*\*\*\* \*\*\*\* \*\*\*\* 1111/);
    await page.getByRole('button', { name: 'お支払いを実行' }).click();
    await page.waitForURL(/\/receipt$/);
    assert.equal(await page.locator('h1').textContent(), 'お支払完了');
    assert.match((await page.locator('main').textContent()) ?? '', /VISA \*\*\*\* 1111/);
    await shot(page, '09-receipt');

    // the managing body approves: a new certificate replaces the old one
    await s.goto(`${sys.urls.portal}/staff`);
    await s.getByRole('link', { name: '書換交付申請' }).first().click();
    await s.getByRole('button', { name: '承認する（資格者証を発行）' }).click();
    // closing a page while its navigation commits can hang Chromium (playwright#42068): wait for the answer
    await s.getByText('承認し、デジタル資格者証を発行しました。').waitFor();
    await s.close();
    assert.equal(await verify(current.url), '無効です（再交付により無効になりました）');
    await page.goto(`${sys.urls.portal}/qualifications/0101/certificate`);
    const renewed = (await page.locator('#certificate-link').getAttribute('href')) ?? '';
    assert.equal(await verify(renewed), '有効です');
  });
});
