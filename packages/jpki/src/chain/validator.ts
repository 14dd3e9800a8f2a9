import { createHash } from 'node:crypto';
import {
  type CertificateInput,
  certificateDer,
  type JpkiCertificate,
  parseCertificate,
} from '../certificate/parse.ts';
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  InvalidOptionsError,
  WrongPurposeError,
} from '../errors.ts';
import type { CertPurpose, PolicySet } from '../profile/oids.ts';
import { Lru } from './lru.ts';
import { createTrustStore, type TrustAnchor, TrustStore } from './trust-store.ts';

export interface ValidatorOptions {
  /** every CA generation of both purposes: a TrustStore, or DER/PEM certificates */
  trustAnchors: TrustStore | readonly CertificateInput[] | string;
  /** policy OIDs that mark JPKI purposes (default: production; the simulator issues with TEST_POLICIES) */
  policies?: PolicySet | readonly PolicySet[] | undefined;
  /** certificates whose parse and chain result is remembered (default 10,000; 0 = none) */
  cacheSize?: number | undefined;
}

export interface ValidatedCertificate {
  certificate: JpkiCertificate;
  /** the root (CA generation) that issued it */
  anchor: TrustAnchor;
}

/**
 * Certificate path validation for JPKI: profile and purpose, chain to a trust
 * anchor, validity at a given time. The time-independent part (parse + chain
 * signature) is cached per certificate, keyed by the SHA-256 of its DER, so a
 * returning card costs one hash instead of a parse and an RSA verification.
 */
export class CertificateValidator {
  readonly trust: TrustStore;
  readonly policies: PolicySet | readonly PolicySet[] | undefined;
  readonly #cache: Lru<string, ValidatedCertificate>;

  constructor(options: ValidatorOptions) {
    if (!options?.trustAnchors) throw new InvalidOptionsError('trustAnchors are required');
    this.trust =
      options.trustAnchors instanceof TrustStore
        ? options.trustAnchors
        : createTrustStore(options.trustAnchors);
    this.policies = options.policies;
    this.#cache = new Lru(options.cacheSize ?? 10_000);
  }

  /**
   * One check per step: JPKI profile → purpose (policy, key usage) → chain to an
   * anchor → validity at `at`. Throws the typed error of the first failing step.
   */
  validate(input: CertificateInput, expect: { purpose: CertPurpose; at: Date }): ValidatedCertificate {
    const der = certificateDer(input);
    const key = createHash('sha256').update(der).digest('base64');
    let v = this.#cache.get(key);
    if (!v) {
      const certificate = parseCertificate(der, { policies: this.policies });
      checkPurpose(certificate, expect.purpose);
      v = { certificate, anchor: this.trust.issuerOfCertificate(certificate.fields) };
      this.#cache.set(key, v);
    }
    checkPurpose(v.certificate, expect.purpose);
    checkValidity(v.certificate, expect.at);
    return v;
  }
}

function checkPurpose(c: JpkiCertificate, purpose: CertPurpose): void {
  if (c.purpose !== purpose) {
    throw new WrongPurposeError(
      purpose === 'auth'
        ? 'a login needs the user-authentication certificate, not the signature certificate'
        : 'a signature needs the signature certificate, not the user-authentication certificate',
      { details: { expected: purpose, got: c.purpose } },
    );
  }
  if (purpose === 'signature' && !c.keyUsage.nonRepudiation)
    throw new WrongPurposeError('a signature certificate must allow nonRepudiation');
}

export function checkValidity(c: JpkiCertificate, at: Date): void {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new InvalidOptionsError('the verification time is not a date');
  if (t < c.notBefore.getTime())
    throw new CertificateNotYetValidError(
      `certificate ${c.serial} is valid from ${c.notBefore.toISOString()}`,
      {
        details: { serial: c.serial, notBefore: c.notBefore.toISOString() },
      },
    );
  if (t > c.notAfter.getTime())
    throw new CertificateExpiredError(`certificate ${c.serial} expired at ${c.notAfter.toISOString()}`, {
      details: { serial: c.serial, notAfter: c.notAfter.toISOString() },
    });
}
