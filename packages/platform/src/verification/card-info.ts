import { createHash, createPublicKey, verify } from 'node:crypto';
import type { BasicInfo, SexCode } from '@honnin/jpki/profile';
import { FlowError } from '../outcomes.ts';

/**
 * The 4 items of a login, read by the app from the card's 券面事項入力補助AP
 * (card.md): EF 0002 (the items), EF 0003 (SHA-256 of EF 0001 and EF 0002,
 * signed by the AP's issuer key) and EF 0004 (the CV certificate of that key).
 * The platform checks that EF 0002 is what the integrity record covers and that
 * the record's signature verifies with the CV certificate's key. The 個人番号
 * (EF 0001) never leaves the card: the record holds only its hash.
 */
export interface CardInfoFiles {
  basicInfo: string;
  integrity: string;
  certificate: string;
}

interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

function readTlv(b: Uint8Array, at: number, limit = b.length): Tlv {
  let i = at;
  let tag = b[i++]!;
  if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | b[i++]!;
  let len = b[i++]!;
  if (len === undefined) throw bad('truncated TLV');
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw bad('bad TLV length');
    len = 0;
    for (let k = 0; k < n; k++) len = (len << 8) | b[i++]!;
  }
  if (i + len > limit) throw bad('TLV runs past its container');
  return { tag, start: at, valueStart: i, end: i + len };
}

function children(b: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let i = parent.valueStart; i < parent.end; ) {
    if (b[i] === 0xff && out.length && i + 1 < parent.end && b[i + 1] === 0xff) break; // filler
    const t = readTlv(b, i, parent.end);
    out.push(t);
    i = t.end;
  }
  return out;
}

const bad = (why: string) => new FlowError('card_error', `card-info data: ${why}`);
const value = (b: Uint8Array, t: Tlv) => b.subarray(t.valueStart, t.end);
const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);

function field(list: Tlv[], tag: number): Tlv {
  const t = list.find((x) => x.tag === tag);
  if (!t) throw bad(`missing ${tag.toString(16).toUpperCase()}`);
  return t;
}

/** The RSA key in a CV certificate's 5F4E body: 90 (exponent) and 91 (modulus). */
function cvPublicKey(cert: Uint8Array) {
  const outer = readTlv(cert, 0);
  if (outer.tag !== 0x7f21) throw bad('EF 0004 is not a CV certificate');
  const body = field(children(cert, outer), 0x5f4e);
  const v = value(cert, body);
  // issuer key id (16) ‖ subject key id (16) ‖ 90 e ‖ 91 n
  let i = 32;
  const e = readTlv(v, i);
  i = e.end;
  const n = readTlv(v, i);
  if (e.tag !== 0x90 || n.tag !== 0x91) throw bad('CV certificate key is not 90/91');
  const b64u = (x: Uint8Array) => Buffer.from(x).toString('base64url');
  return createPublicKey({
    key: { kty: 'RSA', n: b64u(value(v, n)), e: b64u(value(v, e)) },
    format: 'jwk',
  });
}

export function readCardInfo(input: unknown): BasicInfo {
  const files = input as Partial<CardInfoFiles> | undefined;
  if (
    !files ||
    typeof files.basicInfo !== 'string' ||
    typeof files.integrity !== 'string' ||
    typeof files.certificate !== 'string'
  )
    throw bad('the app must send basicInfo, integrity and certificate');
  const ef2 = new Uint8Array(Buffer.from(files.basicInfo, 'base64'));
  const ef3 = new Uint8Array(Buffer.from(files.integrity, 'base64'));
  const ef4 = new Uint8Array(Buffer.from(files.certificate, 'base64'));

  const top = readTlv(ef2, 0);
  if (top.tag !== 0xff20) throw bad('EF 0002 does not start with FF20');
  const items = children(ef2, top);
  const name = field(items, 0xdf22);
  const address = field(items, 0xdf23);
  const birth = utf8(value(ef2, field(items, 0xdf24)));
  const sex = utf8(value(ef2, field(items, 0xdf25)));
  if (!/^\d{8}$/.test(birth)) throw bad('birth date is not YYYYMMDD');
  if (!['1', '2', '9'].includes(sex)) throw bad('sex is not 1, 2 or 9');

  const record = readTlv(ef3, 0);
  if (record.tag !== 0xff30) throw bad('EF 0003 does not start with FF30');
  const parts = children(ef3, record);
  const df31 = field(parts, 0xdf31);
  const df32 = field(parts, 0xdf32);
  const df33 = field(parts, 0xdf33);
  const covered = createHash('sha256').update(ef2.subarray(name.start, top.end)).digest();
  if (!Buffer.from(value(ef3, df32)).equals(covered))
    throw bad('the basic information does not match its integrity record');
  const signed = Buffer.concat([ef3.subarray(df31.start, df31.end), ef3.subarray(df32.start, df32.end)]);
  if (!verify('sha256', signed, cvPublicKey(ef4), value(ef3, df33)))
    throw new FlowError(
      'signature_invalid',
      'the card-info integrity record is not signed by its issuer key',
    );
  return {
    name: utf8(value(ef2, name)),
    address: utf8(value(ef2, address)),
    birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
    sex: sex as SexCode,
  };
}
