import type { Text } from '../web/i18n.ts';
import type { ChangeReason } from './catalogue.ts';
import type { ApplicationKind, ApplicationStatus } from './registry/applications.ts';
import type { CertificateStatus } from './registry/certificates.ts';

export const SERVICE_NAME: Text = { ja: '国家資格等オンライン', en: 'National qualifications online' };
export const OPERATOR: Text = {
  ja: 'マイナポータル 国家資格の登録・各種申請',
  en: 'Mynaportal — national qualifications',
};

export const KIND_TEXT: Record<ApplicationKind, Text> = {
  initial: { ja: '初期設定申請', en: 'Initial registration' },
  change: { ja: '書換交付申請', en: 'Change of registration (書換交付)' },
};

export const STATUS_TEXT: Record<ApplicationStatus, Text> = {
  draft: { ja: '作成中', en: 'Draft' },
  payment_pending: { ja: '決済待ち', en: 'Awaiting payment' },
  submitted: { ja: '審査中', en: 'Under review' },
  approved: { ja: '承認済み', en: 'Approved' },
  rejected: { ja: '差戻し', en: 'Rejected' },
};

export const CERTIFICATE_STATUS_TEXT: Record<CertificateStatus, Text> = {
  valid: { ja: '有効', en: 'Valid' },
  revoked: { ja: '取消', en: 'Revoked' },
  suspended: { ja: '一時停止', en: 'Suspended' },
  deleted: { ja: '削除', en: 'Deleted' },
  replaced: { ja: '再交付により無効', en: 'Replaced' },
};

export const CHANGE_REASON_TEXT: Record<ChangeReason, Text> = {
  marriage: { ja: '婚姻', en: 'Marriage' },
  divorce: { ja: '離婚', en: 'Divorce' },
  adoption: { ja: '養子縁組・離縁', en: 'Adoption' },
  domicile: { ja: '本籍地の変更', en: 'Change of registered domicile' },
  other: { ja: 'その他', en: 'Other' },
};

export const SEX_TEXT: Record<string, Text> = {
  '1': { ja: '男性', en: 'Male' },
  '2': { ja: '女性', en: 'Female' },
  '9': { ja: '—', en: '—' },
};

export const NEXT: Text = { ja: '次へ', en: 'Next' };
