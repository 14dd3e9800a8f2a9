import type { BrowserContext, Page } from 'playwright-core';

/**
 * Driving the drone registration pages in a browser as a citizen does, for the
 * browser tests of e2e/dips. Labels are the pages' own (Japanese).
 */
export const OWNER = {
  name: '山田 太郎',
  reading: 'ヤマダ タロウ',
  postcode: '1000001',
  address: '東京都千代田区千代田1-1',
  birthDate: '1990-04-01',
  phone: '03-1234-5678',
};

export const SHOTS = process.env.HONNIN_SCREENSHOTS; // a folder: save pages to look at them
export async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/dips-${name}.png`, fullPage: true });
}

export async function fillPerson(page: Page, p: Partial<typeof OWNER> & { email?: string }): Promise<void> {
  for (const [k, v] of Object.entries(p)) if (v !== undefined) await page.fill(`#f-${k}`, v);
}

export async function signUp(page: Page, base: string, email: string, owner: Partial<typeof OWNER> = {}) {
  await page.goto(`${base}/signup`);
  await fillPerson(page, { ...OWNER, ...owner, email });
  await page.fill('#f-password', 'drone2026');
  await page.fill('#f-password2', 'drone2026');
  await page.getByRole('button', { name: 'アカウントを開設する' }).click();
  await page.waitForSelector('h1:text("メインメニュー")');
}

export async function logIn(page: Page, email: string): Promise<void> {
  await page.fill('#f-email', email);
  await page.fill('#f-password', 'drone2026');
  await page.getByRole('button', { name: 'ログイン' }).last().click();
}

/** STEP 01–05 from the main menu, with one aircraft; ends on the confirmation page. */
export async function enterApplication(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/`);
  await page.getByRole('button', { name: /新規登録を始める|入力中の申請を続ける/ }).click();
  await page.getByLabel('マイナンバーカード（公的個人認証サービス）').check();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('button', { name: '次へ' }).click(); // the owner, prefilled from the account
  await page.getByLabel('メーカーの機体').check();
  await page.fill('#f-maker', 'DIPS');
  await page.fill('#f-model', 'S10001');
  await page.selectOption('#f-category', 'rotorcraft_multicopter');
  await page.fill('#f-serial', 'SN-1111');
  await page.getByLabel('内蔵型').check();
  await page.fill('#f-remoteIdMaker', 'DIPS');
  await page.fill('#f-remoteIdModel', 'RID-1');
  await page.fill('#f-remoteIdSerial', 'RID0001');
  await page.getByLabel('改造無し').check();
  await page.getByRole('button', { name: 'この機体を追加' }).click();
  await page.getByRole('link', { name: '次へ' }).click();
  await page.getByLabel('所有者情報と同じ').check();
  await page.getByRole('button', { name: '次へ' }).click();
  await page.waitForURL(/\/confirm$/);
  return new URL(page.url()).pathname.replace(/\/confirm$/, '');
}

/** 登録申請 → OK: the page waits for the mail check. */
export async function apply(page: Page): Promise<void> {
  await page.getByRole('link', { name: '登録申請' }).click();
  await page.getByRole('button', { name: 'OK' }).click();
  await page.waitForSelector('text=画面をこのままにしてメールをご確認ください');
}

/** Waits for a mail in the built-in mailbox (its JSON API) and returns its text. */
export async function mailTo(mailboxUrl: string, to: string, subject: RegExp, after = 0): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${mailboxUrl}/api/messages?to=${encodeURIComponent(to)}`);
    const { messages } = (await res.json()) as {
      messages: { subject: string; text: string; receivedAt: number }[];
    };
    const m = messages.find((x) => subject.test(x.subject) && x.receivedAt >= after);
    if (m) return m.text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail ${subject} to ${to}`);
}

/** Opens the mail's URL in a new tab; the application page moves on by itself. */
export async function confirmMail(
  ctx: BrowserContext,
  page: Page,
  mailText: string,
  dipsUrl: string,
): Promise<void> {
  const link = /https?:\/\/\S+\/mail-check\/\S+/.exec(mailText)![0];
  const tab = await ctx.newPage();
  await tab.goto(`${dipsUrl}${new URL(link).pathname}`);
  await tab.waitForSelector('text=メールアドレスの認証が完了しました');
  await tab.close();
  await page.waitForSelector('h1:text("注意事項の確認")');
}
