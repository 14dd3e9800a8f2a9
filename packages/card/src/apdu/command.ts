/**
 * ISO/IEC 7816-4 command APDUs: the four cases in short and extended form.
 * Browser-safe (Uint8Array only).
 */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** command data (Lc bytes); empty for cases 1 and 2 */
  data: Uint8Array;
  /** Ne, the most response bytes wanted (Le 00 = 256, extended 0000 = 65536); undefined when absent */
  ne: number | undefined;
  extended: boolean;
}

/** The bytes do not form a command APDU of any case (a card answers 6700). */
export class MalformedApduError extends Error {
  override readonly name = 'MalformedApduError';
}

export function parseCommand(bytes: Uint8Array): CommandApdu {
  const n = bytes.length;
  if (n < 4) throw new MalformedApduError(`an APDU has at least 4 bytes, got ${n}`);
  const head = { cla: bytes[0]!, ins: bytes[1]!, p1: bytes[2]!, p2: bytes[3]! };
  const empty = new Uint8Array(0);
  if (n === 4) return { ...head, data: empty, ne: undefined, extended: false };
  const b4 = bytes[4]!;
  if (n === 5) return { ...head, data: empty, ne: b4 === 0 ? 256 : b4, extended: false };
  if (b4 !== 0) {
    if (n === 5 + b4) return { ...head, data: bytes.slice(5), ne: undefined, extended: false };
    if (n === 6 + b4) {
      const le = bytes[n - 1]!;
      return { ...head, data: bytes.slice(5, 5 + b4), ne: le === 0 ? 256 : le, extended: false };
    }
    throw new MalformedApduError(`Lc ${b4} does not match the APDU length ${n}`);
  }
  // extended: 00 then two bytes
  if (n < 7) throw new MalformedApduError('truncated extended length');
  const x = (bytes[5]! << 8) | bytes[6]!;
  if (n === 7) return { ...head, data: empty, ne: x === 0 ? 65536 : x, extended: true };
  if (x === 0) throw new MalformedApduError('extended Lc of 0');
  if (n === 7 + x) return { ...head, data: bytes.slice(7), ne: undefined, extended: true };
  if (n === 9 + x) {
    const le = (bytes[n - 2]! << 8) | bytes[n - 1]!;
    return { ...head, data: bytes.slice(7, 7 + x), ne: le === 0 ? 65536 : le, extended: true };
  }
  throw new MalformedApduError(`extended Lc ${x} does not match the APDU length ${n}`);
}

export interface CommandInput {
  cla?: number;
  ins: number;
  p1: number;
  p2: number;
  data?: Uint8Array | undefined;
  /** response bytes wanted; 256 is written as Le 00 */
  ne?: number | undefined;
}

/** Encodes a command, in short form unless the data or Ne need extended lengths. */
export function encodeCommand(c: CommandInput): Uint8Array {
  const data = c.data ?? new Uint8Array(0);
  const extended = data.length > 255 || (c.ne !== undefined && c.ne > 256);
  const out: number[] = [c.cla ?? 0, c.ins, c.p1, c.p2];
  if (!extended) {
    if (data.length) out.push(data.length, ...data);
    if (c.ne !== undefined) out.push(c.ne & 0xff);
  } else {
    out.push(0);
    if (data.length) out.push(data.length >> 8, data.length & 0xff, ...data);
    if (c.ne !== undefined) out.push((c.ne >> 8) & 0xff, c.ne & 0xff);
  }
  return Uint8Array.from(out);
}
