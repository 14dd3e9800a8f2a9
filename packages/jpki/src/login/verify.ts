import { verify } from 'node:crypto';
import type { CertificateInput, JpkiCertificate } from '../certificate/parse.ts';
import type { TrustAnchor } from '../chain/trust-store.ts';
import type { CertificateValidator } from '../chain/validator.ts';
import {
  BadSignatureError,
  ChallengeExpiredError,
  ChallengeMismatchError,
  MalformedError,
} from '../errors.ts';
import { checkRevocation, type RevocationSource, type RevocationStatus } from '../revocation/source.ts';
import { canonicalOrigin, decodeLoginChallenge, type LoginChallenge } from './challenge.ts';

export interface LoginInput {
  /** the challenge bytes exactly as signed */
  challenge: Uint8Array;
  /** PKCS#1 v1.5 signature of the challenge's SHA-256 DigestInfo, by the auth key */
  signature: Uint8Array;
  /** the user-authentication certificate (DER or PEM) */
  certificate: CertificateInput;
}

export interface VerifyLoginOptions {
  validator: CertificateValidator;
  /** what the challenge must say: the relying party, origin and nonce this login was started with */
  expected: { relyingParty: string; origin: string; nonce: string };
  /** the verification time (default: now) */
  at?: Date | undefined;
  /** how old a challenge may be (ms, default 5 minutes) */
  maxAge?: number | undefined;
  /** how far the challenge time may lie in the future (ms, default 30 s) */
  clockSkew?: number | undefined;
  /** OCSP / CRL sources, asked in order; absent = revocation not checked (reported as such) */
  revocation?: RevocationSource | readonly RevocationSource[] | undefined;
}

export interface LoginResult {
  /** the auth certificate's serial: the stable identifier of this card's login key */
  serial: string;
  certificate: JpkiCertificate;
  /** the CA generation that issued it */
  issuer: TrustAnchor;
  challenge: LoginChallenge;
  revocation: RevocationStatus;
}

/**
 * Verifies a login made with a My Number Card, one check per step: challenge
 * format → bound to this relying party, origin and nonce → fresh → auth
 * certificate (profile, purpose, chain to an anchor, validity) → signature →
 * revocation. The signature comes before revocation so a forged request never
 * costs an OCSP query (which J-LIS charges for).
 */
export async function verifyLogin(input: LoginInput, options: VerifyLoginOptions): Promise<LoginResult> {
  const at = options.at ?? new Date();
  if (!input || !(input.signature instanceof Uint8Array))
    throw new MalformedError('the signature must be bytes');
  const challenge = decodeLoginChallenge(input.challenge);
  checkBinding(challenge, options.expected);
  const age = at.getTime() - challenge.issuedAt.getTime();
  if (age > (options.maxAge ?? 300_000))
    throw new ChallengeExpiredError(`the login challenge was issued ${Math.round(age / 1000)} s ago`);
  if (-age > (options.clockSkew ?? 30_000))
    throw new ChallengeExpiredError('the login challenge is dated in the future');

  const { certificate, anchor } = options.validator.validate(input.certificate, { purpose: 'auth', at });
  if (!verifies(certificate, input.challenge, input.signature))
    throw new BadSignatureError('the login signature does not verify with the authentication certificate');
  const revocation = await checkRevocation(options.revocation, certificate, anchor, at);
  return { serial: certificate.serial, certificate, issuer: anchor, challenge, revocation };
}

function checkBinding(c: LoginChallenge, expected: VerifyLoginOptions['expected']): void {
  const wrong: string[] = [];
  if (c.relyingParty !== expected.relyingParty) wrong.push('relying party');
  if (c.origin !== expected.origin && c.origin !== canonicalOrigin(expected.origin)) wrong.push('origin');
  if (c.nonce !== expected.nonce) wrong.push('nonce');
  if (wrong.length)
    throw new ChallengeMismatchError(`the login challenge names another ${wrong.join(', ')}`, {
      details: { mismatched: wrong },
    });
}

function verifies(c: JpkiCertificate, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify('sha256', data, c.publicKey, signature);
  } catch {
    return false;
  }
}
