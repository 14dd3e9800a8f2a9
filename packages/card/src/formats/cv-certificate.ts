/**
 * Card-verifiable certificates of the text and visual APs (card.md, EF 0004):
 * `7F21 { 5F4E { issuer key id 16 ‖ subject key id 16 ‖ 90 exponent ‖ 91 modulus },
 * 5F37 signature over the 5F4E value }`. Browser-safe; signing is passed in.
 */
import { ascii, concat, u16 } from '../apdu/bytes.ts';
import { child, readTlv, readTlvs, tlv } from '../apdu/tlv.ts';
import type { RsaPublicKey } from './rsa.ts';

export const CV_TAG = { certificate: 0x7f21, body: 0x5f4e, signature: 0x5f37, exponent: 0x90, modulus: 0x91 };

/** Issuer numbers: production `5000033` (text) / `5000023` (visual); test cards `6000033` / `6000023`. */
export const CV_ISSUER = { cardInfo: '6000033', cardFace: '6000023', root: '6000000' } as const;

/** Key id: 7 ASCII digits, 2 bytes (generation), 3 ASCII digits, 4 bytes padding. */
export function cvKeyId(number: string, generation = 1, suffix = '001'): Uint8Array {
  if (!/^[0-9]{7}$/.test(number) || !/^[0-9]{3}$/.test(suffix)) throw new RangeError('bad CV key id');
  return concat(ascii(number), u16(generation), ascii(suffix), new Uint8Array(4));
}

/** The public key as the card writes it: `90 exponent ‖ 91 modulus`. */
export function encodePublicKey(key: RsaPublicKey): Uint8Array {
  return concat(tlv(CV_TAG.exponent, key.exponent), tlv(CV_TAG.modulus, key.modulus));
}

export function decodePublicKey(bytes: Uint8Array): RsaPublicKey {
  const kids = readTlvs(bytes);
  return { exponent: child(kids, CV_TAG.exponent).value, modulus: child(kids, CV_TAG.modulus).value };
}

export interface CvCertificate {
  issuerKeyId: Uint8Array;
  subjectKeyId: Uint8Array;
  publicKey: RsaPublicKey;
  /** the 5F4E value, which the signature covers */
  body: Uint8Array;
  signature: Uint8Array;
}

export function encodeCvCertificate(
  p: { issuerKeyId: Uint8Array; subjectKeyId: Uint8Array; publicKey: RsaPublicKey },
  sign: (body: Uint8Array) => Uint8Array,
): Uint8Array {
  const body = concat(p.issuerKeyId, p.subjectKeyId, encodePublicKey(p.publicKey));
  return tlv(CV_TAG.certificate, tlv(CV_TAG.body, body), tlv(CV_TAG.signature, sign(body)));
}

export function parseCvCertificate(bytes: Uint8Array): CvCertificate {
  const outer = readTlv(bytes);
  if (outer.tag !== CV_TAG.certificate) throw new RangeError('not a CV certificate (7F21)');
  const kids = readTlvs(outer.value);
  const body = child(kids, CV_TAG.body).value;
  return {
    issuerKeyId: body.subarray(0, 16),
    subjectKeyId: body.subarray(16, 32),
    publicKey: decodePublicKey(body.subarray(32)),
    body,
    signature: child(kids, CV_TAG.signature).value,
  };
}
