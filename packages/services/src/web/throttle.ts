import { createHash } from 'node:crypto';
import { HonninError, type Kysely, type PartMigration } from '@honnin/runtime';
import { fill, type Text } from './i18n.ts';

/**
 * Failed password logins, one row each, in the service's own storage: the
 * limit holds across restarts and across instances sharing the database. The
 * key is hashed — it names an account (an e-mail address) and an IP address.
 */
export interface LoginFailureTable {
  key: string;
  at: number;
}

export interface ThrottleDB {
  web_login_failure: LoginFailureTable;
}

export const throttleMigrations: Record<string, PartMigration> = {
  '2026-11-23 web 03 login failures': {
    async up(db) {
      await db.schema
        .createTable('web_login_failure')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('web_login_failure_key')
        .on('web_login_failure')
        .columns(['key', 'at'])
        .execute();
    },
  },
};

/** A login refused without looking at the password: too many failures lately. */
export class LoginThrottledError extends HonninError {
  readonly text: Text;
  /** seconds until the oldest counted failure leaves the window (the Retry-After header) */
  readonly retryAfter: number;
  constructor(retryAfter: number) {
    super('login_throttled', 'too many failed logins; try again later', { status: 429 });
    this.retryAfter = retryAfter;
    this.text = fill(
      {
        ja: 'ログインの失敗が続いたため、一時的にログインを停止しています。{minutes}分ほど待ってから、もう一度お試しください。',
        en: 'Logins are paused for a while after repeated failures. Wait about {minutes} minutes and try again.',
      },
      { minutes: Math.max(1, Math.ceil(retryAfter / 60)) },
    );
  }
}

export interface ThrottlePolicy {
  /** failures of one account from one IP address within the window (default 5) */
  perAccount: number;
  /** failures from one IP address, whatever the account (default 20) */
  perAddress: number;
  /** default 15 minutes */
  windowMs: number;
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url');

/**
 * Counts failed logins per account and IP address, and per IP address. Not per
 * account alone: anyone could then lock a citizen — or the whole office's staff
 * login — out by typing wrong passwords for them. The per-address count stops
 * one address from trying many accounts.
 */
export class LoginThrottle {
  readonly #db: Kysely<ThrottleDB>;
  readonly #clock: () => number;
  readonly policy: ThrottlePolicy;

  constructor(db: Kysely<ThrottleDB>, clock: () => number, policy: Partial<ThrottlePolicy> = {}) {
    this.#db = db;
    this.#clock = clock;
    this.policy = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000, ...policy };
  }

  #keys(scope: string, account: string, ip: string) {
    const a = account.trim().toLowerCase();
    return {
      pair: hash(`${scope}\0${a}\0${ip}`),
      address: hash(`${scope}\0\0${ip}`),
    };
  }

  /** Throws LoginThrottledError while either count is at its limit. Call before checking the password. */
  async check(scope: string, account: string, ip: string): Promise<void> {
    const { pair, address } = this.#keys(scope, account, ip);
    const since = this.#clock() - this.policy.windowMs;
    for (const [key, limit] of [
      [pair, this.policy.perAccount],
      [address, this.policy.perAddress],
    ] as const) {
      const rows = await this.#db
        .selectFrom('web_login_failure')
        .select('at')
        .where('key', '=', key)
        .where('at', '>', since)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      if (rows.length >= limit) {
        // free again when the oldest of the last `limit` failures leaves the window
        const oldest = Number(rows.at(-1)!.at);
        throw new LoginThrottledError(Math.ceil((oldest - since) / 1000));
      }
    }
  }

  async failed(scope: string, account: string, ip: string): Promise<void> {
    const { pair, address } = this.#keys(scope, account, ip);
    const now = this.#clock();
    await this.#db
      .insertInto('web_login_failure')
      .values([
        { key: pair, at: now },
        { key: address, at: now },
      ])
      .execute();
  }

  /** A successful login forgets that account's failures from that address (not the address's). */
  async succeeded(scope: string, account: string, ip: string): Promise<void> {
    await this.#db
      .deleteFrom('web_login_failure')
      .where('key', '=', this.#keys(scope, account, ip).pair)
      .execute();
  }

  /** Drops failures older than the window. */
  async sweep(): Promise<number> {
    const r = await this.#db
      .deleteFrom('web_login_failure')
      .where('at', '<=', this.#clock() - this.policy.windowMs)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
