import { MalformedError, UnsupportedError } from '../errors.ts';

/**
 * PKCS#1 DigestInfo — what a My Number Card actually signs: it pads whatever
 * DigestInfo it is given. Pure byte code, safe in a browser.
 */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

export const HASH_OIDS: Readonly<Record<HashAlgorithm, string>> = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};
export const HASH_LENGTHS: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER prefixes of DigestInfo { AlgorithmIdentifier { oid, NULL }, OCTET STRING } (RFC 8017 §9.2). */
const PREFIXES: Readonly<Record<HashAlgorithm, Uint8Array>> = {
  sha256: hex('3031300d060960864801650304020105000420'),
  sha384: hex('3041300d060960864801650304020205000430'),
  sha512: hex('3051300d060960864801650304020305000440'),
};

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));
}

export function isHashAlgorithm(a: unknown): a is HashAlgorithm {
  return a === 'sha256' || a === 'sha384' || a === 'sha512';
}

/** The DigestInfo DER for a digest. */
export function encodeDigestInfo(hash: HashAlgorithm, digest: Uint8Array): Uint8Array {
  if (!isHashAlgorithm(hash)) throw new UnsupportedError(`hash ${String(hash)} is not supported`);
  if (digest.length !== HASH_LENGTHS[hash])
    throw new MalformedError(`a ${hash} digest is ${HASH_LENGTHS[hash]} bytes`);
  const prefix = PREFIXES[hash];
  const out = new Uint8Array(prefix.length + digest.length);
  out.set(prefix);
  out.set(digest, prefix.length);
  return out;
}

/** Reads a DigestInfo DER (the NULL parameters form, as JPKI writes it). */
export function decodeDigestInfo(der: Uint8Array): { hash: HashAlgorithm; digest: Uint8Array } {
  for (const hash of Object.keys(PREFIXES) as HashAlgorithm[]) {
    const p = PREFIXES[hash];
    if (der.length === p.length + HASH_LENGTHS[hash] && p.every((b, i) => der[i] === b)) {
      return { hash, digest: der.slice(p.length) };
    }
  }
  throw new MalformedError('not a SHA-256/384/512 DigestInfo');
}

const SUBTLE_NAMES: Readonly<Record<HashAlgorithm, string>> = {
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

/** DigestInfo over some bytes, with WebCrypto (browser or Node). */
export async function digestInfoOf(data: Uint8Array, hash: HashAlgorithm = 'sha256'): Promise<Uint8Array> {
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest(SUBTLE_NAMES[hash], data as BufferSource),
  );
  return encodeDigestInfo(hash, digest);
}
