import type { Page } from 'playwright-core';

/**
 * The citizen's app of the identity platform (デジタル認証アプリ, seed 002) in a
 * browser page, as the drone registration tests need it: registration, device
 * unlock, the steps of a signature (seed 000 ②③) and of a login (④), PINs,
 * and holding a demo card (or the card in the PC's reader) to it.
 */
const button = (p: Page, name: string | RegExp) =>
  p.getByRole('button', { name, exact: typeof name === 'string' });
const heading = (p: Page, name: string) => p.getByRole('heading', { name }).waitFor();

/** Reads the card: picks the demo card by its label (phone), or the reader (PC), and starts. */
export async function tap(p: Page, card?: string): Promise<void> {
  await heading(p, 'マイナンバーカードの読み取り');
  if (card) await p.getByText(card, { exact: false }).click();
  await button(p, '読み取り開始').click();
}

export async function pin(p: Page, value: string): Promise<void> {
  await p.locator('#pin').fill(value);
  await button(p, '次へ').click();
}

/** 利用登録 with the card's 4-digit PIN (the first time the app is used on this device). */
export async function registerApp(p: Page, card: string, authPin: string): Promise<void> {
  await heading(p, '利用登録の開始');
  await button(p, '次へ').click();
  await button(p, 'はじめる').click();
  await p.getByLabel('利用規約に同意する').check();
  await button(p, '次へ').click();
  await p.getByLabel('プライバシーポリシーに同意する').check();
  await button(p, '次へ').click();
  await button(p, '設定').click();
  await heading(p, 'マイナンバーカードと暗証番号の用意');
  await button(p, '次へ').click();
  await pin(p, authPin);
  await tap(p, card);
  await heading(p, 'アプリの利用登録完了');
  await button(p, '手続きを続ける').click();
}

/** Opens a flow in the app: registers first if needed, then the device unlock. */
export async function openInApp(p: Page, card: string, authPin: string): Promise<void> {
  const first = await p.waitForFunction(() => {
    const title = document.getElementById('title')?.textContent ?? '';
    return /利用登録の開始|ロック解除/.test(title) ? title : undefined;
  });
  if ((await first.jsonValue()) === '利用登録の開始') await registerApp(p, card, authPin);
  await heading(p, 'ロック解除');
  await button(p, 'ロックを解除する').click();
}

/** ②/③ in the app: the steps, the document, consent, the signature password, the card. */
export async function signInApp(p: Page, password: string, card?: string): Promise<string> {
  await heading(p, '署名手順の確認');
  await button(p, '次へ').click();
  await heading(p, '署名する対象の確認');
  const document = await p.locator('#document-name').innerText();
  await button(p, '次へ').click();
  await heading(p, 'サービスへの情報共有を許可');
  await button(p, '許可').click();
  await heading(p, '署名用電子証明書のパスワードの入力');
  await pin(p, password);
  await tap(p, card);
  await heading(p, '署名が完了');
  return document;
}

/** ④ in the app: the steps, the 4-digit PIN (wrong ones first, if given), the card, consent. */
export async function authenticateInApp(p: Page, authPin: string, card?: string, wrongPins: string[] = []) {
  await heading(p, '認証手順の確認');
  await button(p, 'はじめる').click();
  const errors: string[] = [];
  for (const wrong of wrongPins) {
    await pin(p, wrong);
    await tap(p, card);
    await p.locator('#pin-error.error').waitFor();
    errors.push(await p.locator('#pin-error').innerText());
  }
  await pin(p, authPin);
  await tap(p, card);
  await heading(p, 'サービスへの認証を許可');
  await button(p, '許可').click();
  await heading(p, '認証が完了');
  return errors;
}
