import { randomUUID } from 'node:crypto';
import type { Storage } from '@honnin/runtime';
import type { PlatformDB } from '../store/schema.ts';

/**
 * J-LIS's fees per check (seed 003): signature-cert validity ¥20, auth-cert
 * validity ¥2, 紐付け ¥2; 新旧紐付け costs the validity check of the old
 * certificate it performs (the platform follows auth certificates: ¥2).
 */
export const FEE_YEN = { sign_validity: 20, auth_validity: 2, linking: 2, successor: 2 } as const;
export type FeeItem = keyof typeof FEE_YEN;

/** The account of checks no relying party asked for (linking the platform does on its own). */
export const OPERATOR_ACCOUNT = 'platform';

/**
 * The platform pays J-LIS for every check it makes on a relying party's behalf
 * and meters it per relying party and transaction, to pass the cost on.
 */
export class Fees {
  readonly #storage: Storage<PlatformDB>;
  readonly #now: () => number;

  constructor(storage: Storage<PlatformDB>, now: () => number = Date.now) {
    this.#storage = storage;
    this.#now = now;
  }

  async charge(clientId: string, transactionId: string, item: FeeItem): Promise<void> {
    await this.#storage.db
      .insertInto('fee')
      .values({
        id: randomUUID(),
        client_id: clientId,
        transaction_id: transactionId,
        item,
        yen: FEE_YEN[item],
        at: this.#now(),
      })
      .execute();
  }

  /** Totals per relying party and item (optionally one relying party). */
  async summary(
    clientId?: string,
  ): Promise<{ clientId: string; item: string; count: number; yen: number }[]> {
    let q = this.#storage.db
      .selectFrom('fee')
      .select((eb) => [
        'client_id',
        'item',
        eb.fn.countAll<number>().as('count'),
        eb.fn.sum<number>('yen').as('yen'),
      ])
      .groupBy(['client_id', 'item'])
      .orderBy('client_id')
      .orderBy('item');
    if (clientId) q = q.where('client_id', '=', clientId);
    const rows = await q.execute();
    return rows.map((r) => ({
      clientId: r.client_id,
      item: r.item,
      count: Number(r.count),
      yen: Number(r.yen),
    }));
  }
}
