import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSkip, launchBrowser, pcContext, phoneContext } from '../support/browser.ts';
import { credential, registerRelyingParty } from '../support/honnin.ts';
import { addPlatformAuthenticator } from '../support/passkeys.ts';
import { scanQr } from '../support/qr.ts';
import { DemoRelyingParty, type FlowResult } from '../support/relying-party.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

/**
 * The citizen's side in Chromium, as seed 002 walks through it: the service's
 * page on a PC and the app on a phone in two browser contexts. The QR code is
 * read from the rendered image, the 6-digit number typed on the PC, PINs
 * entered, the virtual card tapped; the phone's device unlock is a virtual
 * platform authenticator. Set HONNIN_SCREENSHOTS=<dir> to keep screenshots.
 */
const shots = process.env.HONNIN_SCREENSHOTS;
if (shots) mkdirSync(shots, { recursive: true });
const snap = async (page: Page, name: string) => {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
};

describe('citizen flows in Chromium', { skip: browserSkip() }, () => {
  let system: TestSystem;
  let rp: DemoRelyingParty;
  let browser: Browser;
  let pcs: BrowserContext;
  let phones: BrowserContext;
  let phone: Page;

  before(async () => {
    // the card host speaks the local bridge's protocol: it stands in for a PC's card reader
    system = await startTestSystem({
      parts: ['jlis', 'cards', 'platform'],
      config: (urls) => ({ platform: { qrSeconds: 20, readerBridgeUrl: urls.cards } }),
    });
    rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000601');
    await registerRelyingParty(system, rp);
    browser = await launchBrowser();
    pcs = await pcContext(browser);
    phones = await phoneContext(browser);
    phone = await phones.newPage();
    await addPlatformAuthenticator(phone);
  });
  after(async () => {
    await browser?.close();
    await rp?.close();
    await system?.close();
  });

  const read = async (p: Page) => p.locator('#title').innerText();
  const next = (p: Page, name: string | RegExp) =>
    p.getByRole('button', { name, exact: typeof name === 'string' });

  /** Taps the demo card (by its label) in the app's read screen. */
  async function tap(p: Page, card: string) {
    await p.getByRole('heading', { name: 'マイナンバーカードの読み取り' }).waitFor();
    await p.getByText(card, { exact: false }).click();
    await next(p, '読み取り開始').click();
  }

  /** Types a PIN on the app's PIN screen. */
  async function pin(p: Page, value: string) {
    await p.locator('#pin').fill(value);
    await next(p, '次へ').click();
  }

  /** 利用登録 (seed 002 「利用登録の方法」 1–9), from wherever the app sent the phone. */
  async function register(p: Page, card = 'デモ1', authPin = '1234') {
    await p.getByRole('heading', { name: '利用登録の開始' }).waitFor();
    await snap(p, 'app-01-registration-start');
    await next(p, '次へ').click();
    await p.getByRole('heading', { name: '登録手順の確認' }).waitFor();
    await next(p, 'はじめる').click();
    await p.getByRole('heading', { name: '利用規約の確認' }).waitFor();
    await next(p, '次へ').click();
    assert.match(await p.locator('[aria-live=assertive]').innerText(), /チェック/, 'agreeing is required');
    await p.getByLabel('利用規約に同意する').check();
    await next(p, '次へ').click();
    await p.getByLabel('プライバシーポリシーに同意する').check();
    await snap(p, 'app-02-privacy');
    await next(p, '次へ').click();
    await p.getByRole('heading', { name: '生体認証またはパスコードの設定' }).waitFor();
    await next(p, '設定').click();
    await p.getByRole('heading', { name: 'マイナンバーカードと暗証番号の用意' }).waitFor();
    await next(p, '次へ').click();
    await p.getByRole('heading', { name: '利用者証明用電子証明書の暗証番号の入力' }).waitFor();
    assert.match(await p.locator('#pin-warning').innerText(), /3回連続/);
    await pin(p, authPin);
    await tap(p, card);
    await p.getByRole('heading', { name: 'アプリの利用登録完了' }).waitFor();
    await snap(p, 'app-03-registered');
  }

  /** The service's page on the PC: open the authorization, read the QR as a camera would. */
  async function startOnPc(opts: Parameters<DemoRelyingParty['authorize']>[0] = {}) {
    const pc = await pcs.newPage();
    const { url, result } = await rp.authorize(opts);
    await pc.goto(url.href);
    await pc.locator('#qr svg').waitFor();
    return { pc, result, link: await scanQr(pc.locator('#qr')) };
  }

  /** The phone opens the QR link, unlocks, shows the number; the PC types it and moves on. */
  async function bind(pc: Page, link: string) {
    await phone.goto(link);
    // the app registers first when this phone never did (seed 002: 利用登録を行います)
    const first = await phone.waitForFunction(() => {
      const title = document.getElementById('title')?.textContent ?? '';
      return /利用登録の開始|ロック解除/.test(title) ? title : undefined;
    });
    if ((await first.jsonValue()) === '利用登録の開始') {
      await register(phone);
      await next(phone, '手続きを続ける').click();
    }
    await phone.getByRole('heading', { name: 'ロック解除' }).waitFor();
    await next(phone, 'ロックを解除する').click();
    const number = (await phone.locator('#binding-number').innerText()).trim();
    assert.match(number, /^\d{6}$/);
    assert.match(
      await phone.locator('.origin').first().innerText(),
      new RegExp(rp.url.replace(/[/.]/g, '\\$&')),
    );
    await snap(phone, 'app-04-binding-number');
    await pc.getByLabel('6桁の数字').waitFor();
    await snap(pc, 'pc-02-binding');
    await pc.getByLabel('6桁の数字').fill(number);
    await pc.getByRole('button', { name: '次へ' }).click();
    return number;
  }

  async function result(pc: Page, pending: Promise<FlowResult>): Promise<FlowResult> {
    await pc.getByRole('button', { name: '利用中のサービスへ戻る' }).click();
    await pc.locator('#result').waitFor();
    return pending;
  }

  test('PC + phone: QR from the screen, the 6-digit number, PINs, the card, consent (4 items)', async () => {
    const { pc, link, result: pending } = await startOnPc();
    assert.equal(await read(pc), 'スマートフォンで二次元コードを読み取ってください');
    assert.match(await pc.locator('.seconds').innerText(), /有効期限まであと \d+ 秒/);
    await snap(pc, 'pc-01-qr');
    assert.match(link, /\/app\/pair\?f=/);
    await bind(pc, link);
    // the PC page follows the app by itself
    await pc.getByText('スマートフォンのデジタル認証アプリで操作を続けてください').waitFor();
    await phone.getByRole('heading', { name: '認証手順の確認' }).waitFor();
    await snap(phone, 'app-05-steps');
    await next(phone, 'はじめる').click();
    await pin(phone, '1234');
    await phone.getByRole('heading', { name: '券面事項入力補助用の暗証番号の入力' }).waitFor();
    await pin(phone, '1234');
    await tap(phone, 'デモ1');
    await phone.getByRole('heading', { name: 'サービスへの認証を許可' }).waitFor();
    const items = await phone.locator('#consent-items').innerText();
    assert.match(items, /氏名：黒桐　幹也/);
    assert.match(items, /生年月日：1980-02-17/);
    assert.equal(await phone.locator('#consent-service').innerText(), 'デモサービス');
    await snap(phone, 'app-06-consent');
    await next(phone, '許可').click();
    await phone.getByRole('heading', { name: '認証が完了' }).waitFor();
    await pc.getByRole('heading', { name: '認証が完了しました' }).waitFor();
    await snap(pc, 'pc-03-done');
    const r = await result(pc, pending);
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    assert.equal(r.userinfo!.name, '黒桐　幹也');
    assert.deepEqual(r.userinfo!.address, { formatted: '東京都千代田区千代田１－１' });
    // replaying the redirect: the authorization code works once
    const replay = await pcs.newPage();
    await replay.goto(r.callbackUrl);
    assert.match(await replay.locator('#outcome').innerText(), /invalid_grant/);
  });

  test('signing: the document, consent, the signature password, the card; the service gets the signature', async () => {
    const id = await rp.createSignTransaction({
      digest: Buffer.alloc(32, 7).toString('base64'),
      document: { name: '登録申請書.pdf', title: '無人航空機の登録申請' },
    });
    const { pc, link, result: pending } = await startOnPc({ scope: 'openid sign', signTransactionId: id });
    await bind(pc, link);
    await phone.getByRole('heading', { name: '署名手順の確認' }).waitFor();
    await next(phone, '次へ').click();
    await phone.getByRole('heading', { name: '署名する対象の確認' }).waitFor();
    assert.equal(await phone.locator('#document-name').innerText(), '無人航空機の登録申請（登録申請書.pdf）');
    await snap(phone, 'app-11-document');
    await next(phone, '次へ').click();
    await phone.getByRole('heading', { name: 'サービスへの情報共有を許可' }).waitFor();
    await next(phone, '許可').click();
    await phone.getByRole('heading', { name: '署名用電子証明書のパスワードの入力' }).waitFor();
    assert.match(await phone.locator('#pin-warning').innerText(), /5回連続/);
    await pin(phone, 'abc123');
    await tap(phone, 'デモ1');
    await phone.getByRole('heading', { name: '署名が完了' }).waitFor();
    await pc.getByRole('heading', { name: '署名が完了しました' }).waitFor();
    const r = await result(pc, pending);
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    assert.equal(r.signResult!.status, 'completed');
    assert.equal(
      (r.signResult!.verification as { basic_info: { name: string } }).basic_info.name,
      '黒桐　幹也',
    );
  });

  test('English: the app and the service page follow ?lang=en', async () => {
    const { url } = await rp.authorize();
    const pc = await (await pcContext(browser)).newPage();
    await pc.goto(url.href);
    await pc.getByRole('link', { name: 'English' }).click();
    await pc.getByRole('heading', { name: 'Scan the QR code with your smartphone' }).waitFor();
    await snap(pc, 'pc-06-english');
    await phone.goto(`${system.urls.platform}/app?lang=en`);
    await phone.getByRole('heading', { name: 'Home' }).waitFor();
    await phone.goto(`${system.urls.platform}/app?lang=ja`);
  });

  test('three wrong PINs lock the card; the service gets auth_pin_locked', async () => {
    const { pc, link, result: pending } = await startOnPc({ scope: 'openid' });
    await bind(pc, link);
    await next(phone, 'はじめる').click();
    await pin(phone, '9999');
    await tap(phone, 'デモ2');
    await phone.locator('#pin-error.error').waitFor();
    assert.match(await phone.locator('#pin-error').innerText(), /残り2回/);
    await snap(phone, 'app-07-pin-wrong');
    await pin(phone, '9999');
    await tap(phone, 'デモ2');
    assert.match(await phone.locator('#pin-error').innerText(), /次に間違えるとロックされます/);
    await pin(phone, '9999');
    await tap(phone, 'デモ2');
    await phone.locator('#outcome').waitFor();
    assert.equal(await phone.locator('#outcome').getAttribute('data-code'), 'auth_pin_locked');
    await pc.locator('#outcome').waitFor();
    assert.equal(await pc.locator('#outcome').getAttribute('data-code'), 'auth_pin_locked');
    await snap(pc, 'pc-04-locked');
    const r = await result(pc, pending);
    assert.equal(r.errorCode, 'auth_pin_locked');
    assert.equal(r.error, 'access_denied');
  });

  test('wrong 6-digit numbers: tries left, then the flow ends with binding_failed', async () => {
    const { pc, link, result: pending } = await startOnPc({ scope: 'openid' });
    await phone.goto(link);
    await next(phone, 'ロックを解除する').click();
    await phone.locator('#binding-number').waitFor();
    for (const left of [2, 1]) {
      await pc.getByLabel('6桁の数字').fill('000000');
      await pc.getByRole('button', { name: '次へ' }).click();
      await pc.getByText(`あと ${left} 回入力できます`).waitFor();
    }
    await pc.getByLabel('6桁の数字').fill('000000');
    await pc.getByRole('button', { name: '次へ' }).click();
    await pc.locator('#outcome').waitFor();
    assert.equal(await pc.locator('#outcome').getAttribute('data-code'), 'binding_failed');
    assert.equal((await result(pc, pending)).errorCode, 'binding_failed');
  });

  test('consent refused on the phone reaches the service as consent_refused', async () => {
    const { pc, link, result: pending } = await startOnPc({ scope: 'openid' });
    await bind(pc, link);
    await next(phone, 'はじめる').click();
    await pin(phone, '1234');
    await tap(phone, 'デモ1');
    await next(phone, '許可しない').click();
    await phone.locator('#outcome').waitFor();
    assert.equal((await result(pc, pending)).errorCode, 'consent_refused');
  });

  test('a PC with a card reader: the app steps run on the PC, reading through the bridge', async () => {
    const pc = await pcs.newPage();
    const { url, result: pending } = await rp.authorize({ scope: 'openid gender' });
    await pc.goto(url.href);
    await pc.getByRole('link', { name: 'ICカードリーダーで読み取る' }).click();
    await next(pc, 'はじめる').click();
    await pin(pc, '1234');
    await pin(pc, '1234');
    await pc.getByRole('heading', { name: 'マイナンバーカードの読み取り' }).waitFor();
    assert.match(await pc.locator('legend').innerText(), /カードリーダー/);
    await snap(pc, 'pc-07-reader');
    await tap(pc, 'デモ1');
    await next(pc, '許可').click();
    await pc.getByRole('link', { name: '利用中のサービスへ戻る' }).click();
    await pc.locator('#result').waitFor();
    const r = await pending;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    assert.equal(r.userinfo!.gender, 'male');
  });

  test('phone only: the service opens the app, which returns with a one-time code', async () => {
    const { url, result: pending } = await rp.authorize({ scope: 'openid birthdate' });
    await phone.goto(url.href);
    await snap(phone, 'app-08-service-page-phone');
    await phone.getByRole('link', { name: 'デジタル認証アプリを開く' }).click();
    await next(phone, 'ロックを解除する').click();
    await next(phone, 'はじめる').click();
    await pin(phone, '1234');
    await pin(phone, '1234');
    await tap(phone, 'デモ1');
    await next(phone, '許可').click();
    await phone.getByRole('link', { name: '利用中のサービスへ戻る' }).click();
    await phone.locator('#result').waitFor();
    const r = await pending;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    assert.equal(r.userinfo!.birthdate, '1980-02-17');
  });

  test('a revoked certificate: the app says so and the service gets certificate_revoked', async () => {
    // デモ1's card is reported lost: J-LIS revokes its auth certificate
    const serial = await authSerialOf(system, 'デモ1');
    const revoked = await fetch(`${system.urls.jlis}/admin/certificates/auth/${serial}/revoke`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${credential(system, 'jlis-admin-token')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ reason: 'cessationOfOperation' }),
    });
    assert.equal(revoked.status, 200);
    const { pc, link, result: pending } = await startOnPc({ scope: 'openid' });
    await bind(pc, link);
    await next(phone, 'はじめる').click();
    await pin(phone, '1234');
    await tap(phone, 'デモ1');
    await phone.locator('#outcome').waitFor();
    assert.equal(await phone.locator('#outcome').getAttribute('data-code'), 'certificate_revoked');
    await snap(phone, 'app-09-revoked');
    const r = await result(pc, pending);
    assert.equal(r.errorCode, 'certificate_revoked');
    assert.match(r.errorDescription ?? '', /cessationOfOperation/);
  });
});

