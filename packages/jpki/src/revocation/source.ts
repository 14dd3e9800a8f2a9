import type { JpkiCertificate } from '../certificate/parse.ts';
import type { TrustAnchor } from '../chain/trust-store.ts';
import { CertificateRevokedError, JpkiError, RevocationUnknownError } from '../errors.ts';
import { type RevocationMeaning, revocationMeaning } from './reasons.ts';

/** What a revocation source knows about one certificate. */
export type RevocationAnswer =
  | { status: 'good'; source: string; thisUpdate: Date; nextUpdate?: Date | undefined }
  | {
      status: 'revoked';
      source: string;
      thisUpdate: Date;
      nextUpdate?: Date | undefined;
      revokedAt: Date;
      reasonCode?: number | undefined;
    };

/**
 * Anything that can tell whether a certificate is revoked: the OCSP client, a
 * CRL index, or a relying party's own. It throws a JpkiError when it cannot
 * answer (unreachable, stale, invalid); it never decides what to do about it.
 */
export interface RevocationSource {
  readonly name: string;
  check(certificate: JpkiCertificate, issuer: TrustAnchor, at: Date): Promise<RevocationAnswer>;
}

/**
 * The outcome reported by a verification: good (with its source), not checked,
 * or — when the caller asked for revocations to be reported instead of thrown —
 * revoked with the reason and what it means.
 */
export type RevocationStatus =
  | { status: 'good'; source: string; thisUpdate: Date; nextUpdate?: Date | undefined }
  | ({ status: 'revoked'; source: string } & CertificateRevokedError['revocation'])
  | { status: 'not-checked' };

/** What a verification does with a revoked certificate: fail (default) or report it in the result. */
export type OnRevoked = 'throw' | 'report';

/**
 * Asks the sources in order until one answers (e.g. OCSP, then a CRL). Revoked
 * before `at` → CertificateRevokedError with the reason and what it means; no
 * source answers → RevocationUnknownError listing why each failed.
 */
export async function checkRevocation(
  sources: RevocationSource | readonly RevocationSource[] | undefined,
  certificate: JpkiCertificate,
  issuer: TrustAnchor,
  at: Date,
  onRevoked: OnRevoked = 'throw',
): Promise<RevocationStatus> {
  const list = sources === undefined ? [] : [sources].flat();
  if (list.length === 0) return { status: 'not-checked' };
  const failures: { source: string; code: string; message: string }[] = [];
  let lastError: unknown;
  for (const source of list) {
    let answer: RevocationAnswer;
    try {
      answer = await source.check(certificate, issuer, at);
    } catch (e) {
      lastError = e;
      failures.push({
        source: source.name,
        code: e instanceof JpkiError ? e.code : 'ERR_UNEXPECTED',
        message: e instanceof Error ? e.message : String(e),
      });
      continue;
    }
    if (answer.status === 'revoked' && answer.revokedAt.getTime() <= at.getTime()) {
      const meaning: RevocationMeaning = revocationMeaning(answer.reasonCode, certificate.purpose);
      const revocation = {
        reason: meaning.reason,
        reasonCode: meaning.reasonCode,
        revokedAt: answer.revokedAt.toISOString(),
        events: meaning.events,
        meaning: meaning.meaning,
      };
      if (onRevoked === 'report') return { status: 'revoked', source: answer.source, ...revocation };
      throw new CertificateRevokedError(
        `certificate ${certificate.serial} was revoked (${meaning.reason}: ${meaning.meaning.en})`,
        revocation,
      );
    }
    return {
      status: 'good',
      source: answer.source,
      thisUpdate: answer.thisUpdate,
      nextUpdate: answer.nextUpdate,
    };
  }
  throw new RevocationUnknownError(`revocation status of certificate ${certificate.serial} is unknown`, {
    cause: lastError,
    details: { failures },
  });
}
