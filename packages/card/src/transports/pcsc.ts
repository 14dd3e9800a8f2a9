import { createRequire } from 'node:module';
import { CardError, CardRemovedError } from '../client/errors.ts';
import type { CardTransport } from './transport.ts';

/**
 * A card in a PC/SC reader through pcscd (a real reader, or the "Virtual PCD"
 * reader with a virtual card in it), over the optional native binding
 * `@pokusew/pcsclite`. Node only.
 */
type Pcsc = import('events').EventEmitter & { close(): void };
type Reader = import('events').EventEmitter & {
  name: string;
  state: number;
  SCARD_STATE_PRESENT: number;
  SCARD_STATE_EMPTY: number;
  SCARD_SHARE_SHARED: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  connect(o: { share_mode: number; protocol: number }, cb: (err: unknown, protocol: number) => void): void;
  disconnect(disposition: number, cb: (err: unknown) => void): void;
  transmit(data: Buffer, resLen: number, protocol: number, cb: (err: unknown, res: Buffer) => void): void;
  close(): void;
};

/** The native binding, or a typed error saying how to get it. */
function loadBinding(): () => Pcsc {
  try {
    return createRequire(import.meta.url)('@pokusew/pcsclite') as () => Pcsc;
  } catch (e) {
    throw new CardError(
      'card_pcsc_unavailable',
      'PC/SC needs the optional package @pokusew/pcsclite (libpcsclite-dev, a C++ compiler) and a running pcscd',
      { status: 503, cause: e },
    );
  }
}

export function pcscAvailable(): boolean {
  try {
    loadBinding();
    return true;
  } catch {
    return false;
  }
}

export interface PcscOptions {
  /** reader name, or a pattern; the first reader with a card when absent */
  reader?: string | RegExp | undefined;
  timeoutMs?: number | undefined;
}

export class PcscTransport implements CardTransport {
  readonly readerName: string;
  readonly atr: Uint8Array;
  readonly #pcsc: Pcsc;
  readonly #reader: Reader;
  #protocol: number;
  #removed = false;

  private constructor(pcsc: Pcsc, reader: Reader, protocol: number, atr: Uint8Array) {
    this.#pcsc = pcsc;
    this.#reader = reader;
    this.#protocol = protocol;
    this.readerName = reader.name;
    this.atr = atr;
    reader.on('status', (s: { state: number }) => {
      if (s.state & reader.SCARD_STATE_EMPTY) this.#removed = true;
    });
  }

  /** Waits for a reader (matching `reader`) with a card in it and connects. */
  static connect(opts: PcscOptions = {}): Promise<PcscTransport> {
    const pcsc = loadBinding()();
    const matches = (name: string) =>
      opts.reader === undefined
        ? true
        : typeof opts.reader === 'string'
          ? name === opts.reader
          : opts.reader.test(name);
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        finish(new CardRemovedError('no card in a matching PC/SC reader'));
      }, opts.timeoutMs ?? 10_000);
      const finish = (e: Error | undefined, t?: PcscTransport) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (e) {
          pcsc.close();
          reject(e);
        } else resolve(t!);
      };
      pcsc.on('error', (e: unknown) =>
        finish(new CardError('card_pcsc_failed', `PC/SC: ${String(e)}`, { status: 503 })),
      );
      pcsc.on('reader', (reader: Reader) => {
        // errors of a reader end its transmits; the event itself must not crash the process
        reader.on('error', () => {});
        if (!matches(reader.name)) return;
        reader.on('status', (status: { state: number; atr?: Buffer }) => {
          if (done || !(status.state & reader.SCARD_STATE_PRESENT)) return;
          reader.connect(
            {
              share_mode: reader.SCARD_SHARE_SHARED,
              protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1,
            },
            (err, protocol) => {
              if (err) return; // the card may still be powering up: the next status event retries
              finish(undefined, new PcscTransport(pcsc, reader, protocol, new Uint8Array(status.atr ?? [])));
            },
          );
        });
      });
    });
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    if (this.#removed) return Promise.reject(new CardRemovedError());
    return new Promise((resolve, reject) => {
      this.#reader.transmit(Buffer.from(command), 65538, this.#protocol, (err, res) => {
        if (err) {
          this.#removed = true;
          reject(new CardRemovedError(`the card left the reader (${String(err)})`));
        } else resolve(new Uint8Array(res));
      });
    });
  }

  /** Warm reset: reconnect with SCARD_RESET_CARD. */
  async reset(): Promise<Uint8Array> {
    await new Promise<void>((resolve, reject) =>
      this.#reader.disconnect(this.#reader.SCARD_RESET_CARD, (err) =>
        err ? reject(new CardRemovedError()) : resolve(),
      ),
    );
    this.#protocol = await new Promise<number>((resolve, reject) =>
      this.#reader.connect(
        {
          share_mode: this.#reader.SCARD_SHARE_SHARED,
          protocol: this.#reader.SCARD_PROTOCOL_T0 | this.#reader.SCARD_PROTOCOL_T1,
        },
        (err, protocol) => (err ? reject(new CardRemovedError()) : resolve(protocol)),
      ),
    );
    return this.atr;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.#reader.disconnect(this.#reader.SCARD_LEAVE_CARD, () => resolve()),
    );
    this.#pcsc.close();
  }
}

/** Names of the PC/SC readers pcscd knows, and whether a card is in each. */
export function listPcscReaders(waitMs = 500): Promise<{ name: string; present: boolean }[]> {
  const pcsc = loadBinding()();
  const readers = new Map<string, boolean>();
  return new Promise((resolve) => {
    pcsc.on('error', () => {});
    pcsc.on('reader', (reader: Reader) => {
      reader.on('error', () => {});
      readers.set(reader.name, false);
      reader.on('status', (s: { state: number }) =>
        readers.set(reader.name, (s.state & reader.SCARD_STATE_PRESENT) !== 0),
      );
    });
    setTimeout(() => {
      pcsc.close();
      resolve([...readers].map(([name, present]) => ({ name, present })));
    }, waitMs);
  });
}
