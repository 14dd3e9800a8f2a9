import { MalformedError } from '../errors.ts';

/**
 * A minimal DER reader: locating elements and slicing their exact bytes. The
 * structures themselves are decoded with @peculiar/asn1-*; this is for what a
 * schema library cannot give — the signed bytes exactly as received (TBS parts,
 * CMS signed attributes) and the CRL stream parser, which must not build a tree.
 */
export interface Tlv {
  /** the identifier octet (single-byte tags only: all that X.509/CMS/OCSP use) */
  tag: number;
  /** offset of the identifier octet */
  offset: number;
  /** offset of the first content octet */
  start: number;
  /** offset after the last content octet */
  end: number;
}

/**
 * Reads the header at `offset`; undefined when the bytes before `limit` do not
 * hold the whole header yet (streaming). Content may extend past `limit`.
 */
export function peekHeader(bytes: Uint8Array, offset: number, limit = bytes.length): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f)
    throw new MalformedError('multi-byte ASN.1 tags are not used by JPKI structures');
  const first = bytes[offset + 1]!;
  let length: number;
  let start: number;
  if (first < 0x80) {
    length = first;
    start = offset + 2;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new MalformedError('indefinite length is not DER');
    if (n > 6) throw new MalformedError('ASN.1 length too large');
    if (offset + 2 + n > limit) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + bytes[offset + 2 + i]!;
    if (length < 0x80 || bytes[offset + 2] === 0) throw new MalformedError('non-minimal DER length');
    start = offset + 2 + n;
  }
  return { tag, offset, start, end: start + length };
}

/** Reads a complete element at `offset` that must end by `end`. */
export function readTlv(bytes: Uint8Array, offset: number, end = bytes.length): Tlv {
  const t = peekHeader(bytes, offset, end);
  if (!t || t.end > end) throw new MalformedError('truncated DER');
  return t;
}

/** Reads a complete element and checks its tag. */
export function expectTlv(
  bytes: Uint8Array,
  offset: number,
  tag: number,
  what: string,
  end = bytes.length,
): Tlv {
  const t = readTlv(bytes, offset, end);
  if (t.tag !== tag)
    throw new MalformedError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** The elements inside a constructed element. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let o = parent.start; o < parent.end; ) {
    const t = readTlv(bytes, o, parent.end);
    out.push(t);
    o = t.end;
  }
  return out;
}

/** The element's bytes, header included. */
export const whole = (bytes: Uint8Array, t: Tlv): Uint8Array => bytes.subarray(t.offset, t.end);

/** Constant-time-irrelevant byte equality (all inputs here are public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** An INTEGER's content octets as upper-case hex without leading zeros (how J-LIS writes serials). */
export function serialHex(content: Uint8Array): string {
  const hex = toHex(content)
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
  return hex;
}

/** OBJECT IDENTIFIER content octets → dotted text. */
export function decodeOid(bytes: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x06 || t.end === t.start) throw new MalformedError('expected an OBJECT IDENTIFIER');
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = bytes[i]!;
    if (v === 0 && b === 0x80) throw new MalformedError('non-minimal OID arc');
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER) throw new MalformedError('OID arc too large');
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  if (bytes[t.end - 1]! & 0x80) throw new MalformedError('truncated OID');
  return parts.join('.');
}

/** OID dotted text → DER content octets (for the few OIDs compared by bytes). */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  const out: number[] = [];
  const push = (n: number) => {
    const tmp = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) tmp.unshift((n & 0x7f) | 0x80);
    out.push(...tmp);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return new Uint8Array(out);
}

const digit = (bytes: Uint8Array, i: number): number => {
  const d = bytes[i]! - 0x30;
  if (d < 0 || d > 9) throw new MalformedError('bad digit in ASN.1 time');
  return d;
};
const two = (bytes: Uint8Array, i: number) => digit(bytes, i) * 10 + digit(bytes, i + 1);

/**
 * UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ) → epoch
 * milliseconds. DER forms only: seconds present, Z, no fractions.
 */
export function decodeTime(bytes: Uint8Array, t: Tlv): number {
  let i = t.start;
  let year: number;
  if (t.tag === 0x17 && t.end - t.start === 13) {
    year = two(bytes, i);
    year += year < 50 ? 2000 : 1900;
    i += 2;
  } else if (t.tag === 0x18 && t.end - t.start === 15) {
    year = two(bytes, i) * 100 + two(bytes, i + 2);
    i += 4;
  } else throw new MalformedError('expected a DER UTCTime or GeneralizedTime');
  if (bytes[t.end - 1] !== 0x5a) throw new MalformedError('ASN.1 time must end in Z');
  const month = two(bytes, i);
  const day = two(bytes, i + 2);
  const hour = two(bytes, i + 4);
  const minute = two(bytes, i + 6);
  const second = two(bytes, i + 8);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    throw new MalformedError('ASN.1 time out of range');
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** A directory string (UTF8String, PrintableString, IA5String, …) → text. */
export function decodeString(bytes: Uint8Array, t: Tlv): string {
  const content = bytes.subarray(t.start, t.end);
  try {
    switch (t.tag) {
      case 0x0c: // UTF8String
        return utf8.decode(content);
      case 0x13: // PrintableString
      case 0x16: // IA5String
      case 0x14: // TeletexString (latin-1 in practice)
        return latin1.decode(content);
      case 0x1e: {
        // BMPString: UTF-16BE
        let s = '';
        for (let i = t.start; i + 1 < t.end; i += 2)
          s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
        return s;
      }
      default:
        throw new MalformedError(`tag 0x${t.tag.toString(16)} is not a string`);
    }
  } catch (e) {
    if (e instanceof MalformedError) throw e;
    throw new MalformedError('string is not valid UTF-8', { cause: e });
  }
}

/** The identifier and length octets of an element whose content is `length` bytes. */
export function header(tag: number, length: number): Uint8Array {
  const bytes = [tag];
  if (length < 0x80) bytes.push(length);
  else {
    const lenBytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n & 0xff);
    bytes.push(0x80 | lenBytes.length, ...lenBytes);
  }
  return new Uint8Array(bytes);
}

/** Encodes one element (definite length); `parts` are its content, concatenated. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const head = header(tag, length);
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let o = head.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const oidTlv = (oid: string) => tlv(0x06, encodeOid(oid));

/** DER SET OF: elements sorted by their encodings (X.690 §11.6). */
export function setOf(elements: Uint8Array[], tag = 0x31): Uint8Array {
  const sorted = [...elements].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  });
  return tlv(tag, ...sorted);
}

/** A GeneralizedTime or (1950–2049) UTCTime, as RFC 5280 and CMS want. */
export function timeTlv(ms: number): Uint8Array {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = Number(iso.slice(0, 4));
  const text = year >= 1950 && year < 2050 ? `${digits.slice(2)}Z` : `${digits}Z`;
  return tlv(year >= 1950 && year < 2050 ? 0x17 : 0x18, new TextEncoder().encode(text));
}
