import { HonninError } from '@honnin/runtime';
import type { Text } from '../web/i18n.ts';

/**
 * Every way a flow with the identity platform can end other than success, as
 * a typed error with words a citizen understands (what happened, what to do).
 * The platform names the outcome in `error_code` on the redirect (or in a
 * signing result); plain OAuth errors and the RP's own failures map here too.
 */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

interface Outcome {
  text: Text;
  /** trying again can succeed (as opposed to: go to the municipal office first) */
  retry: boolean;
}

const retryLater = { ja: '時間をおいて、もう一度お試しください。', en: 'Please try again later.' };

export const OUTCOMES = {
  user_cancelled: {
    text: {
      ja: 'マイナンバーカードによる操作が中止されました。続けるには、もう一度お試しください。',
      en: 'The operation with your My Number Card was cancelled. To continue, please try again.',
    },
    retry: true,
  },
  consent_refused: {
    text: {
      ja: '情報の提供が許可されなかったため、手続きを続けられません。続けるには、もう一度お試しのうえ「許可」を選んでください。',
      en: 'The procedure cannot continue because sharing the information was not allowed. To continue, try again and choose "Allow".',
    },
    retry: true,
  },
  auth_pin_locked: {
    text: {
      ja: '利用者証明用電子証明書の暗証番号（数字4桁）を3回続けて間違えたため、ロックされています。お住まいの市区町村の窓口で暗証番号の初期化（再設定）を行ってください。',
      en: "Your card's user-authentication PIN (4 digits) is locked after 3 wrong entries. Have it reset at your municipal office.",
    },
    retry: false,
  },
  sign_password_locked: {
    text: {
      ja: '署名用電子証明書のパスワード（英数字6〜16文字）を5回続けて間違えたため、ロックされています。お住まいの市区町村の窓口でパスワードの初期化（再設定）を行ってください。',
      en: "Your card's signature password (6–16 letters and digits) is locked after 5 wrong entries. Have it reset at your municipal office.",
    },
    retry: false,
  },
  card_info_pin_locked: {
    text: {
      ja: '券面事項入力補助用の暗証番号（数字4桁）を3回続けて間違えたため、ロックされています。お住まいの市区町村の窓口で初期化（再設定）を行ってください。',
      en: "Your card's card-information PIN (4 digits) is locked after 3 wrong entries. Have it reset at your municipal office.",
    },
    retry: false,
  },
  certificate_revoked: {
    text: {
      ja: 'マイナンバーカードの電子証明書が失効しているため、手続きを進めることができません。',
      en: 'This procedure cannot continue because the electronic certificate on your My Number Card has been revoked.',
    },
    retry: false,
  },
  certificate_expired: {
    text: {
      ja: 'マイナンバーカードの電子証明書の有効期限が切れているため、手続きを進めることができません。お住まいの市区町村の窓口で電子証明書の更新手続きを行ってから、もう一度お試しください。',
      en: 'This procedure cannot continue because the electronic certificate on your My Number Card has expired. Renew it at your municipal office, then try again.',
    },
    retry: false,
  },
  certificate_invalid: {
    text: {
      ja: 'マイナンバーカードの電子証明書を確認できませんでした。別のカードを使っていないか確認し、もう一度お試しください。',
      en: 'The electronic certificate on the card could not be confirmed. Check that you are using your own My Number Card and try again.',
    },
    retry: true,
  },
  signature_invalid: {
    text: {
      ja: '電子署名を確認できませんでした。もう一度お試しください。',
      en: 'The electronic signature could not be confirmed. Please try again.',
    },
    retry: true,
  },
  no_signature_certificate: {
    text: {
      ja: 'このマイナンバーカードには署名用電子証明書が搭載されていないため（15歳未満の方など）、この方法では手続きできません。',
      en: 'This My Number Card holds no signature certificate (for example, holders under 15), so this procedure cannot be done this way.',
    },
    retry: false,
  },
  card_removed: {
    text: {
      ja: '読み取りの途中でカードが離れました。カードをしっかり置き直して、もう一度お試しください。',
      en: 'The card moved away while it was being read. Place it firmly again and try again.',
    },
    retry: true,
  },
  card_error: {
    text: {
      ja: 'マイナンバーカードを読み取れませんでした。カードの向きや置き方を確かめて、もう一度お試しください。',
      en: 'Your My Number Card could not be read. Check how the card is placed and try again.',
    },
    retry: true,
  },
  binding_failed: {
    text: {
      ja: '6桁の数字の入力誤りが上限に達しました。もう一度最初からお試しください。',
      en: 'The 6-digit number was entered wrongly too many times. Please start again.',
    },
    retry: true,
  },
  device_unlock_failed: {
    text: {
      ja: 'スマートフォンのロック解除（生体認証・パスコード）ができませんでした。もう一度お試しください。',
      en: 'Your smartphone could not be unlocked (biometrics or passcode). Please try again.',
    },
    retry: true,
  },
  flow_expired: {
    text: {
      ja: '操作の有効期限が切れました。もう一度お試しください。',
      en: 'The time allowed for the operation ran out. Please try again.',
    },
    retry: true,
  },
  revocation_unavailable: {
    text: {
      ja: `電子証明書の有効性を確認できませんでした。${retryLater.ja}`,
      en: `The validity of the certificate could not be checked. ${retryLater.en}`,
    },
    retry: true,
  },
  platform_unavailable: {
    text: {
      ja: `本人確認の仕組み（デジタル認証アプリ）に接続できませんでした。${retryLater.ja}`,
      en: `The identity verification service could not be reached. ${retryLater.en}`,
    },
    retry: true,
  },
  platform_error: {
    text: {
      ja: `本人確認の処理でエラーが発生しました。${retryLater.ja}`,
      en: `The identity verification failed on the service side. ${retryLater.en}`,
    },
    retry: true,
  },
  /** the callback does not belong to a request this browser started (or it was already used) */
  state_invalid: {
    text: {
      ja: 'この画面は無効になっています。お手数ですが、手続きの画面からもう一度お試しください。',
      en: 'This page is no longer valid. Please try again from the procedure page.',
    },
    retry: true,
  },
} as const satisfies Record<string, Outcome>;

