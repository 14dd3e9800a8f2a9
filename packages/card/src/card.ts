import { ascii, equalBytes, fromHex } from './apdu/bytes.ts';
import { type CommandApdu, MalformedApduError, parseCommand } from './apdu/command.ts';
import { encodeResponse, SW } from './apdu/status.ts';
import { type Applet, type ElementaryFile, type PinRecord, pinFormatOk } from './applets/applet.ts';

/** Which kind of token the JPKI AP presents (card.md: token info EF 0006). */
export type TokenKind = 'card' | 'android' | 'iphone';

/** Contact ATR of the My Number Card, the one OpenSC matches. */
export const CARD_ATR = fromHex('3BE000FF8131FE4514');

/** Signs a DigestInfo with a key the card holds; the key never leaves the implementation. */
export interface CardKeys {
  sign(key: string, digestInfo: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Where the card writes its PIN table (counters, changed PINs) before it answers. */
export type PinPersistence = (pins: ReadonlyMap<string, PinRecord>) => Promise<void>;

export interface VirtualCardOptions {
  token: TokenKind;
  applets: readonly Applet[];
  pins: ReadonlyMap<string, PinRecord>;
  keys: CardKeys;
  persist?: PinPersistence | undefined;
  /** random bytes for GET CHALLENGE */
  random?: ((n: number) => Uint8Array) | undefined;
}

/** RSA-2048 PKCS#1 v1.5: at most k − 11 bytes of DigestInfo. */
const MAX_DIGEST_INFO = 256 - 11;

interface Session {
  applet: Applet | undefined;
  ef: ElementaryFile | undefined;
  /** PINs verified since the applet was selected */
  verified: Set<string>;
}

/**
 * The chip: applet selection, files, PIN counters and signing, answering every
 * command APDU with the bytes a real My Number Card gives. PIN counters are
 * persisted before the answer leaves the card, decremented before the
 * comparison (as cards do against tearing), so no reset, re-select or restart
 * brings a try back. Commands run one at a time, as on a real card.
 */
export class VirtualCard {
  readonly token: TokenKind;
  readonly atr: Uint8Array = CARD_ATR;
  readonly #applets: readonly Applet[];
  readonly #pins: Map<string, PinRecord>;
  readonly #keys: CardKeys;
  readonly #persist: PinPersistence;
  readonly #random: (n: number) => Uint8Array;
  #session: Session = { applet: undefined, ef: undefined, verified: new Set() };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: VirtualCardOptions) {
    this.token = opts.token;
    this.#applets = opts.applets;
    this.#pins = new Map([...opts.pins].map(([k, v]) => [k, { ...v }]));
    this.#keys = opts.keys;
    this.#persist = opts.persist ?? (async () => {});
    this.#random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  /** Warm reset: the session (selection, verified PINs) is gone; counters are not. Returns the ATR. */
  reset(): Uint8Array {
    this.#session = { applet: undefined, ef: undefined, verified: new Set() };
    return this.atr;
  }

  /** Tries left and lock state of every PIN (what the wallet shows; never the values). */
  pinStatus(): Record<string, { triesLeft: number; maxTries: number }> {
    const out: Record<string, { triesLeft: number; maxTries: number }> = {};
    for (const [name, p] of this.#pins) out[name] = { triesLeft: p.triesLeft, maxTries: p.maxTries };
    return out;
  }

  /** Resolves once every command sent so far has been answered (and persisted). */
  async idle(): Promise<void> {
    await this.#queue;
  }

  /** One command APDU in, one response APDU out. */
  transmit(command: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#process(command));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #process(bytes: Uint8Array): Promise<Uint8Array> {
    let c: CommandApdu;
    try {
      c = parseCommand(bytes);
    } catch (e) {
      if (e instanceof MalformedApduError) return encodeResponse(SW.WRONG_LENGTH);
      throw e;
    }
    if (c.cla === 0x00) {
      switch (c.ins) {
        case 0xa4:
          return this.#select(c);
        case 0xb0:
          return this.#readBinary(c);
        case 0x20:
          return this.#verify(c);
        case 0x24:
          return this.#changeReferenceData(c);
        case 0x84:
          return this.#getChallenge(c);
        default:
          return encodeResponse(SW.INS_NOT_SUPPORTED);
      }
    }
    if (c.cla === 0x80) {
      if (c.ins === 0x2a) return this.#computeSignature(c);
      return encodeResponse(SW.INS_NOT_SUPPORTED);
    }
    // interindustry CLA on channels 1–3: the card has channel 0 only
    if ((c.cla & 0xfc) === 0 || (c.cla & 0xf0) === 0x40) return encodeResponse(SW.CHANNEL_NOT_SUPPORTED);
    return encodeResponse(SW.CLA_NOT_SUPPORTED);
  }

  #select(c: CommandApdu): Uint8Array {
    if (c.p2 !== 0x0c && c.p2 !== 0x00) return encodeResponse(SW.WRONG_P1P2);
    if (c.p1 === 0x04) {
      const found = this.#applets.find((a) => equalBytes(a.aid, c.data));
      if (!found) return encodeResponse(SW.FILE_NOT_FOUND);
      // selecting an AP, even the same one again, drops the verified state (OpenSC's logout)
      this.#session = { applet: found, ef: undefined, verified: new Set() };
      return encodeResponse(SW.OK);
    }
    if (c.p1 === 0x02) {
      if (c.data.length !== 2) return encodeResponse(SW.WRONG_LENGTH);
      const ef = this.#session.applet?.files.get((c.data[0]! << 8) | c.data[1]!);
      if (!ef) return encodeResponse(SW.FILE_NOT_FOUND);
      this.#session.ef = ef;
      return encodeResponse(SW.OK);
    }
    return encodeResponse(SW.WRONG_P1P2);
  }

  /** P2 `80` = the current EF, `80|SFI` = the EF with that short identifier. */
  #referencedEf(p2: number): ElementaryFile | number {
    if (p2 === 0x80) return this.#session.ef ?? SW.REFERENCE_NOT_FOUND;
    if ((p2 & 0xe0) === 0x80) {
      const ef = this.#session.applet?.files.get(p2 & 0x1f);
      return ef ?? SW.FILE_NOT_FOUND;
    }
    return SW.WRONG_P1P2;
  }

  #readBinary(c: CommandApdu): Uint8Array {
    let ef: ElementaryFile | undefined;
    let offset: number;
    if (c.p1 & 0x80) {
      // short-EF form: select by SFI and read from an 8-bit offset
      const sfi = c.p1 & 0x1f;
      if (c.p1 & 0x60 || sfi === 0) return encodeResponse(SW.WRONG_P1P2);
      ef = this.#session.applet?.files.get(sfi);
      if (!ef) return encodeResponse(SW.FILE_NOT_FOUND);
      this.#session.ef = ef;
      offset = c.p2;
    } else {
      ef = this.#session.ef;
      if (!ef) return encodeResponse(SW.NO_CURRENT_EF);
      offset = (c.p1 << 8) | c.p2;
    }
    if (c.data.length || c.ne === undefined) return encodeResponse(SW.WRONG_LENGTH);
    if (ef.type !== 'binary') return encodeResponse(SW.INCOMPATIBLE_FILE);
    if (ef.readableWith !== 'always' && !ef.readableWith.some((p) => this.#session.verified.has(p)))
      return encodeResponse(SW.SECURITY_STATUS);
    if (offset >= ef.data.length) return encodeResponse(SW.OFFSET_BEYOND_END);
    return encodeResponse(SW.OK, ef.data.subarray(offset, offset + c.ne));
  }

  #pinOf(c: CommandApdu): { name: string; pin: PinRecord } | number {
    const ef = this.#referencedEf(c.p2);
    if (typeof ef === 'number') return ef;
    if (ef.type !== 'pin') return SW.REFERENCE_NOT_FOUND;
    const pin = this.#pins.get(ef.pin);
    return pin ? { name: ef.pin, pin } : SW.REFERENCE_NOT_FOUND;
  }

  async #verify(c: CommandApdu): Promise<Uint8Array> {
    if (c.p1 !== 0x00) return encodeResponse(SW.WRONG_P1P2);
    const ref = this.#pinOf(c);
    if (typeof ref === 'number') return encodeResponse(ref);
    const { name, pin } = ref;
    if (pin.triesLeft === 0) return encodeResponse(SW.PIN_LOCKED);
    // no data: report the tries left, consume nothing, never say "verified"
    if (c.data.length === 0) return encodeResponse(SW.WRONG_PIN_BASE | pin.triesLeft);
    pin.triesLeft -= 1;
    await this.#persist(this.#pins);
    if (equalBytes(c.data, ascii(pin.value))) {
      pin.triesLeft = pin.maxTries;
      await this.#persist(this.#pins);
      this.#session.verified.add(name);
      return encodeResponse(SW.OK);
    }
    this.#session.verified.delete(name);
    return encodeResponse(SW.WRONG_PIN_BASE | pin.triesLeft);
  }