describe('the QR code expires', { skip: browserSkip() }, () => {
  let system: TestSystem;
  let rp: DemoRelyingParty;
  let browser: Browser;

  before(async () => {
    system = await startTestSystem({
      parts: ['jlis', 'cards', 'platform'],
      config: { platform: { qrSeconds: 2 } },
    });
    rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000602');
    await registerRelyingParty(system, rp);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rp?.close();
    await system?.close();
  });

  test('an expired QR cannot be opened; 「二次元コードを更新」 shows a new one', async () => {
    const pc = await (await pcContext(browser)).newPage();
    const phone = await (await phoneContext(browser)).newPage();
    const { url } = await rp.authorize();
    await pc.goto(url.href);
    await pc.locator('#qr svg').waitFor();
    const stale = await scanQr(pc.locator('#qr'));
    await pc.getByText('二次元コードの有効期限が切れました。').waitFor();
    await snap(pc, 'pc-05-qr-expired');
    await phone.goto(stale);
    assert.equal(await phone.locator('[data-code]').getAttribute('data-code'), 'qr_expired');
    await snap(phone, 'app-10-qr-expired');
    await pc.getByRole('button', { name: '二次元コードを更新' }).click();
    await pc.locator('#qr:not(.expired) svg').waitFor();
    const fresh = await scanQr(pc.locator('#qr'));
    assert.notEqual(fresh, stale);
    await phone.goto(fresh);
    await phone.getByRole('heading', { name: '利用登録の開始' }).waitFor();
  });
});

/** The auth certificate serial of a demo card, read through a tap (as any reader could). */
async function authSerialOf(system: TestSystem, prefix: string): Promise<string> {
  const { tapSession } = await import('../support/honnin.ts');
  const { JpkiClient } = await import('@honnin/card/client');
  const { parseCertificate, TEST_POLICIES } = await import('@honnin/jpki');
  const session = await tapSession(system, prefix);
  const transport = await session.transport();
  try {
    return parseCertificate(await new JpkiClient(transport).readAuthCertificate(), {
      policies: TEST_POLICIES,
    }).serial;
  } finally {
    await transport.close();
  }
}
