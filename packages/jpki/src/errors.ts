/**
 * Every failure of the verification library, as a typed error with a stable
 * `code` (safe to match on) and the HTTP `status` a server would answer with.
 * Modelled on panva's jose: one class per failure, `code` on the class.
 *
 * The shape (code, status, details, toJSON) is the one of @honnin/runtime's
 * HonninError, so honnin's HTTP servers render these as `{error, message}`;
 * this module itself has no dependency, so relying parties can use it alone
 * (and in a browser).
 */
export class JpkiError extends Error {
  static readonly code: string = 'ERR_JPKI';
  readonly code: string;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as unknown as { code: string; status?: number };
    this.name = new.target.name;
    this.code = ctor.code;
    this.status = ctor.status ?? 400;
    this.details = options.details;
  }

  toJSON(): { error: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details
      ? { error: this.code, message: this.message, details: this.details }
      : { error: this.code, message: this.message };
  }
}

/** Bytes that are not what they claim to be: DER, PEM, CMS, CRL, OCSP response, login challenge. */
export class MalformedError extends JpkiError {
  static override readonly code = 'ERR_JPKI_MALFORMED';
}

/** Well-formed, but outside the JPKI profile: a hash, key type or CMS feature this library refuses. */
export class UnsupportedError extends JpkiError {
  static override readonly code = 'ERR_JPKI_UNSUPPORTED';
}

/** A certificate that is not a JPKI end-entity certificate (no JPKI policy, no JPKI issuer, no 4 items). */
export class NotJpkiError extends JpkiError {
  static override readonly code = 'ERR_JPKI_NOT_JPKI';
}

/** A JPKI certificate used for what it is not for: an auth certificate for a signature, or vice versa. */
export class WrongPurposeError extends JpkiError {
  static override readonly code = 'ERR_JPKI_WRONG_PURPOSE';
}

/** The certificate does not chain to any configured trust anchor (of any CA generation). */
export class CertificateNotTrustedError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CERT_NOT_TRUSTED';
}

/** The certificate's validity ended before the verification time. */
export class CertificateExpiredError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CERT_EXPIRED';
}

/** The certificate's validity starts after the verification time. */
export class CertificateNotYetValidError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CERT_NOT_YET_VALID';
}

/** Revoked; `revocation` tells the reason and what it means (seed 003). */
export class CertificateRevokedError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CERT_REVOKED';
  readonly revocation: {
    reason: string;
    reasonCode: number;
    revokedAt: string;
    /** the life events the reason stands for (seed 003) */
    events: readonly string[];
    meaning: { ja: string; en: string };
  };
  constructor(message: string, revocation: CertificateRevokedError['revocation']) {
    super(message, { details: { revocation } });
    this.revocation = revocation;
  }
}

/** No revocation source could say whether the certificate stands; `cause` holds why. */
export class RevocationUnknownError extends JpkiError {
  static override readonly code = 'ERR_JPKI_REVOCATION_UNKNOWN';
  static readonly status = 503;
}

/** The signature does not verify with the certificate's key over the given content. */
export class BadSignatureError extends JpkiError {
  static override readonly code = 'ERR_JPKI_BAD_SIGNATURE';
}

/** The login challenge names another relying party, origin or nonce than expected. */
export class ChallengeMismatchError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CHALLENGE_MISMATCH';
}

/** The login challenge was issued too long ago (or claims a time in the future). */
export class ChallengeExpiredError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CHALLENGE_EXPIRED';
}

/** The OCSP responder could not be reached, timed out or answered with an HTTP error. */
export class OcspUnavailableError extends JpkiError {
  static override readonly code = 'ERR_JPKI_OCSP_UNAVAILABLE';
  static readonly status = 503;
}

/** The OCSP responder answered an error status (malformedRequest, unauthorized, tryLater, …). */
export class OcspErrorResponseError extends JpkiError {
  static override readonly code = 'ERR_JPKI_OCSP_ERROR_RESPONSE';
  static readonly status = 502;
}

/**
 * An OCSP response that must not be believed: bad signature, responder not
 * authorised by the CA, nonce not echoed, or not about the asked certificate.
 */
export class OcspResponseInvalidError extends JpkiError {
  static override readonly code = 'ERR_JPKI_OCSP_RESPONSE_INVALID';
  static readonly status = 502;
}

/** An OCSP response too old (or dated in the future beyond the allowed clock skew). */
export class OcspStaleError extends JpkiError {
  static override readonly code = 'ERR_JPKI_OCSP_STALE';
  static readonly status = 502;
}

/** A CRL whose signature does not verify with a trust anchor, or that cannot serve the certificate. */
export class CrlInvalidError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CRL_INVALID';
  static readonly status = 502;
}

/** The CRL's nextUpdate has passed: it can no longer say a certificate is good. */
export class CrlStaleError extends JpkiError {
  static override readonly code = 'ERR_JPKI_CRL_STALE';
  static readonly status = 503;
}

/** A caller mistake: options that cannot work (no trust anchors, a trust anchor that is no CA, …). */
export class InvalidOptionsError extends JpkiError {
  static override readonly code = 'ERR_JPKI_INVALID_OPTIONS';
  static readonly status = 500;
}

/** The one list of every error code, with its class and when it is raised. */
export const JPKI_ERRORS = [
  [MalformedError, 'input bytes are not what they claim to be (DER, PEM, CMS, CRL, OCSP, challenge)'],
  [UnsupportedError, 'well-formed but outside the JPKI profile (hash, key type, CMS feature)'],
  [NotJpkiError, 'not a JPKI end-entity certificate'],
  [WrongPurposeError, 'a JPKI certificate used for the other purpose (policy or key usage)'],
  [CertificateNotTrustedError, 'does not chain to a configured trust anchor'],
  [CertificateExpiredError, 'validity ended before the verification time'],
  [CertificateNotYetValidError, 'validity starts after the verification time'],
  [CertificateRevokedError, 'revoked: details.revocation has reason, time and meaning'],
  [RevocationUnknownError, 'no revocation source could answer; cause says why'],
  [BadSignatureError, 'the signature does not verify over the given content'],
  [ChallengeMismatchError, 'the login challenge is for another relying party, origin or nonce'],
  [ChallengeExpiredError, 'the login challenge is too old or dated in the future'],
  [OcspUnavailableError, 'OCSP responder unreachable, timed out or HTTP error'],
  [OcspErrorResponseError, 'OCSP responder answered an error status'],
  [OcspResponseInvalidError, 'OCSP response not signed by an authorised responder, nonce or certID mismatch'],
  [OcspStaleError, 'OCSP response outside its freshness window'],
  [CrlInvalidError, 'CRL signature does not verify with a trust anchor or the CRL cannot serve it'],
  [CrlStaleError, "CRL's nextUpdate has passed"],
  [InvalidOptionsError, 'the caller passed options that cannot work'],
] as const;

export type JpkiErrorCode = (typeof JPKI_ERRORS)[number][0]['code'];

/** True for any error of this library (also across copies of the module). */
export function isJpkiError(e: unknown): e is JpkiError {
  return (
    e instanceof JpkiError || (e instanceof Error && /^ERR_JPKI_/.test((e as { code?: string }).code ?? ''))
  );
}
