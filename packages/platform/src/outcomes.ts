import { HonninError } from '@honnin/runtime';

/**
 * Every way a flow can end other than success, as the relying party sees it:
 * the OIDC `error` it gets on its redirect URI (or in a signing result), plus
 * the platform's `error_code` telling exactly what happened. Stable: relying
 * parties match on `error_code`; the texts are for people.
 */
export const OUTCOMES = {
  user_cancelled: {
    error: 'access_denied',
    ja: '利用者が操作を中止しました',
    en: 'the user cancelled',
  },
  consent_refused: {
    error: 'access_denied',
    ja: '利用者がサービスへの情報提供を許可しませんでした',
    en: 'the user did not allow the service to receive the information',
  },
  auth_pin_locked: {
    error: 'access_denied',
    ja: '利用者証明用電子証明書の暗証番号がロックされています',
    en: "the card's user-authentication PIN is locked (3 wrong entries)",
  },
  sign_password_locked: {
    error: 'access_denied',
    ja: '署名用電子証明書のパスワードがロックされています',
    en: "the card's signature password is locked (5 wrong entries)",
  },
  card_info_pin_locked: {
    error: 'access_denied',
    ja: '券面事項入力補助用の暗証番号がロックされています',
    en: "the card's card-info PIN is locked (3 wrong entries)",
  },
  certificate_revoked: {
    error: 'access_denied',
    ja: '電子証明書が失効しています',
    en: 'the certificate is revoked',
  },
  certificate_expired: {
    error: 'access_denied',
    ja: '電子証明書の有効期限が切れています',
    en: 'the certificate has expired',
  },
  certificate_invalid: {
    error: 'access_denied',
    ja: '電子証明書を確認できませんでした',
    en: 'the certificate is not a valid JPKI certificate',
  },
  signature_invalid: {
    error: 'access_denied',
    ja: '電子署名を確認できませんでした',
    en: 'the signature made with the card does not verify',
  },
  no_signature_certificate: {
    error: 'access_denied',
    ja: 'このカードには署名用電子証明書がありません',
    en: 'the card holds no signature certificate (holders under 15)',
  },
  card_removed: {
    error: 'access_denied',
    ja: 'カードの読み取り中にカードが離れました',
    en: 'the card left the reader during the read',
  },
  card_error: {
    error: 'access_denied',
    ja: 'カードを読み取れませんでした',
    en: 'the card could not be read',
  },
  binding_failed: {
    error: 'access_denied',
    ja: '6桁の数字の入力誤りが上限に達しました',
    en: 'too many wrong 6-digit binding numbers were typed on the PC',
  },
  device_unlock_failed: {
    error: 'access_denied',
    ja: '端末のロック解除ができませんでした',
    en: 'the device unlock (passkey) failed',
  },
  challenge_replayed: {
    error: 'access_denied',
    ja: 'この認証要求はすでに使われています',
    en: 'the signed login challenge was already used',
  },
  flow_expired: {
    error: 'access_denied',
    ja: '操作の有効期限が切れました',
    en: 'the flow timed out',
  },
  revocation_unavailable: {
    error: 'temporarily_unavailable',
    ja: '電子証明書の有効性を確認できませんでした',
    en: 'the revocation status could not be checked (J-LIS unreachable)',
  },
  sign_transaction_invalid: {
    error: 'invalid_request',
    ja: '署名トランザクションが見つかりません',
    en: 'the signing transaction is unknown, expired, used or belongs to another service',
  },
  platform_error: {
    error: 'server_error',
    ja: 'システムエラーが発生しました',
    en: 'the platform failed',
  },
} as const satisfies Record<string, { error: string; ja: string; en: string }>;

export type OutcomeCode = keyof typeof OUTCOMES;

export function isOutcomeCode(s: unknown): s is OutcomeCode {
  return typeof s === 'string' && Object.hasOwn(OUTCOMES, s);
}

/** A flow ended with one of the documented outcomes. */
export class FlowError extends HonninError {
  readonly outcome: OutcomeCode;
  constructor(
    outcome: OutcomeCode,
    message?: string,
    options: { details?: Record<string, unknown>; cause?: unknown; status?: number } = {},
  ) {
    super(outcome, message ?? OUTCOMES[outcome].en, { status: options.status ?? 400, ...options });
    this.outcome = outcome;
  }
}

/**
 * The error_description oidc-provider carries to the redirect:
 * "<code> txn=<transaction id>: <text>". The response rewriter splits it back
 * into `error_code`, `txn` and a description.
 */
export function describeOutcome(code: OutcomeCode, txn?: string, detail?: string): string {
  return `${code}${txn ? ` txn=${txn}` : ''}: ${OUTCOMES[code].en}${detail ? ` (${detail})` : ''}`;
}

export const OUTCOME_DESCRIPTION = /^([a-z_]+)(?: txn=([A-Za-z0-9_-]+))?: (.*)$/s;
