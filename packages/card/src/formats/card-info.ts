/**
 * File formats of the 券面事項入力補助AP (card.md). Parsing only (browser-safe);
 * the issuing side writes them.
 */
import { fromUtf8 } from '../apdu/bytes.ts';
import { child, readTlv, readTlvs, TlvError } from '../apdu/tlv.ts';

export const CARD_INFO_EF = {
  individualNumber: 0x0001,
  basicInfo: 0x0002,
  integrity: 0x0003,
  cvCertificate: 0x0004,
  apInfo: 0x0005,
  pin: 0x0011,
  verificationCodeA: 0x0014,
  verificationCodeB: 0x0015,
} as const;

export const CARD_INFO_TAG = {
  individualNumber: 0xff10,
  basicInfo: 0xff20,
  offsets: 0xdf21,
  name: 0xdf22,
  address: 0xdf23,
  birthDate: 0xdf24,
  sex: 0xdf25,
  integrity: 0xff30,
  individualNumberHash: 0xdf31,
  basicInfoHash: 0xdf32,
  integritySignature: 0xdf33,
  apInfo: 0xff40,
} as const;

/** EF 0001 is 17 bytes on the card: FF10 0C + 12 digits + FF FF. */
export const INDIVIDUAL_NUMBER_FILE_LENGTH = 17;

export function parseIndividualNumber(file: Uint8Array): string {
  const t = readTlv(file);
  if (t.tag !== CARD_INFO_TAG.individualNumber) throw new TlvError('EF 0001 is not FF10');
  const s = fromUtf8(t.value);
  if (!/^[0-9]{12}$/.test(s)) throw new TlvError('EF 0001 does not hold 12 digits');
  return s;
}

export interface CardBasicInfo {
  name: string;
  address: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: '1' | '2' | '9';
}

export interface ParsedBasicInfo {
  info: CardBasicInfo;
  /** the bytes from the DF22 TLV to the end of FF20's value: what DF32 hashes */
  hashed: Uint8Array;
}

export function parseBasicInfo(file: Uint8Array): ParsedBasicInfo {
  const outer = readTlv(file);
  if (outer.tag !== CARD_INFO_TAG.basicInfo) throw new TlvError('EF 0002 is not FF20');
  const kids = readTlvs(outer.value);
  const name = child(kids, CARD_INFO_TAG.name);
  const text = (tag: number) => fromUtf8(child(kids, tag).value);
  const ymd = text(CARD_INFO_TAG.birthDate);
  const sex = text(CARD_INFO_TAG.sex);
  if (!/^[0-9]{8}$/.test(ymd)) throw new TlvError('DF24 is not YYYYMMDD');
  if (sex !== '1' && sex !== '2' && sex !== '9') throw new TlvError('DF25 is not 1, 2 or 9');
  return {
    info: {
      name: text(CARD_INFO_TAG.name),
      address: text(CARD_INFO_TAG.address),
      birthDate: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
      sex,
    },
    hashed: outer.value.subarray(name.start),
  };
}

export interface ParsedIntegrity {
  individualNumberHash: Uint8Array;
  basicInfoHash: Uint8Array;
  /** DF31 TLV ‖ DF32 TLV: what DF33 signs */
  signed: Uint8Array;
  signature: Uint8Array;
}

export function parseIntegrity(file: Uint8Array): ParsedIntegrity {
  const outer = readTlv(file);
  if (outer.tag !== CARD_INFO_TAG.integrity) throw new TlvError('EF 0003 is not FF30');
  const kids = readTlvs(outer.value);
  const a = child(kids, CARD_INFO_TAG.individualNumberHash);
  const b = child(kids, CARD_INFO_TAG.basicInfoHash);
  return {
    individualNumberHash: a.value,
    basicInfoHash: b.value,
    signed: outer.value.subarray(a.start, b.end),
    signature: child(kids, CARD_INFO_TAG.integritySignature).value,
  };
}
