import type { CertificateInput } from '../certificate/parse.ts';
import { MalformedError, UnsupportedError } from '../errors.ts';
import { decodeDigestInfo, encodeDigestInfo, type HashAlgorithm, isHashAlgorithm } from './digest-info.ts';
import { hashBytes } from './pkcs1.ts';
import { type SignatureResult, type VerifySignatureOptions, verifySigner } from './signer.ts';

/** What was signed: the document itself, its digest, or the DigestInfo the card was given. */
export type SignedContent =
  | { document: Uint8Array; hash?: HashAlgorithm | undefined }
  | { digest: Uint8Array; hash?: HashAlgorithm | undefined }
  | { digestInfo: Uint8Array };

export type RawSignatureInput = SignedContent & {
  /** the card's raw PKCS#1 v1.5 signature (256 bytes for RSA-2048) */
  signature: Uint8Array;
  /** the signature certificate (DER or PEM) */
  certificate: CertificateInput;
};

/** The DigestInfo a signature over this content covers. */
export function digestInfoFor(content: SignedContent): { digestInfo: Uint8Array; hash: HashAlgorithm } {
  if ('digestInfo' in content && content.digestInfo instanceof Uint8Array) {
    const { hash } = decodeDigestInfo(content.digestInfo);
    return { digestInfo: content.digestInfo, hash };
  }
  const hash = ('hash' in content && content.hash) || 'sha256';
  if ('digest' in content && content.digest instanceof Uint8Array)
    return { digestInfo: encodeDigestInfo(hash, content.digest), hash };
  if ('document' in content && content.document instanceof Uint8Array)
    return { digestInfo: encodeDigestInfo(hash, hashBytes(hash, content.document)), hash };
  throw new MalformedError('give the signed document, its digest or its DigestInfo as bytes');
}

/**
 * Verifies a raw signature made with the signature certificate (as the signing
 * API returns it): certificate → signature → revocation. Returns the signer's 4
 * items. Raw signatures carry no signing time.
 */
export async function verifySignature(
  input: RawSignatureInput,
  options: VerifySignatureOptions,
): Promise<SignatureResult> {
  if (!input || !(input.signature instanceof Uint8Array))
    throw new MalformedError('the signature must be bytes');
  if ('document' in input && input.document instanceof Uint8Array) {
    const hash = input.hash ?? 'sha256';
    if (!isHashAlgorithm(hash)) throw new UnsupportedError(`hash ${String(hash)} is not supported`);
    return verifySigner(input.certificate, { data: input.document }, input.signature, hash, options);
  }
  const { digestInfo, hash } = digestInfoFor(input);
  return verifySigner(input.certificate, { digestInfo }, input.signature, hash, options);
}
