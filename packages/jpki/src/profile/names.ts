import type { CertPurpose } from './oids.ts';

/** A distinguished name as ordered (type, value) pairs, most significant first. */
export type Rdn = readonly [type: 'C' | 'O' | 'OU' | 'L' | 'ST' | 'CN', value: string];
export type DistinguishedName = readonly Rdn[];

export const JLIS_OU = 'Japan Agency for Local Authority Information Systems';
export const PURPOSE_OU: Record<CertPurpose, string> = {
  signature: 'JPKI for digital signature',
  auth: 'JPKI for user authentication',
};

/** O of the production roots; a simulator must never issue under it. */
export const PRODUCTION_ORG = 'JPKI';
/** O of honnin's simulator hierarchy, marked as a test authority. */
export const SIMULATOR_ORG = 'JPKI-TEST';
export const SIMULATOR_OU = 'honnin J-LIS simulator';

/**
 * A JPKI CA's name. All generations of one purpose share it (pki.md): the issuer
 * of a certificate is found by signature, not by name. The simulator adds an OU
 * naming itself so nobody mistakes its roots for J-LIS's.
 */
export function caName(purpose: CertPurpose, org: string = SIMULATOR_ORG): DistinguishedName {
  const base: Rdn[] = [
    ['C', 'JP'],
    ['O', org],
    ['OU', PURPOSE_OU[purpose]],
    ['OU', JLIS_OU],
  ];
  if (org !== PRODUCTION_ORG) base.push(['OU', SIMULATOR_OU]);
  return base;
}

/** A municipality (市区町村) that issues cards; codes are the 6-digit 全国地方公共団体コード. */
export interface Municipality {
  code: string;
  prefecture: string;
  city: string;
  prefectureJa: string;
  cityJa: string;
}

/** Where J-LIS publishes the CRL for certificates issued through a municipality. */
export function crlDistributionPointName(m: Municipality, org: string = SIMULATOR_ORG): DistinguishedName {
  return [
    ['C', 'JP'],
    ['O', org],
    ['OU', PURPOSE_OU.signature],
    ['OU', 'CRL Distribution Points'],
    ['OU', m.prefecture],
    ['CN', `${m.city} CRLDP`],
  ];
}

/** RFC 4514-style text, for display and for libraries that take names as strings. */
export function dnToString(dn: DistinguishedName): string {
  const esc = (v: string) =>
    v
      .replace(/([,+"\\<>;=])/g, '\\$1')
      .replace(/^([ #])/, '\\$1')
      .replace(/ $/, '\\ ');
  return dn.map(([t, v]) => `${t}=${esc(v)}`).join(', ');
}
