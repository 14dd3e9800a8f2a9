/**
 * The few DER pieces the streaming CRL encoder writes by hand: lengths,
 * headers, times and the revokedCertificates entries. Everything with more
 * structure (names, algorithm identifiers, extensions) comes from
 * @peculiar/asn1-x509; entries are hand-written because a CRL may list
 * millions of them and must not become millions of objects.
 */

/** DER length octets. */
export function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Tag and length octets of a value `length` bytes long. */
export function derHeader(tag: number, length: number): Uint8Array {
  return concat([Uint8Array.of(tag), derLength(length)]);
}

export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([derHeader(tag, body.length), body]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A non-negative INTEGER (CRL numbers). */
export function derInteger(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return tlv(0x02, bytes[0]! & 0x80 ? Uint8Array.of(0, ...bytes) : new Uint8Array(bytes));
}

/** RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Z. */
export function derTime(d: Date): Uint8Array {
  const buf = new Uint8Array(17);
  return buf.slice(0, writeTime(buf, 0, d.getTime()));
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => [48 + Math.floor(i / 10), 48 + (i % 10)] as const);

/** Writes a DER time at `off`; returns the offset after it. */
export function writeTime(buf: Uint8Array, off: number, ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const utc = year >= 1950 && year < 2050;
  buf[off++] = utc ? 0x17 : 0x18;
  buf[off++] = utc ? 13 : 15;
  if (!utc) off = put2(buf, off, Math.floor(year / 100));
  off = put2(buf, off, year % 100);
  off = put2(buf, off, d.getUTCMonth() + 1);
  off = put2(buf, off, d.getUTCDate());
  off = put2(buf, off, d.getUTCHours());
  off = put2(buf, off, d.getUTCMinutes());
  off = put2(buf, off, d.getUTCSeconds());
  buf[off++] = 0x5a; // Z
  return off;
}

function put2(buf: Uint8Array, off: number, v: number): number {
  const [a, b] = TWO_DIGITS[v]!;
  buf[off] = a;
  buf[off + 1] = b;
  return off + 2;
}

/** The largest entry writeEntry produces: 20-byte serial + sign byte, GeneralizedTime, reason. */
export const MAX_ENTRY_BYTES = 2 + (2 + 21) + 17 + 14;

const REASON_EXTENSIONS = [0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01];

/**
 * Writes one revokedCertificates entry at `off` and returns the offset after it:
 * SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions
 * { reasonCode } } — reasonCode left out for unspecified (0), as RFC 5280 §5.3.1 says.
 * `serialHex` is upper- or lower-case hex of a positive serial (at most 20 bytes).
 */
export function writeEntry(
  buf: Uint8Array,
  off: number,
  serialHex: string,
  revokedAtMs: number,
  reason: number,
): number {
  const start = off;
  off += 2; // SEQUENCE header, length filled in below (always < 128)
  // INTEGER: strip leading zeros, pad to whole bytes, add a sign byte when the top bit is set
  let i = 0;
  while (i < serialHex.length - 1 && serialHex.charCodeAt(i) === 48) i++;
  const digits = serialHex.length - i;
  const odd = digits % 2;
  const byteCount = (digits + odd) / 2;
  const first = odd
    ? hexValue(serialHex.charCodeAt(i))
    : (hexValue(serialHex.charCodeAt(i)) << 4) | hexValue(serialHex.charCodeAt(i + 1));
  const sign = first & 0x80 ? 1 : 0;
  buf[off++] = 0x02;
  buf[off++] = byteCount + sign;
  if (sign) buf[off++] = 0;
  buf[off++] = first;
  for (let j = i + (odd ? 1 : 2); j < serialHex.length; j += 2) {
    buf[off++] = (hexValue(serialHex.charCodeAt(j)) << 4) | hexValue(serialHex.charCodeAt(j + 1));
  }
  off = writeTime(buf, off, revokedAtMs);
  if (reason !== 0) {
    buf.set(REASON_EXTENSIONS, off);
    off += REASON_EXTENSIONS.length;
    buf[off++] = reason;
  }
  buf[start] = 0x30;
  buf[start + 1] = off - start - 2;
  return off;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  throw new RangeError('serial is not hexadecimal');
}
