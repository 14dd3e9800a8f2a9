/**
 * The few DER pieces J-LIS writes by hand where an object model costs too
 * much: the outer layers of CRLs and OCSP responses (around parts that
 * @peculiar/asn1-x509 encodes) and the CRL's entries. Times are written
 * straight into buffers because a CRL may list millions of them.
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