  async #changeReferenceData(c: CommandApdu): Promise<Uint8Array> {
    if (c.p1 !== 0x01) return encodeResponse(SW.WRONG_P1P2);
    const ref = this.#pinOf(c);
    if (typeof ref === 'number') return encodeResponse(ref);
    const { name, pin } = ref;
    if (pin.triesLeft === 0) return encodeResponse(SW.PIN_LOCKED);
    if (!pin.changeable || !this.#session.verified.has(name)) return encodeResponse(SW.SECURITY_STATUS);
    if (c.data.length === 0) return encodeResponse(SW.WRONG_LENGTH);
    const value = String.fromCharCode(...c.data);
    if (!pinFormatOk(pin.format, value)) return encodeResponse(SW.WRONG_DATA);
    pin.value = value;
    await this.#persist(this.#pins);
    return encodeResponse(SW.OK);
  }

  async #computeSignature(c: CommandApdu): Promise<Uint8Array> {
    if (c.p1 !== 0x00) return encodeResponse(SW.WRONG_P1P2);
    const ef = this.#referencedEf(c.p2);
    if (typeof ef === 'number') return encodeResponse(ef);
    if (ef.type !== 'key') return encodeResponse(SW.REFERENCE_NOT_FOUND);
    if (!this.#session.verified.has(ef.pin)) return encodeResponse(SW.SECURITY_STATUS);
    if (c.data.length === 0 || c.data.length > MAX_DIGEST_INFO) return encodeResponse(SW.WRONG_LENGTH);
    return encodeResponse(SW.OK, await this.#keys.sign(ef.key, c.data));
  }

  #getChallenge(c: CommandApdu): Uint8Array {
    if (c.p1 !== 0 || c.p2 !== 0) return encodeResponse(SW.WRONG_P1P2);
    if (c.data.length || c.ne === undefined || c.ne > 256) return encodeResponse(SW.WRONG_LENGTH);
    return encodeResponse(SW.OK, this.#random(c.ne));
  }
}