export type OutcomeCode = keyof typeof OUTCOMES;

const REVOCATION_TEXTS: Record<RevocationReason, Text> = {
  affiliationChanged: {
    ja: '引越しや結婚などで氏名・住所などが変わると、署名用電子証明書は失効します。お住まいの市区町村の窓口で電子証明書の新規発行を受けてから、もう一度お試しください。',
    en: 'A signature certificate is revoked when your name, address or other registered details change (for example after a move or marriage). Get a new certificate at your municipal office, then try again.',
  },
  superseded: {
    ja: '電子証明書が新しいものに更新されています。更新後のマイナンバーカードでお試しください。',
    en: 'The certificate has been replaced by a newer one. Please use your card with the renewed certificate.',
  },
  cessationOfOperation: {
    ja: 'カードの紛失・廃止の届出などにより、電子証明書が使えなくなっています。お住まいの市区町村の窓口にお問い合わせください。',
    en: 'The certificate can no longer be used because the card was reported lost or withdrawn. Please contact your municipal office.',
  },
  certificateHold: {
    ja: 'カードの紛失の届出により、電子証明書が一時停止されています。お住まいの市区町村の窓口にお問い合わせください。',
    en: 'The certificate is suspended because the card was reported lost. Please contact your municipal office.',
  },
  keyCompromise: {
    ja: '電子証明書の鍵が危殆化したため失効しています。お住まいの市区町村の窓口で新しい電子証明書の発行を受けてください。',
    en: 'The certificate was revoked because its key was compromised. Get a new certificate at your municipal office.',
  },
  unspecified: {
    ja: 'お住まいの市区町村の窓口にお問い合わせください。',
    en: 'Please contact your municipal office.',
  },
};

/** A flow with the identity platform that did not succeed. */
export class RelyingPartyError extends HonninError {
  readonly outcome: OutcomeCode;
  /** what the citizen reads */
  readonly text: Text;
  readonly retry: boolean;
  readonly revocationReason: RevocationReason | undefined;

  constructor(
    outcome: OutcomeCode,
    detail?: string,
    opts: { revocationReason?: RevocationReason; cause?: unknown } = {},
  ) {
    const o: Outcome = OUTCOMES[outcome];
    const reason = opts.revocationReason;
    super(outcome, detail ? `${outcome}: ${detail}` : outcome, {
      status: outcome === 'platform_unavailable' || outcome === 'platform_error' ? 502 : 400,
      ...(reason ? { details: { revocationReason: reason } } : {}),
      cause: opts.cause,
    });
    this.outcome = outcome;
    this.retry = o.retry;
    this.revocationReason = reason;
    this.text = reason
      ? {
          ja: `${o.text.ja}${REVOCATION_TEXTS[reason].ja}`,
          en: `${o.text.en} ${REVOCATION_TEXTS[reason].en}`,
        }
      : o.text;
  }
}

export function isOutcomeCode(s: unknown): s is OutcomeCode {
  return typeof s === 'string' && Object.hasOwn(OUTCOMES, s);
}

// Platform codes that mean the same to a citizen as one of ours.
const ALIASES: Record<string, OutcomeCode> = {
  challenge_replayed: 'state_invalid',
  sign_transaction_invalid: 'flow_expired',
  access_denied: 'user_cancelled',
  login_required: 'user_cancelled',
  consent_required: 'consent_refused',
  temporarily_unavailable: 'platform_unavailable',
  server_error: 'platform_error',
};

/** The revocation reason named in a detail text or field ("… (affiliationChanged)"). */
export function findRevocationReason(...candidates: unknown[]): RevocationReason | undefined {
  for (const c of candidates) {
    if (typeof c !== 'string') continue;
    const hit = REVOCATION_REASONS.find((r) => c === r || new RegExp(`\\b${r}\\b`).test(c));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The typed error of an error response: `error_code` (the platform's outcome)
 * first, then the OAuth `error`; unknown codes become `platform_error`.
 */
export function outcomeFromError(fields: {
  error?: string | null | undefined;
  error_code?: string | null | undefined;
  error_description?: string | null | undefined;
  revocation_reason?: string | null | undefined;
}): RelyingPartyError {
  const code = fields.error_code ?? fields.error ?? undefined;
  const outcome: OutcomeCode = isOutcomeCode(code)
    ? code
    : (ALIASES[code ?? ''] ?? ALIASES[fields.error ?? ''] ?? 'platform_error');
  const reason =
    outcome === 'certificate_revoked'
      ? (findRevocationReason(fields.revocation_reason, fields.error_description) ?? 'unspecified')
      : undefined;
  return new RelyingPartyError(outcome, fields.error_description ?? code ?? undefined, {
    ...(reason ? { revocationReason: reason } : {}),
  });
}
