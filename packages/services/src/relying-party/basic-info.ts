import type { BasicInfo, SexCode } from '@honnin/jpki/profile';

/**
 * The 4 basic items (基本4情報) as a relying party receives them: OpenID Connect
 * claims from userinfo (`name`, `address`, `birthdate`, `gender`), or the
 * platform's verification result of a signature. Both become a BasicInfo.
 */
export type { BasicInfo, SexCode };

const GENDER: Record<string, SexCode> = { male: '1', female: '2', '1': '1', '2': '2', '9': '9' };

function addressText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const a = v as Record<string, unknown>;
    if (typeof a.formatted === 'string') return a.formatted;
  }
  return undefined;
}

/** The 4 items from userinfo claims; undefined when any of name, address, birth date is missing. */
export function basicInfoFromClaims(claims: Record<string, unknown>): BasicInfo | undefined {
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  const address = addressText(claims.address);
  const birthDate = typeof claims.birthdate === 'string' ? claims.birthdate : undefined;
  if (!name || !address || !birthDate) return undefined;
  const sex = GENDER[String(claims.gender ?? '')] ?? '9';
  return { name, address, birthDate, sex };
}

/**
 * How a service compares what a citizen typed with the card: Unicode NFKC
 * (full-width and half-width letters and digits alike), without spaces of any
 * width. Anything else — 一丁目 vs 1-1 — differs, as the card is the reference.
 */
export function normalizeForComparison(s: string): string {
  return s.normalize('NFKC').replace(/\s+/g, '');
}

/** Which of name, address, birth date differ between the entered data and the card. */
export function differingItems(
  entered: Pick<BasicInfo, 'name' | 'address' | 'birthDate'>,
  card: Pick<BasicInfo, 'name' | 'address' | 'birthDate'>,
): ('name' | 'address' | 'birthDate')[] {
  return (['name', 'address', 'birthDate'] as const).filter(
    (k) => normalizeForComparison(entered[k]) !== normalizeForComparison(card[k]),
  );
}

/**
 * The signer's 4 items and certificate serial from the platform's verification
 * result of a signature (the platform-operator model: the service never needs
 * the certificate itself). `basic_info` holds the items as userinfo claims.
 */
export function basicInfoFromVerification(v: Record<string, unknown>): BasicInfo | undefined {
  const items = v.basic_info;
  return items && typeof items === 'object'
    ? basicInfoFromClaims(items as Record<string, unknown>)
    : undefined;
}

export function certificateSerialFromVerification(v: Record<string, unknown>): string | undefined {
  const serial = (v.certificate as { serial?: unknown } | undefined)?.serial;
  return typeof serial === 'string' ? serial : undefined;
}
