import type { CertPurpose } from '../profile/oids.ts';

/** RFC 5280 CRLReason names by code (7 is unused). */
export const CRL_REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

/** What may have happened to the holder, as a relying party can tell from the reason (seed 003). */
export type LifeEventHint =
  | 'basicInfoChanged'
  | 'death'
  | 'emigration'
  | 'cardLost'
  | 'renewed'
  | 'keyCompromise'
  | 'other';

export interface RevocationMeaning {
  reason: string;
  reasonCode: number;
  /** the life events this reason stands for */
  events: LifeEventHint[];
  meaning: { ja: string; en: string };
}

/**
 * Seed 003's table 電子証明書の失効理由と分かること. A signature certificate is
 * also revoked affiliationChanged when any of the 4 items changes (move,
 * marriage); an auth certificate is not revoked by those.
 */
export function revocationMeaning(reasonCode: number | undefined, purpose: CertPurpose): RevocationMeaning {
  const code = reasonCode ?? 0;
  const reason = CRL_REASONS[code] ?? `reason${code}`;
  const m = (events: LifeEventHint[], ja: string, en: string): RevocationMeaning => ({
    reason,
    reasonCode: code,
    events,
    meaning: { ja, en },
  });
  switch (code) {
    case 3:
      return purpose === 'signature'
        ? m(
            ['basicInfoChanged', 'death', 'emigration'],
            '基本4情報の変更（転居・氏名変更等）、死亡又は海外転出',
            'the 4 items changed (move, new name, …), death or emigration',
          )
        : m(['death', 'emigration'], '死亡又は海外転出', 'death or emigration');
    case 5:
      return m(['cardLost', 'emigration'], 'カード紛失又は海外転出', 'card lost, or emigration');
    case 4:
      return m(['renewed'], '証明書更新', 'certificate renewed');
    case 6:
      return m(['cardLost'], 'カード紛失（一時停止）', 'card lost (suspended)');
    case 1:
      return m(['keyCompromise'], '秘密鍵の漏えい', 'private key compromised');
    case 0:
      return m(
        ['other'],
        '理由の指定なし（本人の申出等）',
        'unspecified (for example at the holder’s request)',
      );
    default:
      return m(['other'], `失効（${reason}）`, `revoked (${reason})`);
  }
}
