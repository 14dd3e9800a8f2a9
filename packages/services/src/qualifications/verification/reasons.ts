import type { Text } from '../../web/index.ts';
import type { InvalidReason } from './verifier.ts';

/** What the page writes in the parentheses of 「無効です（…）」. */
export const REASON_TEXT: Record<InvalidReason, Text> = {
  empty: { ja: '検証するデータがありません', en: 'there is nothing to verify' },
  not_our_qr: {
    ja: 'デジタル資格者証の二次元コードではありません',
    en: 'this is not the QR code of a digital qualification certificate',
  },
  not_base64: { ja: 'データの形式が正しくありません', en: 'the data is not in the expected format' },
  not_cbor: { ja: 'データが壊れています', en: 'the data is corrupt' },
  not_cose_sign1: { ja: '署名付きデータではありません', en: 'the data is not a signed record' },
  unsupported_algorithm: { ja: '対応していない署名方式です', en: 'the signature algorithm is not supported' },
  key_id_missing: { ja: '署名鍵が示されていません', en: 'the record names no signing key' },
  payload_invalid: { ja: '登録情報の形式が正しくありません', en: 'the registered information is malformed' },
  signature_invalid: {
    ja: '改ざんされています',
    en: 'the data has been tampered with',
  },
  unknown_key_id: { ja: '署名鍵が登録されていません', en: 'the signing key is not known' },
  signer_untrusted: {
    ja: '署名に使用した証明書が信頼できません',
    en: 'the signing certificate is not trusted',
  },
  signer_expired: {
    ja: '署名に使用した証明書の有効期間外です',
    en: 'the signing certificate is outside its validity period',
  },
  signer_revoked: {
    ja: '署名に使用した証明書が失効しています',
    en: 'the signing certificate has been revoked',
  },
  unknown_certificate: { ja: '登録されていない資格者証です', en: 'the certificate is not registered' },
  revoked: { ja: '資格が取り消されています', en: 'the qualification has been revoked' },
  suspended: { ja: '一時停止されています', en: 'the certificate is suspended' },
  deleted: { ja: '削除されています', en: 'the certificate has been deleted' },
  replaced: {
    ja: '再交付により無効になりました',
    en: 'a newer certificate has replaced this one',
  },
  registry_unavailable: {
    ja: '登録状況を確認できませんでした',
    en: 'the registration status could not be checked',
  },
  ca_unavailable: {
    ja: '証明書の失効状況を確認できませんでした',
    en: 'the revocation status of the signing certificate could not be checked',
  },
};
