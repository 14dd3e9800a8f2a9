import { randomUUID } from 'node:crypto';
import type { Storage } from '@honnin/runtime';
import type { PlatformDB } from '../store/schema.ts';

export interface TransactionEvent {
  at: string;
  type: string;
  detail: Record<string, unknown>;
}

/**
 * What happened in one transaction (a login flow or a signing), in order, for
 * the relying party that started it: flow started, QR claimed, bound, card
 * verified, consent, completed or the error outcome. Never holds PINs, the 4
 * items or certificates — only what the relying party may know anyway.
 */
export class EventLog {
  readonly #storage: Storage<PlatformDB>;
  readonly #now: () => number;
  #seq = 0;

  constructor(storage: Storage<PlatformDB>, now: () => number = Date.now) {
    this.#storage = storage;
    this.#now = now;
  }

  async record(transactionId: string, clientId: string, type: string, detail: Record<string, unknown> = {}) {
    await this.#storage.db
      .insertInto('transaction_event')
      .values({
        id: randomUUID(),
        transaction_id: transactionId,
        client_id: clientId,
        at: this.#now(),
        seq: ++this.#seq,
        type,
        detail: JSON.stringify(detail),
      })
      .execute();
  }

  /** The events of a transaction, oldest first; empty for another client's transaction. */
  async list(transactionId: string, clientId: string): Promise<TransactionEvent[]> {
    const rows = await this.#storage.db
      .selectFrom('transaction_event')
      .select(['at', 'type', 'detail'])
      .where('transaction_id', '=', transactionId)
      .where('client_id', '=', clientId)
      .orderBy('at')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      at: new Date(Number(r.at)).toISOString(),
      type: r.type,
      detail: JSON.parse(r.detail),
    }));
  }
}
