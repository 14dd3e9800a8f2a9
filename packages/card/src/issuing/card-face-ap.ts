import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ascii, concat, fromHex, u16 } from '../apdu/bytes.ts';
import { tlv } from '../apdu/tlv.ts';
import { AID, type Applet, applet, type PinRecord } from '../applets/applet.ts';
import { CARD_FACE_EF, CARD_FACE_TAG, type CardFace } from '../formats/card-face.ts';
import { encodePublicKey } from '../formats/cv-certificate.ts';
import type { RsaPublicKey } from '../formats/rsa.ts';
import { digestInfo } from '../formats/rsa.ts';
import type { ApIssuer } from './ap-issuers.ts';
import { renderTextPng } from './text-image.ts';

/** Names of the visual AP's PINs in the card's PIN table. */
export const CARD_FACE_PIN = {
  birthDate: 'cardFace.birthDate',
  codeA: 'cardFace.codeA',
  codeB: 'cardFace.codeB',
} as const;

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

const PHOTOS = ['photo-1.jp2', 'photo-2.jp2', 'photo-3.jp2'];
const photoDir = join(import.meta.dirname, '..', '..', 'assets', 'photos');

/** A drawn (not real) face photo in JPEG 2000, picked by the holder's name. */
export function facePhoto(name: string): Uint8Array {
  const i = sha256(new TextEncoder().encode(name))[0]! % PHOTOS.length;
  return new Uint8Array(readFileSync(join(photoDir, PHOTOS[i]!)));
}

/** Address lines as the card prints them (wrapped at 18 characters). */
function addressLines(address: string): string[] {
  const chars = [...address];
  const lines: string[] = [];
  for (let i = 0; i < chars.length; i += 18) lines.push(chars.slice(i, i + 18).join(''));
  return lines;
}

export interface CardFaceContent {
  name: string;
  address: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: '1' | '2' | '9';
  /** YYYY-MM-DD in Japan */
  expiresOn: string;
  securityCode: string;
  individualNumber: string;
  /** era YYMMDD: the birth-date key that opens EF 0001 */
  birthDateKey: string;
  verificationCodeB: string;
  /** the card's own public key, printed into the face and age records */
  cardPublicKey: RsaPublicKey;
}

/** The name as the card face prints it (a PNG). */
export const nameImage = (name: string): Uint8Array => renderTextPng([name], 40);
/** The address as the card face prints it (a PNG, wrapped lines). */
export const addressImage = (address: string): Uint8Array => renderTextPng(addressLines(address), 24);

/** EF 0002 of a newly issued card: the face drawn from the holder's items. */
export function faceFile(c: CardFaceContent, issuer: ApIssuer): Uint8Array {
  return encodeFace(
    {
      birthDate: c.birthDate,
      sex: c.sex,
      publicKey: c.cardPublicKey,
      nameImage: nameImage(c.name),
      addressImage: addressImage(c.address),
      photo: facePhoto(c.name),
      expiresOn: c.expiresOn,
      securityCodeImage: renderTextPng([c.securityCode], 28),
    },
    issuer,
  );
}

/**
 * EF 0002: FF20 { DF21 offsets, DF22 birth date, DF23 sex, DF24 card key, DF25 name PNG,
 * DF26 address PNG, DF27 photo JP2, DF28 signature, DF29 expiry, DF2A security-code PNG }.
 * DF28 is PKCS#1 v1.5 over DigestInfo(SHA-256) of a 96-byte value: SHA-256 of
 * DF22‖DF23‖DF24, of DF25‖DF26 and of DF27; expiry and security code are not covered.
 */
