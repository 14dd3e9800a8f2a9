import type { Lang } from '../web/i18n.ts';

/** Every text of the service's page (seed 002, 「PCまたはタブレットから…」), in one language. */
const TEXTS = {
  titleLogin: { ja: 'マイナンバーカードで本人確認', en: 'Verify your identity with your My Number Card' },
  titleSign: { ja: 'マイナンバーカードで電子署名', en: 'Sign with your My Number Card' },
  intro: {
    ja: '「{service}」がデジタル認証アプリでの本人確認を求めています。',
    en: '“{service}” asks you to verify your identity with the Digital Authentication App.',
  },
  noscript: { ja: 'この画面には JavaScript が必要です。', en: 'This page needs JavaScript.' },
  qrHeading: {
    ja: 'スマートフォンで二次元コードを読み取ってください',
    en: 'Scan the QR code with your smartphone',
  },
  qrHelp: {
    ja: '二次元コードの表示期間は30秒間です。読み取る前に無効になった場合は「二次元コードを更新」を押してください。',
    en: 'The QR code is valid for 30 seconds. If it expires before you scan it, press “Refresh the QR code”.',
  },
  qrAlt: { ja: 'デジタル認証アプリで読み取る二次元コード', en: 'QR code for the Digital Authentication App' },
  qrSecondsLeft: { ja: '有効期限まであと {n} 秒', en: '{n} seconds left' },
  qrExpired: { ja: '二次元コードの有効期限が切れました。', en: 'The QR code has expired.' },
  qrRefresh: { ja: '二次元コードを更新', en: 'Refresh the QR code' },
  otherWays: { ja: 'ほかの方法', en: 'Other ways' },
  reader: { ja: 'ICカードリーダーで読み取る', en: 'Use an IC card reader on this PC' },
  openApp: { ja: 'デジタル認証アプリを開く', en: 'Open the Digital Authentication App' },
  openAppHelp: {
    ja: 'このスマートフォンのデジタル認証アプリで手続きを続けます。',
    en: 'Continue in the Digital Authentication App on this phone.',
  },
  usePc: { ja: 'PCで二次元コードを表示する', en: 'Show a QR code for another phone' },
  bindingHeading: {
    ja: 'アプリに表示されている6桁の数字を入力してください',
    en: 'Enter the 6-digit number shown in the app',
  },
  bindingLabel: { ja: '6桁の数字', en: '6-digit number' },
  bindingSubmit: { ja: '次へ', en: 'Next' },
  bindingWrong: {
    ja: '数字が一致しません。あと {n} 回入力できます。',
    en: 'The number does not match. {n} tries left.',
  },
  bindingFormat: { ja: '数字6桁で入力してください。', en: 'Enter 6 digits.' },
  inApp: {
    ja: 'スマートフォンのデジタル認証アプリで操作を続けてください。この画面は自動で進みます。',
    en: 'Continue in the Digital Authentication App on your phone. This page moves on by itself.',
  },
  doneLogin: { ja: '認証が完了しました', en: 'Verification complete' },
  doneSign: { ja: '署名が完了しました', en: 'Signing complete' },
  back: { ja: '利用中のサービスへ戻る', en: 'Back to the service' },
  failed: { ja: '手続きを完了できませんでした', en: 'The procedure could not be completed' },
  cancel: { ja: '中止する', en: 'Cancel' },
  cancelTooLate: {
    ja: 'アプリで許可された後のため、中止できませんでした。サービスへ戻らない場合は、この画面を閉じてください。',
    en: 'The app had already allowed this, so it could not be cancelled. To stop here, close this page without going back to the service.',
  },
  connecting: { ja: '接続しています…', en: 'Connecting…' },
  testTitle: { ja: 'テスト応答', en: 'Test response' },
  testIntro: {
    ja: '「{service}」はテストモードです。返す結果とテスト用カードを選んでください。',
    en: '“{service}” is in test mode. Choose the result to return and a test card.',
  },
  testCard: { ja: 'テスト用カード', en: 'Test card' },
  testOutcome: { ja: '応答', en: 'Outcome' },
  testNormal: { ja: '正常応答', en: 'Normal response' },
  testSubmit: { ja: '応答を返す', en: 'Send the response' },
} as const;

export type ServiceTexts = { [K in keyof typeof TEXTS]: string };

export function serviceTexts(lang: Lang): ServiceTexts {
  const out = {} as Record<string, string>;
  for (const [k, v] of Object.entries(TEXTS)) out[k] = v[lang];
  return out as ServiceTexts;
}
