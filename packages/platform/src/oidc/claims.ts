import type { BasicInfo } from '@honnin/jpki/profile';
import type { BasicClaim, ItemClaim } from './provider.ts';

/**
 * The 4 basic items as userinfo claims (the formats the README documents):
 * - name: as on the card, family and given name separated by U+3000
 * - address: the OIDC address structure with the card's one line in `formatted`
 * - birthdate: ISO 8601 YYYY-MM-DD (Gregorian)
 * - gender: "male" | "female" | "not_applicable" (JPKI sex codes 1, 2, 9)
 */
export function basicInfoClaims(info: BasicInfo): Record<BasicClaim, unknown> {
  return {
    name: info.name,
    address: { formatted: info.address },
    birthdate: info.birthDate,
    gender: info.sex === '1' ? 'male' : info.sex === '2' ? 'female' : 'not_applicable',
  };
}

/** Only the items the citizen allowed. */
export function pickClaims(claims: Partial<Record<ItemClaim, unknown>>, items: readonly ItemClaim[]) {
  const out: Partial<Record<ItemClaim, unknown>> = {};
  for (const i of items) if (claims[i] !== undefined) out[i] = claims[i];
  return out;
}
