import { constants, createHash, type KeyObject, publicDecrypt, verify } from 'node:crypto';
import { bytesEqual } from '../encoding/der.ts';
import { UnsupportedError } from '../errors.ts';
import { OID } from '../profile/oids.ts';
import { encodeDigestInfo, type HashAlgorithm, isHashAlgorithm } from './digest-info.ts';

/**
 * RSASSA-PKCS1-v1_5, the only signature scheme in JPKI (cards, CAs, OCSP, CRLs).
 * Signed things are given either as their bytes or, when they were hashed while
 * streaming (CRLs), as their digest.
 */
export type SignedBytes = { algorithm: string; signature: Uint8Array } & (
  | { tbs: Uint8Array }
  | { digest: Uint8Array }
);

const HASH_OF_SIGNATURE_ALGORITHM: Readonly<Record<string, HashAlgorithm>> = {
  [OID.sha256WithRSAEncryption]: 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

/** The hash of a sha*WithRSAEncryption algorithm; UnsupportedError for anything else. */
export function hashOfSignatureAlgorithm(oid: string): HashAlgorithm {
  const hash = HASH_OF_SIGNATURE_ALGORITHM[oid];
  if (!hash) throw new UnsupportedError(`signature algorithm ${oid} is not used in JPKI`);
  return hash;
}

export function verifySigned(key: KeyObject, s: SignedBytes): boolean {
  const hash = hashOfSignatureAlgorithm(s.algorithm);
  if ('digest' in s) return signatureMatches(key, encodeDigestInfo(hash, s.digest), s.signature);
  return signatureOver(key, hash, s.tbs, s.signature);
}

/** Verification when the signed bytes themselves are at hand (faster than recovering the DigestInfo). */
export function signatureOver(
  key: KeyObject,
  hash: HashAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * Verification against an expected DigestInfo: recover the encoded DigestInfo
 * with the public key and compare (RFC 8017 §8.2.2). Works for a document, a
 * digest or a DigestInfo alike — the card signs all three the same way.
 */
export function signatureMatches(key: KeyObject, digestInfo: Uint8Array, signature: Uint8Array): boolean {
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (signature.length !== modulusBytes) return false;
  try {
    const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return bytesEqual(new Uint8Array(recovered), digestInfo);
  } catch {
    return false;
  }
}

export function hashBytes(hash: HashAlgorithm, data: Uint8Array): Uint8Array {
  if (!isHashAlgorithm(hash)) throw new UnsupportedError(`hash ${String(hash)} is not supported`);
  return new Uint8Array(createHash(hash).update(data).digest());
}
