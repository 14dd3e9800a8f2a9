import { randomUUID } from 'node:crypto';
import { type CertPurpose, japanMonth, japanYear } from '@honnin/jpki/profile';
import { HonninError, type Storage, sql } from '@honnin/runtime';
import type { FeeChannel, FeeKind, JlisDB } from '../store/schema.ts';

/**
 * 情報提供手数料 (seed 003): per validity check ¥20 for a signature
 * certificate, ¥2 for an auth certificate; ¥2 per 紐付け (the auth serial of a
 * signature certificate, priced like an auth check). 新旧紐付け and 年齢判定 are
 * free beyond the validity check they require. A 現況確認 (yearly status check
 * made against the CRL) counts once per holder and year.
 */
export const FEES_YEN = {
  validity: { signature: 20, auth: 2 },
  link: 2,
} as const satisfies { validity: Record<CertPurpose, number>; link: number };

export interface Metered {
  kind: FeeKind;
  channel: FeeChannel;
  purpose: CertPurpose;
  serial: string;
  /** the holder of the certificate; absent when J-LIS does not know the certificate */
  holderId?: string | null | undefined;
}

export interface StatementLine {
  kind: FeeKind;
  channel: FeeChannel;
  purpose: CertPurpose;
  count: number;
  yen: number;
}

export interface Statement {
  verifier: { id: string; name: string };
  /** YYYY-MM, Japan time */
  month: string;
  lines: StatementLine[];
  total: { count: number; yen: number };
}

/** J-LIS bills by Japanese calendar month. */
export { japanMonth };

export function checkMonth(month: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) {
    throw new HonninError('jlis_month_invalid', `month must be YYYY-MM, got ${month.slice(0, 20)}`);
  }
  return month;
}

/**
 * The fee meter: a journal of every metered answer J-LIS gives a verifier,
 * priced when recorded, and the monthly statement built from it.
 */
export class FeeMeter {
  readonly #storage: Storage<JlisDB>;
  readonly #now: () => Date;

  constructor(storage: Storage<JlisDB>, opts: { now?: () => Date } = {}) {
    this.#storage = storage;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Records answers given to a verifier; returns what they cost. */
  async record(verifierId: string, entries: readonly Metered[]): Promise<{ yen: number }> {
    if (entries.length === 0) return { yen: 0 };
    const now = this.#now();
    const month = japanMonth(now);
    return this.#storage.db.transaction().execute(async (trx) => {
      let total = 0;
      const rows: JlisDB['fee_event'][] = [];
      for (const e of entries) {
        let yen = price(e);
        if (e.kind === 'statusCheck' && e.holderId) {
          // the first 現況確認 of this holder and purpose this year is charged; the rest are free
          const r = await trx
            .insertInto('status_check')
            .values({
              verifier_id: verifierId,
              holder_id: e.holderId,
              year: japanYear(now),
              purpose: e.purpose,
            })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) yen = 0;
        }
        total += yen;
        rows.push({
          id: randomUUID(),
          verifier_id: verifierId,
          at: now.getTime(),
          month,
          kind: e.kind,
          channel: e.channel,
          purpose: e.purpose,
          serial: e.serial,
          holder_id: e.holderId ?? null,
          yen,
        });
      }
      await trx.insertInto('fee_event').values(rows).execute();
      return { yen: total };
    });
  }

  async statement(verifier: { id: string; name: string }, month: string): Promise<Statement> {
    checkMonth(month);
    const rows = await this.#storage.db
      .selectFrom('fee_event')
      .select(['kind', 'channel', 'purpose'])
      .select([sql<number>`count(*)`.as('count'), sql<number>`sum(yen)`.as('yen')])
      .where('verifier_id', '=', verifier.id)
      .where('month', '=', month)
      .groupBy(['kind', 'channel', 'purpose'])
      .orderBy('kind')
      .orderBy('channel')
      .orderBy('purpose')
      .execute();
    const lines = rows.map((r) => ({
      kind: r.kind,
      channel: r.channel,
      purpose: r.purpose,
      count: Number(r.count),
      yen: Number(r.yen),
    }));
    return {
      verifier: { id: verifier.id, name: verifier.name },
      month,
      lines,
      total: {
        count: lines.reduce((a, l) => a + l.count, 0),
        yen: lines.reduce((a, l) => a + l.yen, 0),
      },
    };
  }
}

function price(e: Metered): number {
  switch (e.kind) {
    case 'validity':
    case 'statusCheck':
      return FEES_YEN.validity[e.purpose];
    case 'link':
      return FEES_YEN.link;
    case 'unknown':
      return 0;
  }
}
