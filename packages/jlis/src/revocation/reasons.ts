import type { CertPurpose } from '@honnin/jpki/profile';

/**
 * RFC 5280 CRLReason codes J-LIS uses (seed 003, 電子証明書の失効理由). What a
 * relying party may conclude from each is in seed 003's table:
 * affiliationChanged = death or emigration (signature certificate: also a change
 * of the 4 items), cessationOfOperation = card lost or emigration, superseded =
 * renewed, certificateHold = card lost.
 */
export const CRL_REASON = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
} as const;

export type RevocationReason = keyof typeof CRL_REASON;
export const REVOCATION_REASONS = Object.keys(CRL_REASON) as RevocationReason[];

export function reasonName(code: number): RevocationReason {
  const name = REVOCATION_REASONS.find((r) => CRL_REASON[r] === code);
  return name ?? 'unspecified';
}

/** Life events J-LIS learns of from the municipalities (and the holder's own requests). */
export type LifeEventType = 'move' | 'rename' | 'renewal' | 'loss' | 'death' | 'emigration' | 'request';
export const LIFE_EVENT_TYPES: readonly LifeEventType[] = [
  'move',
  'rename',
  'renewal',
  'loss',
  'death',
  'emigration',
  'request',
];

export interface EventRevocation {
  /** which certificates the event revokes */
  revokes: readonly CertPurpose[];
  /** whether new certificates replace them (from new card-generated keys) */
  replaces: boolean;
  /** the certificates of every card of the holder, or only the card named */
  scope: 'card' | 'holder';
  reason: RevocationReason;
}

/**
 * The one place that says which certificates each life event revokes and with
 * which reason (documented in README, "J-LIS simulator"). Choices where seed 003
 * allows two readings:
 * - emigration → cessationOfOperation, death → affiliationChanged: both are
 *   allowed by the table; splitting them lets a relying party tell the two apart
 *   (and a move is the only affiliationChanged that leaves the auth cert valid).
 * - loss → certificateHold: the 24-hour call centre suspends the certificates
 *   (一時停止); J-LIS never releases the hold, the holder gets a new card.
 * - request (本人の申出) → unspecified, or keyCompromise when the holder reports
 *   a leaked key (秘密鍵の漏えい).
 */
export const EVENT_REVOCATIONS: Record<LifeEventType, EventRevocation> = {
  move: { revokes: ['signature'], replaces: true, scope: 'holder', reason: 'affiliationChanged' },
  rename: { revokes: ['signature'], replaces: true, scope: 'holder', reason: 'affiliationChanged' },
  renewal: { revokes: ['signature', 'auth'], replaces: true, scope: 'card', reason: 'superseded' },
  loss: { revokes: ['signature', 'auth'], replaces: false, scope: 'card', reason: 'certificateHold' },
  death: { revokes: ['signature', 'auth'], replaces: false, scope: 'holder', reason: 'affiliationChanged' },
  emigration: {
    revokes: ['signature', 'auth'],
    replaces: false,
    scope: 'holder',
    reason: 'cessationOfOperation',
  },
  request: { revokes: ['signature', 'auth'], replaces: false, scope: 'card', reason: 'unspecified' },
};

/**
 * A new card for a holder (再交付, e.g. after a loss): every valid certificate of
 * the holder's earlier cards is superseded by the new card's, which link to them.
 */
export const REISSUE_REVOCATION: EventRevocation = {
  revokes: ['signature', 'auth'],
  replaces: true,
  scope: 'holder',
  reason: 'superseded',
};
