import * as asn1js from 'asn1js';
import { decodeEraBirthDate, encodeEraBirthDate, isIsoDate } from './era.ts';
import { OID } from './oids.ts';

/** 性別 as the card and the certificate code it. */
export type SexCode = '1' | '2' | '9';
export const SEX_CODES: readonly SexCode[] = ['1', '2', '9'];

/**
 * 基本4情報 — the four basic items. Dates are ISO (YYYY-MM-DD). The flag strings
 * hold one '0'/'1' per character of name/address: '1' where a substitute
 * character (代替文字) stands for one the card's character set lacks.
 */
export interface BasicInfo {
  name: string;
  address: string;
  birthDate: string;
  sex: SexCode;
  nameFlags?: string | undefined;
  addressFlags?: string | undefined;
}

/** What the signature certificate's subjectAltName says, decoded. */
export interface DecodedBasicInfo extends Required<BasicInfo> {
  /** the era digit J-LIS wrote in front of the date (0 = unknown era) */
  birthDateEra: number;
  /** true when some character of the name or address is a substitute */
  hasSubstitutes: boolean;
}

export class BasicInfoError extends Error {
  readonly code = 'basic_info_invalid';
}

const chars = (s: string) => [...s].length;

/** Checks the four items before they go into a certificate or a card. */
export function validateBasicInfo(info: BasicInfo): string[] {
  const problems: string[] = [];
  if (!info.name || chars(info.name) > 100) problems.push('name must hold 1–100 characters');
  if (!info.address || chars(info.address) > 200) problems.push('address must hold 1–200 characters');
  if (!isIsoDate(info.birthDate)) problems.push('birthDate must be a date YYYY-MM-DD');
  if (!SEX_CODES.includes(info.sex)) problems.push("sex must be '1', '2' or '9'");
  for (const [field, flags, value] of [
    ['nameFlags', info.nameFlags, info.name],
    ['addressFlags', info.addressFlags, info.address],
  ] as const) {
    if (flags !== undefined && (!/^[01]*$/.test(flags) || flags.length !== chars(value ?? ''))) {
      problems.push(`${field} must hold one 0/1 per character`);
    }
  }
  return problems;
}

function otherName(oid: string, value: string): asn1js.Constructed {
  // GeneralName otherName: [0] IMPLICIT SEQUENCE { type-id, [0] EXPLICIT value }
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 0 },
    value: [
      new asn1js.ObjectIdentifier({ value: oid }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Utf8String({ value })],
      }),
    ],
  });
}

/**
 * The signature certificate's subjectAltName value (DER of GeneralNames), with
 * the otherNames in the order real cards carry them: .1 .4 .3 .5 .2 .6.
 */
export function encodeBasicInfoSan(info: BasicInfo): Uint8Array {
  const problems = validateBasicInfo(info);
  if (problems.length) throw new BasicInfoError(problems.join('; '));
  const zeros = (s: string) => '0'.repeat(chars(s));
  const names = new asn1js.Sequence({
    value: [
      otherName(OID.sanName, info.name),
      otherName(OID.sanBirthDate, encodeEraBirthDate(info.birthDate)),
      otherName(OID.sanSex, info.sex),
      otherName(OID.sanAddress, info.address),
      otherName(OID.sanNameFlags, info.nameFlags ?? zeros(info.name)),
      otherName(OID.sanAddressFlags, info.addressFlags ?? zeros(info.address)),
    ],
  });
  return new Uint8Array(names.toBER());
}

/** Decodes the SAN of a signature certificate; throws BasicInfoError when it is not JPKI's. */
export function decodeBasicInfoSan(der: Uint8Array): DecodedBasicInfo {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new BasicInfoError('subjectAltName is not a GeneralNames sequence');
  }
  const values = new Map<string, string>();
  for (const gn of parsed.result.valueBlock.value) {
    if (gn.idBlock.tagClass !== 3 || gn.idBlock.tagNumber !== 0 || !(gn instanceof asn1js.Constructed))
      continue;
    const [oid, wrapped] = gn.valueBlock.value;
    if (!(oid instanceof asn1js.ObjectIdentifier) || !(wrapped instanceof asn1js.Constructed)) {
      throw new BasicInfoError('malformed otherName');
    }
    const inner = wrapped.valueBlock.value[0];
    if (!(inner instanceof asn1js.Utf8String))
      throw new BasicInfoError(`otherName ${oid.valueBlock.toString()} is not a UTF8String`);
    values.set(oid.valueBlock.toString(), inner.valueBlock.value);
  }
  const need = (oid: string, what: string) => {
    const v = values.get(oid);
    if (v === undefined) throw new BasicInfoError(`subjectAltName lacks ${what} (${oid})`);
    return v;
  };
  const name = need(OID.sanName, 'the name');
  const address = need(OID.sanAddress, 'the address');
  const birth = decodeEraBirthDate(need(OID.sanBirthDate, 'the birth date'));
  if (!birth) throw new BasicInfoError('birth date is not era-coded EYYYYMMDD');
  const sex = need(OID.sanSex, 'the sex');
  if (!SEX_CODES.includes(sex as SexCode)) throw new BasicInfoError(`sex code ${sex} is not 1, 2 or 9`);
  const nameFlags = values.get(OID.sanNameFlags) ?? '0'.repeat(chars(name));
  const addressFlags = values.get(OID.sanAddressFlags) ?? '0'.repeat(chars(address));
  if (!/^[01]*$/.test(nameFlags) || !/^[01]*$/.test(addressFlags))
    throw new BasicInfoError('substitute flags are not 0/1');
  return {
    name,
    address,
    birthDate: birth.isoDate,
    birthDateEra: birth.eraDigit,
    sex: sex as SexCode,
    nameFlags,
    addressFlags,
    hasSubstitutes: nameFlags.includes('1') || addressFlags.includes('1'),
  };
}
