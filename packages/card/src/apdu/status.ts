/**
 * Status words the My Number Card answers with (card.md). Browser-safe.
 * Those outside card.md's list are ISO 7816-4's answer where no source
 * records the card's own, and are marked so.
 */
export const SW = {
  OK: 0x9000,
  /** 63Cx: wrong PIN, x tries left (also VERIFY without data) */
  WRONG_PIN_BASE: 0x63c0,
  WRONG_LENGTH: 0x6700,
  /** ISO: logical channel not supported (the card has channel 0 only) */
  CHANNEL_NOT_SUPPORTED: 0x6881,
  /** ISO: command incompatible with file structure (READ BINARY of a PIN or key EF) */
  INCOMPATIBLE_FILE: 0x6981,
  SECURITY_STATUS: 0x6982,
  PIN_LOCKED: 0x6984,
  /** ISO: command not allowed, no current EF */
  NO_CURRENT_EF: 0x6986,
  WRONG_DATA: 0x6a80,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6a86,
  /** ISO: referenced data not found (VERIFY/sign when the current EF is no PIN/key) */
  REFERENCE_NOT_FOUND: 0x6a88,
  OFFSET_BEYOND_END: 0x6b00,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

/** Every status word the virtual card may answer with (63C0–63CF included). */
export function isDocumentedStatus(sw: number): boolean {
  if ((sw & 0xfff0) === SW.WRONG_PIN_BASE) return true;
  return Object.values(SW).includes(sw as never);
}

export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) throw new RangeError(`a response APDU has at least 2 bytes, got ${bytes.length}`);
  const n = bytes.length;
  return { data: bytes.slice(0, n - 2), sw: (bytes[n - 2]! << 8) | bytes[n - 1]! };
}

export function encodeResponse(sw: number, data?: Uint8Array): Uint8Array {
  const out = new Uint8Array((data?.length ?? 0) + 2);
  if (data) out.set(data);
  out[out.length - 2] = sw >> 8;
  out[out.length - 1] = sw & 0xff;
  return out;
}

export const swHex = (sw: number): string => sw.toString(16).toUpperCase().padStart(4, '0');
