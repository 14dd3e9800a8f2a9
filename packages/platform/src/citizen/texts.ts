import type { Lang } from '../web/i18n.ts';

/** The app's texts, following seed 002's screens and wording (Japanese) with English. */
const TEXTS = {
  appTitle: { ja: 'デジタル認証アプリ', en: 'Digital Authentication App' },
  next: { ja: '次へ', en: 'Next' },
  start: { ja: 'はじめる', en: 'Start' },
  close: { ja: '閉じる', en: 'Close' },
  cancel: { ja: '中止する', en: 'Cancel' },
  working: { ja: '処理しています…', en: 'Working…' },
  // registration (利用登録)
  regStartTitle: { ja: '利用登録の開始', en: 'Register the app' },
  regStartBody: {
    ja: 'デジタル認証アプリを利用するには、はじめに利用登録を行います。',
    en: 'Register the app on this device before you use it.',
  },
  regStepsTitle: { ja: '登録手順の確認', en: 'Registration steps' },
  regSteps: {
    ja: '利用規約とプライバシーポリシーへの同意|端末のロック解除（生体認証・パスコード）の設定|利用者証明用電子証明書の暗証番号（数字4桁）の入力|マイナンバーカードの読み取り',
    en: 'Agree to the terms of use and the privacy policy|Set up the device unlock (biometrics or passcode)|Enter the user-authentication PIN (4 digits)|Read your My Number Card',
  },
  termsTitle: { ja: '利用規約の確認', en: 'Terms of use' },
  termsBody: {
    ja: '本アプリは、マイナンバーカードの電子証明書を用いて、利用者が本人であることをサービスに証明します。暗証番号やパスワードはカードにのみ送られ、本アプリやサーバーに保存されません。（honnin のシミュレーションです）',
    en: 'This app proves to services that you are you, with the certificates on your My Number Card. PINs and passwords go only to the card and are never stored by the app or the server. (A honnin simulation.)',
  },
  termsAgree: { ja: '利用規約に同意する', en: 'I agree to the terms of use' },
  privacyTitle: { ja: 'プライバシーポリシーの確認', en: 'Privacy policy' },
  privacyBody: {
    ja: 'サービスに提供する情報は、画面で確認し許可したものだけです。個人番号（マイナンバー）は読み取らず、提供しません。',
    en: 'A service receives only what you confirm and allow on screen. Your individual number (My Number) is never read or shared.',
  },
  privacyAgree: { ja: 'プライバシーポリシーに同意する', en: 'I agree to the privacy policy' },
  mustAgree: { ja: '同意する場合はチェックをつけてください。', en: 'Tick the box to agree.' },
  unlockSetupTitle: { ja: '生体認証またはパスコードの設定', en: 'Set up the device unlock' },
  unlockSetupBody: {
    ja: 'アプリを開くときに、この端末の生体認証（顔・指紋）またはパスコードで本人確認します。「設定」を押してください。',
    en: 'The app asks for this device’s biometrics (face, fingerprint) or passcode whenever it opens. Press “Set up”.',
  },
  unlockSetup: { ja: '設定', en: 'Set up' },
  prepareTitle: { ja: 'マイナンバーカードと暗証番号の用意', en: 'Have your card and PIN ready' },
  prepareBody: {
    ja: 'マイナンバーカードと、カードを受け取った際に設定した暗証番号を用意してください。',
    en: 'Have your My Number Card and the PINs you set when you received it ready.',
  },
  regDoneTitle: { ja: 'アプリの利用登録完了', en: 'Registration complete' },
  regDoneBody: {
    ja: '利用登録が完了しました。続けて認証または署名を行う場合は、対象のサービスの画面に戻ってください。',
    en: 'The app is registered. To verify or sign now, go back to the service’s page.',
  },
  continueFlow: { ja: '手続きを続ける', en: 'Continue the procedure' },
  homeTitle: { ja: 'ホーム', en: 'Home' },
  homeRegistered: {
    ja: 'このアプリは利用登録済みです。サービスの画面から認証・署名を始めてください。',
    en: 'This app is registered. Start verifying or signing from a service’s page.',
  },
  register: { ja: '利用登録をはじめる', en: 'Register the app' },
  // device unlock
  unlockTitle: { ja: 'ロック解除', en: 'Unlock' },
  unlockBody: {
    ja: '生体認証またはパスコードでアプリのロックを解除してください。',
    en: 'Unlock the app with your biometrics or passcode.',
  },
  unlock: { ja: 'ロックを解除する', en: 'Unlock' },
  unlockFailed: {
    ja: 'ロックを解除できませんでした。もう一度お試しください。',
    en: 'The app could not be unlocked. Try again.',
  },
  // the PC binding
  bindingTitle: { ja: '6桁の数字の確認', en: 'The 6-digit number' },
  bindingBody: {
    ja: 'PCとアプリを紐づけるために、次の6桁の数字をPCの画面に入力してください。',
    en: 'To link the PC and this app, enter this 6-digit number on the PC.',
  },
  bindingWait: { ja: 'PCでの入力を待っています…', en: 'Waiting for the number on the PC…' },
  checkOrigin: {
    ja: '手続きを始めたサービスのアドレスが次で始まることを、PCのブラウザのアドレスバーで確認してください：',
    en: 'Check in the PC browser’s address bar that the service’s address starts with:',
  },
  // the steps of a flow
  loginStepsTitle: { ja: '認証手順の確認', en: 'Verification steps' },
  signStepsTitle: { ja: '署名手順の確認', en: 'Signing steps' },
  requestedBy: { ja: '「{service}」からの依頼です。', en: 'Requested by “{service}”.' },
  loginSteps: {
    ja: '利用者証明用電子証明書の暗証番号（数字4桁）の入力|マイナンバーカードの読み取り|サービスへの情報提供の許可',
    en: 'Enter the user-authentication PIN (4 digits)|Read your My Number Card|Allow the service to receive the information',
  },
  loginStepsCardInfo: {
    ja: '利用者証明用電子証明書の暗証番号（数字4桁）の入力|券面事項入力補助用の暗証番号（数字4桁）の入力|マイナンバーカードの読み取り|サービスへの情報提供の許可',
    en: 'Enter the user-authentication PIN (4 digits)|Enter the card-information PIN (4 digits)|Read your My Number Card|Allow the service to receive the information',
  },
  signSteps: {
    ja: '署名する対象の確認|サービスへの情報共有の許可|署名用電子証明書のパスワード（英数字6〜16文字）の入力|マイナンバーカードの読み取り',
    en: 'Check what you sign|Allow sharing the information with the service|Enter the signature password (6–16 letters and digits)|Read your My Number Card',
  },
  documentTitle: { ja: '署名する対象の確認', en: 'What you sign' },
  documentName: { ja: '文書', en: 'Document' },
  documentSummary: { ja: '内容', en: 'Summary' },
  // PINs
  authPinTitle: { ja: '利用者証明用電子証明書の暗証番号の入力', en: 'User-authentication PIN' },
  authPinLabel: { ja: '暗証番号（数字4桁）', en: 'PIN (4 digits)' },
  authPinHelp: {
    ja: 'マイナンバーカードを受け取った際に設定した数字4桁の暗証番号です。',
    en: 'The 4-digit PIN you set when you received your My Number Card.',
  },
  authPinWarning: {
    ja: '※3回連続で利用者証明用電子証明書の暗証番号を間違えた場合には、マイナンバーカードのロックがかかってしまいますのでご注意ください。',
    en: 'Note: entering the user-authentication PIN wrongly 3 times in a row locks your My Number Card.',
  },
  cardInfoPinTitle: { ja: '券面事項入力補助用の暗証番号の入力', en: 'Card-information PIN' },
  cardInfoPinWarning: {
    ja: '※3回連続で券面事項入力補助用の暗証番号を間違えた場合には、マイナンバーカードのロックがかかってしまいますのでご注意ください。',
    en: 'Note: entering the card-information PIN wrongly 3 times in a row locks your My Number Card.',
  },
  signPasswordTitle: { ja: '署名用電子証明書のパスワードの入力', en: 'Signature password' },
  signPasswordLabel: { ja: 'パスワード（英数字6〜16文字）', en: 'Password (6–16 letters and digits)' },
  signPasswordHelp: {
    ja: 'マイナンバーカードを受け取った際に設定した6〜16文字のパスワードです。',
    en: 'The 6–16 character password you set when you received your My Number Card.',
  },
  signPasswordWarning: {
    ja: '※5回連続で署名用電子証明書のパスワードを間違えた場合には、マイナンバーカードのロックがかかってしまいますのでご注意ください。',
    en: 'Note: entering the signature password wrongly 5 times in a row locks your My Number Card.',
  },
  pinFormat: { ja: '数字4桁で入力してください。', en: 'Enter 4 digits.' },
  passwordFormat: { ja: '英数字6〜16文字で入力してください。', en: 'Enter 6–16 letters and digits.' },
  pinWrong: {
    ja: '暗証番号が違います。残り{n}回間違えるとロックされます。',
    en: 'Wrong PIN. {n} more wrong entries lock the card.',
  },
  passwordWrong: {
    ja: 'パスワードが違います。残り{n}回間違えるとロックされます。',
    en: 'Wrong password. {n} more wrong entries lock the card.',
  },
  lastTry: {
    ja: '次に間違えるとロックされます。',
    en: 'One more wrong entry locks the card.',
  },
  // reading the card
  readTitle: { ja: 'マイナンバーカードの読み取り', en: 'Read your My Number Card' },
  readBody: {
    ja: 'マイナンバーカードの上にスマートフォン背面上部をぴったりと合わせて、「読み取り開始」ボタンをタップしてください。完了になるまでカードをかざしてください。',
    en: 'Place the top of the back of your phone flat on your My Number Card and tap “Start reading”. Keep the card there until it is done.',
  },
  readBodyReader: {
    ja: 'マイナンバーカードをICカードリーダーに置いて、「読み取り開始」ボタンを押してください。',
    en: 'Put your My Number Card on the card reader and press “Start reading”.',
  },
  readStart: { ja: '読み取り開始', en: 'Start reading' },
  readWhichCard: { ja: 'かざすカード（シミュレーション）', en: 'The card you hold (simulation)' },
  readWhichReader: { ja: 'カードリーダー', en: 'Card reader' },
  readNoCards: {
    ja: 'カードが見つかりません。カードホストを確認してください。',
    en: 'No card found. Check the card host.',
  },
  readWaiting: { ja: 'カードをかざしてください…', en: 'Hold your card to the phone…' },
  readProgress: { ja: '読み取り中… {p}%', en: 'Reading… {p}%' },
  readVerifying: { ja: '電子証明書を確認しています…', en: 'Checking the certificate…' },
  readRetry: { ja: 'もう一度読み取る', en: 'Read again' },
  // J-LIS (the certificate authority) could not be asked: nothing is wrong with the card
  unavailableTitle: {
    ja: '電子証明書の有効性を確認できませんでした',
    en: 'The certificate could not be checked',
  },
  unavailableBody: {
    ja: '電子証明書の有効性の確認が、現在行えません。カードや暗証番号に問題はありません。しばらく待ってから、同じカードでもう一度読み取ってください。',
    en: 'The validity of the certificate cannot be checked right now. Nothing is wrong with your card or PIN. Wait a moment, then read the same card again.',
  },
  unavailableRetry: { ja: 'もう一度確認する', en: 'Try again' },
  // consent
  consentTitle: { ja: 'サービスへの認証を許可', en: 'Allow the service' },
  consentShareTitle: { ja: 'サービスへの情報共有を許可', en: 'Allow sharing the information' },
  consentBody: {
    ja: 'サービスに提供する情報と対象サービスを確認し、許可する場合は「許可」ボタンをタップしてください。',
    en: 'Check the service and the information it receives, and tap “Allow” to allow it.',
  },
  consentService: { ja: '提供先サービス', en: 'Service' },
  consentOrigin: { ja: 'サービスのアドレス', en: 'Service address' },
  consentItems: { ja: '提供する情報', en: 'Information shared' },
  consentResult: { ja: '本人確認の結果', en: 'The result of the identity verification' },
  consentSignature: {
    ja: '電子署名と署名用電子証明書の確認結果',
    en: 'The signature and the check of your signature certificate',
  },
  optional: { ja: '（任意）', en: '(optional)' },
  allow: { ja: '許可', en: 'Allow' },
  deny: { ja: '許可しない', en: 'Do not allow' },
  itemName: { ja: '氏名', en: 'Name' },
  itemAddress: { ja: '住所', en: 'Address' },
  itemBirthdate: { ja: '生年月日', en: 'Date of birth' },
  itemGender: { ja: '性別', en: 'Sex' },
  itemAgeOver: { ja: '{n}歳以上であること', en: 'Aged {n} or over' },
  yes: { ja: 'はい', en: 'Yes' },
  no: { ja: 'いいえ', en: 'No' },
  male: { ja: '男性', en: 'Male' },
  female: { ja: '女性', en: 'Female' },
  notApplicable: { ja: '適用不能', en: 'Not applicable' },
  // the end
  loginDoneTitle: { ja: '認証が完了', en: 'Verification complete' },
  signDoneTitle: { ja: '署名が完了', en: 'Signing complete' },
  doneBody: { ja: '利用中のサービスへ戻ってください。', en: 'Go back to the service.' },
  doneBodyPc: {
    ja: '認証を完了しました。「閉じる」をタップしてホーム画面に戻ってください。PCの画面は自動で進みます。',
    en: 'Done. Tap “Close” to go to the home screen. The PC page moves on by itself.',
  },
  backToService: { ja: '利用中のサービスへ戻る', en: 'Back to the service' },
  failedTitle: { ja: '手続きを完了できませんでした', en: 'The procedure could not be completed' },
  locked: {
    ja: 'カードの暗証番号がロックされました。お住まいの市区町村の窓口で初期化（再設定）を行ってください。',
    en: 'The card’s PIN is now locked. Have it reset at your municipal office.',
  },
  noCardInfo: {
    ja: 'このカードから基本4情報を読み取れませんでした。',
    en: 'The basic information could not be read from this card.',
  },
} as const;

export type AppTexts = { [K in keyof typeof TEXTS]: string };

export function appTexts(lang: Lang): AppTexts {
  const out = {} as Record<string, string>;
  for (const [k, v] of Object.entries(TEXTS)) out[k] = v[lang];
  return out as AppTexts;
}
