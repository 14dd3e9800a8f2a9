/**
 * BER-TLV as the card's data files use it: 1- or 2-byte tags (FF20, DF22, 5F4E,
 * 7F21 …) and definite lengths (short, 81 xx, 82 xxxx). Browser-safe.
 */
import { concat } from './bytes.ts';

export interface Tlv {
  tag: number;
  /** offset of the tag in the parsed buffer */
  start: number;
  /** offset just past the value */
  end: number;
  value: Uint8Array;
}

export class TlvError extends Error {
  override readonly name = 'TlvError';
}

function tagBytes(tag: number): number[] {
  return tag > 0xff ? [tag >> 8, tag & 0xff] : [tag];
}

export function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  if (n <= 0xff) return [0x81, n];
  if (n <= 0xffff) return [0x82, n >> 8, n & 0xff];
  throw new RangeError(`TLV value too long: ${n}`);
}

export function tlv(tag: number, ...values: Uint8Array[]): Uint8Array {
  const value = concat(...values);
  return concat(Uint8Array.from([...tagBytes(tag), ...lengthBytes(value.length)]), value);
}

/** Reads one TLV at `offset`. */
export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  let i = offset;
  const need = (n: number) => {
    if (i + n > buf.length) throw new TlvError(`truncated TLV at ${offset}`);
  };
  need(1);
  let tag = buf[i++]!;
  if ((tag & 0x1f) === 0x1f) {
    need(1);
    const next = buf[i++]!;
    if (next & 0x80) throw new TlvError('tags longer than 2 bytes are not used on the card');
    tag = (tag << 8) | next;
  }
  need(1);
  let len = buf[i++]!;
  if (len === 0x81) {
    need(1);
    len = buf[i++]!;
  } else if (len === 0x82) {
    need(2);
    len = (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  } else if (len >= 0x80) throw new TlvError(`unsupported length byte ${len.toString(16)}`);
  need(len);
  return { tag, start: offset, end: i + len, value: buf.subarray(i, i + len) };
}

/** The TLVs one after another inside a constructed value. */
export function readTlvs(buf: Uint8Array): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < buf.length) {
    const t = readTlv(buf, i);
    out.push(t);
    i = t.end;
  }
  return out;
}

/** The first child with `tag` inside a constructed value, or an error naming it. */
export function child(children: readonly Tlv[], tag: number): Tlv {
  const t = children.find((c) => c.tag === tag);
  if (!t) throw new TlvError(`missing tag ${tag.toString(16).toUpperCase()}`);
  return t;
}

/**
 * Total length of the DER/BER object starting at `header`'s first byte, from its
 * first bytes only (how clients size a certificate before the READ loop).
 * Returns undefined when `header` is too short to tell.
 */
export function encodedLength(header: Uint8Array): number | undefined {
  try {
    let i = 1;
    if ((header[0]! & 0x1f) === 0x1f) i++;
    const l = header[i];
    if (l === undefined) return undefined;
    if (l < 0x80) return i + 1 + l;
    const n = l & 0x7f;
    if (n === 0 || n > 3 || header.length < i + 1 + n) return undefined;
    let len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + header[i + 1 + k]!;
    return i + 1 + n + len;
  } catch {
    return undefined;
  }
}
