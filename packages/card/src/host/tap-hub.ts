import type { Logger, SharedState } from '@honnin/runtime';
import type { WebSocket } from 'ws';
import { hex } from '../apdu/bytes.ts';
import type { VirtualCard } from '../card.ts';
import type { CardStore } from '../store/card-store.ts';
import { CLOSE_CARD_REMOVED, CLOSE_REFUSED } from '../transports/websocket.ts';

const REMOVED_CHANNEL = 'card-removed';

/**
 * Live taps of the card host (protocol: transports/websocket.ts). A card sits
 * in one reader at a time: a new tap of the same card takes it from the old
 * one, which sees it removed. Removal from the wallet reaches every instance
 * through shared pub/sub.
 */
export class TapHub {
  readonly #store: CardStore;
  readonly #state: SharedState;
  readonly #logger: Logger;
  readonly #taps = new Map<string, { socket: WebSocket; card: VirtualCard }>();
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(store: CardStore, state: SharedState, logger: Logger) {
    this.#store = store;
    this.#state = state;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#state.subscribe(REMOVED_CHANNEL, (id) => this.#eject(id));
  }

  /** Takes a card out of the reader: open taps end with "removed", new ones are refused. */
  async remove(cardId: string): Promise<void> {
    await this.#store.setRemoved(cardId, true);
    await this.#state.publish(REMOVED_CHANNEL, cardId);
  }

  /**
   * Ends every open tap of the card without marking it removed: the card goes
   * to the municipal office for a life event and comes back rewritten.
   */
  async interrupt(cardId: string): Promise<void> {
    const local = this.#taps.get(cardId);
    await this.#state.publish(REMOVED_CHANNEL, cardId);
    this.#eject(cardId);
    await local?.card.idle();
  }

  async insert(cardId: string): Promise<void> {
    await this.#store.setRemoved(cardId, false);
  }

  async tap(socket: WebSocket, cardId: string): Promise<void> {
    const send = (msg: Record<string, string>) => socket.send(JSON.stringify(msg));
    let card: VirtualCard;
    try {
      const summary = await this.#store.summary(cardId);
      if (summary.removed) {
        send({ type: 'removed' });
        socket.close(CLOSE_CARD_REMOVED, 'card removed');
        return;
      }
      const previous = this.#taps.get(cardId);
      if (previous) {
        this.#eject(cardId);
        await previous.card.idle();
      }
      card = await this.#store.load(cardId);
      this.#taps.set(cardId, { socket, card });
      send({ type: 'hello', atr: hex(card.atr), token: card.token, label: summary.label });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      send({
        type: 'error',
        error: err.code ?? 'card_tap_failed',
        message: err.code ? String(err.message) : 'tap failed',
      });
      socket.close(CLOSE_REFUSED, 'refused');
      if (!err.code) this.#logger.error({ err: e }, 'tap failed');
      return;
    }
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        let type: unknown;
        try {
          type = (JSON.parse(String(data)) as { type?: unknown }).type;
        } catch {
          type = undefined;
        }
        if (type === 'reset') send({ type: 'atr', atr: hex(card.reset()) });
        else send({ type: 'error', error: 'card_tap_message', message: 'unknown control message' });
        return;
      }
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      card.transmit(new Uint8Array(bytes)).then(
        (response) => {
          if (socket.readyState === socket.OPEN) socket.send(response);
        },
        (e: unknown) => {
          this.#logger.error({ err: e, cardId }, 'the card failed');
          send({ type: 'error', error: 'card_failed', message: 'the card failed' });
          socket.close(1011, 'card failed');
        },
      );
    });
    socket.on('close', () => {
      if (this.#taps.get(cardId)?.socket === socket) this.#taps.delete(cardId);
    });
  }

  #eject(cardId: string): void {
    const tap = this.#taps.get(cardId);
    if (!tap) return;
    this.#taps.delete(cardId);
    if (tap.socket.readyState === tap.socket.OPEN) {
      tap.socket.send(JSON.stringify({ type: 'removed' }));
      tap.socket.close(CLOSE_CARD_REMOVED, 'card removed');
    }
  }

  async close(): Promise<void> {
    await this.#unsubscribe?.();
    for (const id of [...this.#taps.keys()]) this.#eject(id);
  }
}
