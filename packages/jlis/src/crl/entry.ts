import { writeTime } from '../der.ts';

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