export function encodeFace(f: CardFace, issuer: ApIssuer): Uint8Array {
  const t = CARD_FACE_TAG;
  const birth = tlv(t.birthDate, ascii(f.birthDate.replaceAll('-', '')));
  const sex = tlv(t.sex, ascii(f.sex));
  const key = tlv(t.publicKey, encodePublicKey(f.publicKey));
  const name = tlv(t.nameImage, f.nameImage);
  const address = tlv(t.addressImage, f.addressImage);
  const photo = tlv(t.photo, f.photo);
  const value = concat(sha256(concat(birth, sex, key)), sha256(concat(name, address)), sha256(photo));
  const signature = tlv(t.signature, issuer.signDigestInfo(digestInfo('SHA-256', value)));
  const expiry = tlv(t.expiry, ascii(f.expiresOn.replaceAll('-', '')));
  const code = tlv(t.securityCodeImage, f.securityCodeImage);
  const items = [birth, sex, key, name, address, photo, signature, expiry, code];
  const draft = concat(tlv(t.offsets, new Uint8Array(8)), ...items);
  const start = tlv(t.face, draft).length - draft.length + 11;
  // DF21: where the birth date, name image, address image and photo start
  const at = (i: number) => start + items.slice(0, i).reduce((n, x) => n + x.length, 0);
  const offsets = concat(u16(at(0)), u16(at(3)), u16(at(4)), u16(at(5)));
  return tlv(t.face, tlv(t.offsets, offsets), ...items);
}

/** EF 0003, AP basic info: not public beyond "includes the municipality code". */
export function faceApInfoFile(municipalityCode: string): Uint8Array {
  return tlv(CARD_FACE_TAG.apInfo, tlv(CARD_FACE_TAG.municipality, ascii(municipalityCode)));
}

/** EF 0001, the age record: FF10 { DF11 birth date, DF12 card key, DF13 signature over DF11‖DF12 }. */
export function ageRecordFile(c: CardFaceContent, issuer: ApIssuer): Uint8Array {
  const t = CARD_FACE_TAG;
  const signed = concat(
    tlv(t.ageBirthDate, ascii(c.birthDate.replaceAll('-', ''))),
    tlv(t.agePublicKey, encodePublicKey(c.cardPublicKey)),
  );
  return tlv(t.ageRecord, signed, tlv(t.ageSignature, issuer.sign(signed)));
}

export function cardFaceApplet(c: CardFaceContent, issuer: ApIssuer, municipalityCode: string): Applet {
  const t = CARD_FACE_TAG;
  const { birthDate, codeA, codeB } = CARD_FACE_PIN;
  const digits = c.individualNumber;
  const numberImage = renderTextPng([`${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}`], 32);
  return applet('cardFace', fromHex(AID.cardFace), [
    { type: 'binary', id: CARD_FACE_EF.ageRecord, data: ageRecordFile(c, issuer), readableWith: [birthDate] },
    { type: 'binary', id: CARD_FACE_EF.face, data: faceFile(c, issuer), readableWith: [codeA, codeB] },
    {
      type: 'binary',
      id: CARD_FACE_EF.apInfo,
      data: faceApInfoFile(municipalityCode),
      readableWith: 'always',
    },
    { type: 'binary', id: CARD_FACE_EF.cvCertificate, data: issuer.cvCertificate, readableWith: 'always' },
    {
      type: 'binary',
      id: CARD_FACE_EF.individualNumberImage,
      data: tlv(t.individualNumberImage, tlv(t.image, numberImage)),
      readableWith: [codeA],
    },
    { type: 'pin', id: CARD_FACE_EF.birthDateKey, pin: birthDate },
    { type: 'pin', id: CARD_FACE_EF.verificationCodeB, pin: codeB },
    { type: 'pin', id: CARD_FACE_EF.verificationCodeA, pin: codeA },
  ]);
}

export function cardFacePins(c: CardFaceContent): Map<string, PinRecord> {
  const fixed = (value: string, format: PinRecord['format']): PinRecord => ({
    value,
    triesLeft: 10,
    maxTries: 10,
    format,
    changeable: false,
  });
  return new Map([
    [CARD_FACE_PIN.birthDate, fixed(c.birthDateKey, 'digits6')],
    [CARD_FACE_PIN.codeA, fixed(c.individualNumber, 'digits12')],
    [CARD_FACE_PIN.codeB, fixed(c.verificationCodeB, 'digits14')],
  ]);
}
