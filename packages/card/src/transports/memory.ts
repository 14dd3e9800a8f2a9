import { CardRemovedError } from '../client/errors.ts';
import type { CardTransport } from './transport.ts';

/** Anything that answers command APDUs like a card (the VirtualCard). */
export interface ApduProcessor {
  transmit(command: Uint8Array): Promise<Uint8Array>;
  reset(): Uint8Array;
}

/** The card in the same process, as if in a reader; `remove()` takes it out. */
export class MemoryTransport implements CardTransport {
  readonly #card: ApduProcessor;
  #present = true;

  constructor(card: ApduProcessor) {
    this.#card = card;
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (!this.#present) throw new CardRemovedError();
    return this.#card.transmit(command);
  }

  async reset(): Promise<Uint8Array> {
    if (!this.#present) throw new CardRemovedError();
    return this.#card.reset();
  }

  remove(): void {
    this.#present = false;
  }

  async close(): Promise<void> {
    this.#present = false;
  }
}
