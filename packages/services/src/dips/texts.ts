import type { Text } from '../web/i18n.ts';
import type { ApplicationStatus } from './store/schema.ts';

/** Names and labels the drone registration pages share (the seeds' wording, in both languages). */
export const SERVICE_NAME: Text = { ja: 'ドローン登録システム', en: 'DIPS-REG (Drone Registration System)' };
export const MINISTRY: Text = {
  ja: '国土交通省 無人航空機登録（シミュレーター）',
  en: 'MLIT Unmanned Aircraft Registration (simulator)',
};

/** The application wizard (seed 000/001: STEP 01–06). */
export const WIZARD_STEPS: Text[] = [
  { ja: 'STEP 01 本人確認方法選択', en: 'STEP 01 Start' },
  { ja: 'STEP 02 所有者情報入力', en: 'STEP 02 Owner registration' },
  { ja: 'STEP 03 機体情報入力', en: 'STEP 03 UA registration' },
  { ja: 'STEP 04 使用者情報入力', en: 'STEP 04 User registration' },
  { ja: 'STEP 05 入力情報確認', en: 'STEP 05 Confirmation' },
  { ja: 'STEP 06 手続き完了', en: 'STEP 06 Finalization' },
];
export const WIZARD_LABEL: Text = { ja: '新規登録の手続き', en: 'Registration procedure' };

/** The identity verification after 登録申請 (seed: ①–④). */
export const VERIFICATION_STEPS: Text[] = [
  { ja: 'STEP 01 確認事項', en: 'STEP 01 Confirmation' },
  { ja: 'STEP 02 パスワード入力(電子署名付与)', en: 'STEP 02 Enter password (Electronic signature)' },
  { ja: 'STEP 03 パスワード再入力(電子署名付与)', en: 'STEP 03 Re-enter password (Electronic signature)' },
  { ja: 'STEP 04 パスワード入力(利用者認証)', en: 'STEP 04 Enter password (User authentication)' },
];
export const VERIFICATION_LABEL: Text = {
  ja: 'マイナンバーカードによる本人確認',
  en: 'Identity verification with your Individual Number Card',
};

export const STATUS_TEXT: Record<ApplicationStatus, Text> = {
  draft: { ja: '入力中', en: 'Being entered' },
  verifying: { ja: '本人確認中', en: 'Identity verification in progress' },
  received: { ja: '申請受付（審査中）', en: 'Received (under review)' },
  fee_due: { ja: '手数料納付待ち', en: 'Awaiting fee payment' },
  paid: { ja: '手数料納付済み（登録手続中）', en: 'Fee paid (being registered)' },
  registered: { ja: '登録完了', en: 'Registered' },
};

export const OK: Text = { ja: 'OK', en: 'OK' };
export const CANCEL: Text = { ja: 'キャンセル', en: 'Cancel' };
export const BACK: Text = { ja: '戻る', en: 'Back' };
export const NEXT: Text = { ja: '次へ', en: 'Next' };
export const TO_MENU: Text = { ja: 'メニュー画面へ', en: 'To the menu screen' };
