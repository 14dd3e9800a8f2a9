import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  privateEncrypt,
} from 'node:crypto';
import { CV_ISSUER, cvKeyId, encodeCvCertificate } from '../formats/cv-certificate.ts';
import { digestInfo, type RsaPublicKey } from '../formats/rsa.ts';
import { generateRsaKey } from './card-keys.ts';

/**
 * The keys that sign what the text and visual APs hold (integrity record, card
 * face), each certified by a card-verifiable certificate from a CV root. In the
 * real system the card issuer keeps them; here the cards part does, in its store.
 */
export interface ApIssuer {
  keyId: Uint8Array;
  /** EF 0004 of the AP */
  cvCertificate: Uint8Array;
  publicKey: RsaPublicKey;
  /** PKCS#1 v1.5 signature of a DigestInfo */
  signDigestInfo(info: Uint8Array): Uint8Array;
  /** PKCS#1 v1.5 SHA-256 signature of data */
  sign(data: Uint8Array): Uint8Array;
}

export interface ApIssuers {
  cardInfo: ApIssuer;
  cardFace: ApIssuer;
  /** the CV root's self-signed certificate: what a verifier trusts */
  rootCertificate: Uint8Array;
  rootPublicKey: RsaPublicKey;
}

export type ApIssuerName = 'root' | 'cardInfo' | 'cardFace';

/** Modulus and exponent of an RSA key (private KeyObject, or SPKI DER). */
export function rsaPublicKey(key: KeyObject | Uint8Array): RsaPublicKey {
  const pub =
    key instanceof Uint8Array
      ? createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' })
      : createPublicKey(key);
  const jwk = pub.export({ format: 'jwk' });
  const b = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
  return { modulus: b(jwk.n), exponent: b(jwk.e) };
}

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const rawSign = (key: KeyObject, info: Uint8Array) =>
  new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, info));

/** Builds the issuers from their private keys (CV certificates are deterministic, so not stored). */
export function apIssuers(keys: Record<ApIssuerName, KeyObject>): ApIssuers {
  const rootId = cvKeyId(CV_ISSUER.root);
  const signWithRoot = (body: Uint8Array) => rawSign(keys.root, digestInfo('SHA-256', sha256(body)));
  const rootPublicKey = rsaPublicKey(keys.root);
  const make = (name: 'cardInfo' | 'cardFace'): ApIssuer => {
    const keyId = cvKeyId(CV_ISSUER[name]);
    const publicKey = rsaPublicKey(keys[name]);
    const signDigestInfo = (info: Uint8Array) => rawSign(keys[name], info);
    return {
      keyId,
      publicKey,
      cvCertificate: encodeCvCertificate(
        { issuerKeyId: rootId, subjectKeyId: keyId, publicKey },
        signWithRoot,
      ),
      signDigestInfo,
      sign: (data) => signDigestInfo(digestInfo('SHA-256', sha256(data))),
    };
  };
  return {
    cardInfo: make('cardInfo'),
    cardFace: make('cardFace'),
    rootCertificate: encodeCvCertificate(
      { issuerKeyId: rootId, subjectKeyId: rootId, publicKey: rootPublicKey },
      signWithRoot,
    ),
    rootPublicKey,
  };
}

export async function generateApIssuerKeys(): Promise<Record<ApIssuerName, KeyObject>> {
  const [root, cardInfo, cardFace] = await Promise.all([
    generateRsaKey(),
    generateRsaKey(),
    generateRsaKey(),
  ]);
  return { root, cardInfo, cardFace };
}

export const exportPkcs8 = (k: KeyObject) => new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
export const importPkcs8 = (der: Uint8Array) =>
  createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
