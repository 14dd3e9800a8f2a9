/**
 * The tap protocol's client side (browser-safe; the global WebSocket of browsers
 * and Node ≥ 22). A WebSocket to `…/v1/cards/{id}/tap` on the card host, or to
 * the local bridge in front of a PC/SC reader:
 *   - binary frame out: one command APDU; binary frame in: its response APDU
 *   - text frames are JSON control messages:
 *       in  {"type":"hello","atr":"3BE0…","token":"card","label":"…"}  on connect
 *       out {"type":"reset"}  →  in {"type":"atr","atr":"…"}
 *       in  {"type":"removed"}  the card left the reader; the socket then closes (code 4001)
 *       in  {"type":"error","error":"card_not_found","message":"…"}  then close
 * One command at a time; responses come back in order.
 */
import { fromHex } from '../apdu/bytes.ts';
import { CardError, CardRemovedError } from '../client/errors.ts';
import type { CardTransport } from './transport.ts';

/** Close code the host uses when the card is taken out of the reader. */
export const CLOSE_CARD_REMOVED = 4001;
/** Close code for a tap refused (no such card, card removed before the tap). */
export const CLOSE_REFUSED = 4004;

export interface TapHello {
  atr: Uint8Array;
  token: string;
  label: string;
}

type Pending = { resolve: (v: Uint8Array) => void; reject: (e: Error) => void; kind: 'apdu' | 'atr' };

export class WebSocketTransport implements CardTransport {
  readonly hello: TapHello;
  readonly #ws: WebSocket;
  readonly #pending: Pending[] = [];
  #failure: Error | undefined;

  private constructor(ws: WebSocket, hello: TapHello) {
    this.#ws = ws;
    this.hello = hello;
    ws.addEventListener('message', (ev) => this.#onMessage(ev.data));
    ws.addEventListener('close', (ev) => this.#fail(closeError(ev.code, ev.reason)));
  }

  /** Opens a tap; resolves once the host said hello (the card is in the reader). */
  static connect(url: string, opts: { timeoutMs?: number } = {}): Promise<WebSocketTransport> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(url);
      } catch (e) {
        reject(new CardError('card_tap_failed', `cannot open ${url}`, { status: 502, cause: e }));
        return;
      }
      ws.binaryType = 'arraybuffer';
      const timer = setTimeout(() => {
        ws.close();
        reject(new CardError('card_tap_timeout', 'the card host did not answer the tap', { status: 504 }));
      }, opts.timeoutMs ?? 10_000);
      const onMessage = (ev: MessageEvent) => {
        if (typeof ev.data !== 'string') return;
        const msg = JSON.parse(ev.data) as Record<string, string>;
        clearTimeout(timer);
        ws.removeEventListener('message', onMessage);
        ws.removeEventListener('close', onClose);
        if (msg.type === 'hello')
          resolve(
            new WebSocketTransport(ws, {
              atr: fromHex(msg.atr ?? ''),
              token: msg.token ?? '',
              label: msg.label ?? '',
            }),
          );
        else if (msg.type === 'removed') reject(new CardRemovedError('the card is not in the reader'));
        else
          reject(
            new CardError(msg.error ?? 'card_tap_failed', msg.message ?? 'the tap was refused', {
              status: 409,
            }),
          );
      };
      const onClose = (ev: CloseEvent) => {
        clearTimeout(timer);
        reject(closeError(ev.code, ev.reason));
      };
      ws.addEventListener('message', onMessage);
      ws.addEventListener('close', onClose);
    });
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.#request('apdu', command);
  }

  reset(): Promise<Uint8Array> {
    return this.#request('atr', JSON.stringify({ type: 'reset' }));
  }

  async close(): Promise<void> {
    if (this.#ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.#ws.addEventListener('close', () => resolve(), { once: true });
      this.#ws.close(1000);
    });
  }

  #request(kind: Pending['kind'], payload: Uint8Array | string): Promise<Uint8Array> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject, kind });
      this.#ws.send(payload as Uint8Array<ArrayBuffer> | string);
    });
  }

  #onMessage(data: unknown): void {
    if (typeof data === 'string') {
      const msg = JSON.parse(data) as Record<string, string>;
      if (msg.type === 'removed') this.#fail(new CardRemovedError());
      else if (msg.type === 'atr') this.#pending.shift()?.resolve(fromHex(msg.atr ?? ''));
      else if (msg.type === 'error')
        this.#fail(
          new CardError(msg.error ?? 'card_tap_failed', msg.message ?? 'the card host failed', {
            status: 502,
          }),
        );
      return;
    }
    this.#pending.shift()?.resolve(new Uint8Array(data as ArrayBuffer));
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    for (const p of this.#pending.splice(0)) p.reject(this.#failure);
  }
}

function closeError(code: number, reason: string): Error {
  if (code === CLOSE_CARD_REMOVED) return new CardRemovedError();
  return new CardRemovedError(reason ? `the tap ended: ${reason}` : 'the tap ended');
}
