/**
 * RSA public-key operations with BigInt, so a browser can check the card's
 * signatures over DigestInfos WebCrypto will not take (the card face's 96-byte
 * value). Browser-safe.
 */
import { concat, equalBytes, fromHex } from '../apdu/bytes.ts';

export interface RsaPublicKey {
  modulus: Uint8Array;
  exponent: Uint8Array;
}

const toBig = (b: Uint8Array) => {
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n;
};

function toBytes(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** DigestInfo prefixes (card.md) by hash. */
export const DIGEST_INFO_PREFIX = {
  'SHA-1': fromHex('3021300906052B0E03021A05000414'),
  'SHA-256': fromHex('3031300D060960864801650304020105000420'),
  'SHA-384': fromHex('3041300D060960864801650304020205000430'),
  'SHA-512': fromHex('3051300D060960864801650304020305000440'),
} as const;

export type HashName = keyof typeof DIGEST_INFO_PREFIX;

export function digestInfo(hash: HashName, digest: Uint8Array): Uint8Array {
  return concat(DIGEST_INFO_PREFIX[hash], digest);
}

/** EMSA-PKCS1-v1_5 encoding of an arbitrary DigestInfo into k bytes. */
export function pkcs1Encode(info: Uint8Array, k: number): Uint8Array {
  if (info.length > k - 11) throw new RangeError('DigestInfo too long for the key');
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - info.length - 1] = 0;
  em.set(info, k - info.length);
  return em;
}

/** True when `signature` is a PKCS#1 v1.5 signature of `info` under `key`. */
export function verifyPkcs1(key: RsaPublicKey, info: Uint8Array, signature: Uint8Array): boolean {
  const k = key.modulus[0] === 0 ? key.modulus.length - 1 : key.modulus.length;
  if (signature.length !== k) return false;
  const n = toBig(key.modulus);
  const s = toBig(signature);
  if (s >= n) return false;
  const m = modPow(s, toBig(key.exponent), n);
  try {
    return equalBytes(toBytes(m, k), pkcs1Encode(info, k));
  } catch {
    return false;
  }
}
