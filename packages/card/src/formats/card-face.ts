/**
 * File formats of the 券面事項確認AP ("visual", card face) (card.md). Parsing
 * only (browser-safe); the issuing side writes them.
 */
import { concat, fromUtf8 } from '../apdu/bytes.ts';
import { child, readTlv, readTlvs, TlvError } from '../apdu/tlv.ts';
import { decodePublicKey } from './cv-certificate.ts';
import type { RsaPublicKey } from './rsa.ts';

export const CARD_FACE_EF = {
  ageRecord: 0x0001,
  face: 0x0002,
  apInfo: 0x0003,
  cvCertificate: 0x0004,
  individualNumberImage: 0x0005,
  birthDateKey: 0x0011,
  verificationCodeB: 0x0012,
  verificationCodeA: 0x0013,
} as const;

export const CARD_FACE_TAG = {
  face: 0xff20,
  offsets: 0xdf21,
  birthDate: 0xdf22,
  sex: 0xdf23,
  publicKey: 0xdf24,
  nameImage: 0xdf25,
  addressImage: 0xdf26,
  photo: 0xdf27,
  signature: 0xdf28,
  expiry: 0xdf29,
  securityCodeImage: 0xdf2a,
  ageRecord: 0xff10,
  ageBirthDate: 0xdf11,
  agePublicKey: 0xdf12,
  ageSignature: 0xdf13,
  apInfo: 0xff30,
  municipality: 0xdf31,
  individualNumberImage: 0xff40,
  image: 0xdf41,
} as const;

export interface CardFace {
  /** YYYY-MM-DD */
  birthDate: string;
  sex: '1' | '2' | '9';
  /** the card's own public key printed into the face record */
  publicKey: RsaPublicKey;
  nameImage: Uint8Array;
  addressImage: Uint8Array;
  /** JPEG 2000 */
  photo: Uint8Array;
  /** YYYY-MM-DD */
  expiresOn: string;
  securityCodeImage: Uint8Array;
}

export interface ParsedCardFace {
  face: CardFace;
  /** the three parts whose SHA-256 digests, concatenated, the signature covers */
  signedParts: [Uint8Array, Uint8Array, Uint8Array];
  signature: Uint8Array;
}

const isoDate = (ymd: string) => {
  if (!/^[0-9]{8}$/.test(ymd)) throw new TlvError('date is not YYYYMMDD');
  return `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`;
};

export function parseCardFace(file: Uint8Array): ParsedCardFace {
  const outer = readTlv(file);
  if (outer.tag !== CARD_FACE_TAG.face) throw new TlvError('EF 0002 is not FF20');
  const kids = readTlvs(outer.value);
  const t = (tag: number) => child(kids, tag);
  const raw = (tag: number) => {
    const x = t(tag);
    return outer.value.subarray(x.start, x.end);
  };
  const sex = fromUtf8(t(CARD_FACE_TAG.sex).value);
  if (sex !== '1' && sex !== '2' && sex !== '9') throw new TlvError('DF23 is not 1, 2 or 9');
  return {
    face: {
      birthDate: isoDate(fromUtf8(t(CARD_FACE_TAG.birthDate).value)),
      sex,
      publicKey: decodePublicKey(t(CARD_FACE_TAG.publicKey).value),
      nameImage: t(CARD_FACE_TAG.nameImage).value,
      addressImage: t(CARD_FACE_TAG.addressImage).value,
      photo: t(CARD_FACE_TAG.photo).value,
      expiresOn: isoDate(fromUtf8(t(CARD_FACE_TAG.expiry).value)),
      securityCodeImage: t(CARD_FACE_TAG.securityCodeImage).value,
    },
    signedParts: [
      concat(raw(CARD_FACE_TAG.birthDate), raw(CARD_FACE_TAG.sex), raw(CARD_FACE_TAG.publicKey)),
      concat(raw(CARD_FACE_TAG.nameImage), raw(CARD_FACE_TAG.addressImage)),
      raw(CARD_FACE_TAG.photo),
    ],
    signature: t(CARD_FACE_TAG.signature).value,
  };
}

export function parseIndividualNumberImage(file: Uint8Array): Uint8Array {
  const outer = readTlv(file);
  if (outer.tag !== CARD_FACE_TAG.individualNumberImage) throw new TlvError('EF 0005 is not FF40');
  return child(readTlvs(outer.value), CARD_FACE_TAG.image).value;
}
