import { createHash } from 'node:crypto';
import { ascii, concat, fromHex, u16, utf8 } from '../apdu/bytes.ts';
import { tlv } from '../apdu/tlv.ts';
import { AID, type Applet, applet, type PinRecord } from '../applets/applet.ts';
import { CARD_INFO_EF, CARD_INFO_TAG, type CardBasicInfo, parseBasicInfo } from '../formats/card-info.ts';
import type { ApIssuer } from './ap-issuers.ts';

/** Names of the text AP's PINs in the card's PIN table. */
export const CARD_INFO_PIN = {
  pin: 'cardInfo.pin',
  codeA: 'cardInfo.codeA',
  codeB: 'cardInfo.codeB',
} as const;

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

/** EF 0001: `FF10 0C` + 12 ASCII digits + `FF FF` filler (17 bytes). */
export function individualNumberFile(individualNumber: string): Uint8Array {
  return concat(tlv(CARD_INFO_TAG.individualNumber, ascii(individualNumber)), fromHex('FFFF'));
}

/** EF 0002: FF20 { DF21 offsets of DF22..DF25, DF22 name, DF23 address, DF24 birth date, DF25 sex }. */
export function basicInfoFile(info: CardBasicInfo): Uint8Array {
  const items = [
    tlv(CARD_INFO_TAG.name, utf8(info.name)),
    tlv(CARD_INFO_TAG.address, utf8(info.address)),
    tlv(CARD_INFO_TAG.birthDate, ascii(info.birthDate.replaceAll('-', ''))),
    tlv(CARD_INFO_TAG.sex, ascii(info.sex)),
  ];
  const body = (offsets: Uint8Array) => concat(tlv(CARD_INFO_TAG.offsets, offsets), ...items);
  // the offsets count from the start of the file, which depends on FF20's own length bytes
  const draft = body(new Uint8Array(8));
  let at = tlv(CARD_INFO_TAG.basicInfo, draft).length - draft.length + 11;
  const offsets: Uint8Array[] = [];
  for (const item of items) {
    offsets.push(u16(at));
    at += item.length;
  }
  return tlv(CARD_INFO_TAG.basicInfo, body(concat(...offsets)));
}

/** EF 0003 (336 bytes): FF30 { DF31 SHA-256(EF 0001), DF32 SHA-256(EF 0002 from DF22), DF33 signature }. */
export function integrityFile(numberFile: Uint8Array, infoFile: Uint8Array, issuer: ApIssuer): Uint8Array {
  const hashedInfo = parseBasicInfo(infoFile).hashed;
  const signed = concat(
    tlv(CARD_INFO_TAG.individualNumberHash, sha256(numberFile)),
    tlv(CARD_INFO_TAG.basicInfoHash, sha256(hashedInfo)),
  );
  return tlv(CARD_INFO_TAG.integrity, signed, tlv(CARD_INFO_TAG.integritySignature, issuer.sign(signed)));
}

/** EF 0005, AP basic info: its layout is not public; this one names the AP version and issuer key. */
export function apInfoFile(issuer: ApIssuer): Uint8Array {
  return tlv(CARD_INFO_TAG.apInfo, tlv(0xdf41, ascii('0101')), tlv(0xdf42, issuer.keyId));
}

export interface CardInfoContent {
  individualNumber: string;
  basicInfo: CardBasicInfo;
  pin: string;
  verificationCodeB: string;
}

export function cardInfoApplet(c: CardInfoContent, issuer: ApIssuer): Applet {
  const number = individualNumberFile(c.individualNumber);
  const info = basicInfoFile(c.basicInfo);
  const { pin, codeA, codeB } = CARD_INFO_PIN;
  return applet('cardInfo', fromHex(AID.cardInfo), [
    { type: 'binary', id: CARD_INFO_EF.individualNumber, data: number, readableWith: [pin, codeA] },
    { type: 'binary', id: CARD_INFO_EF.basicInfo, data: info, readableWith: [pin, codeB] },
    {
      type: 'binary',
      id: CARD_INFO_EF.integrity,
      data: integrityFile(number, info, issuer),
      readableWith: [pin, codeA, codeB],
    },
    { type: 'binary', id: CARD_INFO_EF.cvCertificate, data: issuer.cvCertificate, readableWith: 'always' },
    { type: 'binary', id: CARD_INFO_EF.apInfo, data: apInfoFile(issuer), readableWith: 'always' },
    { type: 'pin', id: CARD_INFO_EF.pin, pin },
    { type: 'pin', id: CARD_INFO_EF.verificationCodeA, pin: codeA },
    { type: 'pin', id: CARD_INFO_EF.verificationCodeB, pin: codeB },
  ]);
}

export function cardInfoPins(c: CardInfoContent): Map<string, PinRecord> {
  return new Map<string, PinRecord>([
    [CARD_INFO_PIN.pin, { value: c.pin, triesLeft: 3, maxTries: 3, format: 'digits4', changeable: true }],
    [
      CARD_INFO_PIN.codeA,
      { value: c.individualNumber, triesLeft: 10, maxTries: 10, format: 'digits12', changeable: false },
    ],
    [
      CARD_INFO_PIN.codeB,
      { value: c.verificationCodeB, triesLeft: 10, maxTries: 10, format: 'digits14', changeable: false },
    ],
  ]);
}
