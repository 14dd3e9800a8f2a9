import { generateKeyPairSync } from 'node:crypto';
import { HonninError, type Storage } from '@honnin/runtime';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PlatformDB } from '../store/schema.ts';

export interface KeySchedule {
  /** a signing key serves this long before its successor takes over */
  rotateAfterMs: number;
  /** a successor is published in the JWKS this long before it signs (RPs cache JWKS) */
  publishAheadMs: number;
  /** a retired key stays published this long (tokens it signed stay verifiable) */
  retainMs: number;
}

export const DEFAULT_SCHEDULE: KeySchedule = {
  rotateAfterMs: 30 * 86_400_000,
  publishAheadMs: 86_400_000,
  retainMs: 7 * 86_400_000,
};

export interface KeySet {
  /** private JWKs for oidc-provider: the signing key first, then the published others */
  keys: JWK[];
  /** changes whenever the set or the signing key changes */
  version: string;
  signingKid: string;
}

/**
 * The ES256 keys that sign ID tokens, kept in the platform's store so every
 * instance signs with the same key. Rotation publishes the successor ahead,
 * switches at its activation time, and drops the predecessor after a while.
 */
export class SigningKeys {
  readonly #storage: Storage<PlatformDB>;
  readonly #schedule: KeySchedule;
  readonly #now: () => number;

  constructor(storage: Storage<PlatformDB>, opts: { schedule?: KeySchedule; now?: () => number } = {}) {
    this.#storage = storage;
    this.#schedule = opts.schedule ?? DEFAULT_SCHEDULE;
    this.#now = opts.now ?? Date.now;
  }

  /** Applies the schedule (creates, hands over, drops keys), then returns the set in force. */
  async current(): Promise<KeySet> {
    await this.maintain();
    // another instance may be creating the first key right now
    for (let i = 0; i < 50; i++) {
      const set = await this.#load();
      if (set) return set;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new HonninError('signing_key_missing', 'no ID-token signing key appeared in the store', {
      status: 500,
    });
  }

  async maintain(): Promise<void> {
    const now = this.#now();
    const rows = await this.#rows();
    const active = rows.filter((r) => r.active_from <= now);
    const signing = active.at(-1);
    // several instances share the store: only the one that claims a key's slot creates it
    if (!signing) {
      if (await this.#claim('first')) await this.#create(now);
      return;
    }
    const pending = rows.some((r) => r.active_from > now);
    if (
      !pending &&
      now - signing.active_from >= this.#schedule.rotateAfterMs - this.#schedule.publishAheadMs &&
      (await this.#claim(`after:${signing.kid}`))
    ) {
      await this.#create(Math.max(now, signing.active_from + this.#schedule.rotateAfterMs));
    }
    // a key retires when its successor activates; drop it once retained long enough
    for (let i = 0; i < active.length - 1; i++) {
      if (now - active[i + 1]!.active_from >= this.#schedule.retainMs) {
        await this.#storage.db.deleteFrom('signing_key').where('kid', '=', active[i]!.kid).execute();
      }
    }
  }

  /** Starts signing with a new key at once (the old one stays published for `retainMs`). */
  async rotateNow(): Promise<string> {
    return this.#create(this.#now());
  }

  async #claim(slot: string): Promise<boolean> {
    const r = await this.#storage.db
      .insertInto('platform_secret')
      .values({ name: `signing-key-slot:${slot}`, value: 'claimed', created_at: this.#now() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async #create(activeFrom: number): Promise<string> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]);
    await this.#storage.db
      .insertInto('signing_key')
      .values({
        kid,
        private_jwk: JSON.stringify({ ...jwk, kid, alg: 'ES256', use: 'sig' }),
        created_at: this.#now(),
        active_from: activeFrom,
      })
      .execute();
    return kid;
  }

  async #rows() {
    const rows = await this.#storage.db
      .selectFrom('signing_key')
      .selectAll()
      .orderBy('active_from')
      .execute();
    return rows.map((r) => ({ ...r, active_from: Number(r.active_from) }));
  }

  async #load(): Promise<KeySet | undefined> {
    const now = this.#now();
    const rows = await this.#rows();
    const signing = rows.filter((r) => r.active_from <= now).at(-1);
    if (!signing) return undefined;
    const ordered = [signing, ...rows.filter((r) => r !== signing).reverse()];
    return {
      keys: ordered.map((r) => JSON.parse(r.private_jwk) as JWK),
      version: ordered.map((r) => r.kid).join(','),
      signingKid: signing.kid,
    };
  }
}
