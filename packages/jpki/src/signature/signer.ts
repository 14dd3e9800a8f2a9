import type { CertificateInput, JpkiCertificate } from '../certificate/parse.ts';
import type { TrustAnchor } from '../chain/trust-store.ts';
import type { CertificateValidator } from '../chain/validator.ts';
import { BadSignatureError } from '../errors.ts';
import type { DecodedBasicInfo } from '../profile/basic-info.ts';
import {
  checkRevocation,
  type OnRevoked,
  type RevocationSource,
  type RevocationStatus,
} from '../revocation/source.ts';
import type { HashAlgorithm } from './digest-info.ts';
import { signatureMatches, signatureOver } from './pkcs1.ts';

export interface VerifySignatureOptions {
  validator: CertificateValidator;
  /** the verification time (default: now) */
  at?: Date | undefined;
  /** OCSP / CRL sources, asked in order; absent = revocation not checked (reported as such) */
  revocation?: RevocationSource | readonly RevocationSource[] | undefined;
  /**
   * 'report' returns a revoked certificate's status (reason, meaning) in the
   * result instead of failing — e.g. to learn the holder moved (seed 003)
   */
  onRevoked?: OnRevoked | undefined;
}

/** Who signed, and whether their certificate stands. */
export interface SignatureResult {
  /** the signer's 基本4情報, era-coded birth date decoded, substitute characters flagged */
  signer: DecodedBasicInfo;
  serial: string;
  certificate: JpkiCertificate;
  /** the CA generation that issued the signature certificate */
  issuer: TrustAnchor;
  revocation: RevocationStatus;
  /** the CMS signing-time attribute, when the signature carries one */
  signingTime?: Date | undefined;
  hash: HashAlgorithm;
}

/** What the signature covers: the bytes themselves when at hand, else their DigestInfo. */
export type SignedForm = { data: Uint8Array } | { digestInfo: Uint8Array };

/**
 * The steps shared by raw and CMS signatures after the bytes are known: signer
 * certificate (profile, purpose, chain, validity) → signature → revocation.
 */
export async function verifySigner(
  certificateInput: CertificateInput,
  signed: SignedForm,
  signature: Uint8Array,
  hash: HashAlgorithm,
  options: VerifySignatureOptions,
  signingTime?: Date,
): Promise<SignatureResult> {
  const at = options.at ?? new Date();
  const { certificate, anchor } = options.validator.validate(certificateInput, { purpose: 'signature', at });
  const ok =
    'data' in signed
      ? signatureOver(certificate.publicKey, hash, signed.data, signature)
      : signatureMatches(certificate.publicKey, signed.digestInfo, signature);
  if (!ok)
    throw new BadSignatureError(
      'the signature does not verify with the signature certificate over this content',
    );
  const revocation = await checkRevocation(options.revocation, certificate, anchor, at, options.onRevoked);
  return {
    signer: certificate.basicInfo!,
    serial: certificate.serial,
    certificate,
    issuer: anchor,
    revocation,
    signingTime,
    hash,
  };
}
