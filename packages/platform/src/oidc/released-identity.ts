import type { KeyObject } from 'node:crypto';
import type { Storage } from '@honnin/runtime';
import type { PlatformDB } from '../store/schema.ts';
import { seal, unseal } from '../store/secrets.ts';

/** The claims a citizen allowed a relying party to receive in one authorization. */
export interface ReleasedIdentity {
  citizenId: string;
  claims: Record<string, unknown>;
}

/**
 * Userinfo is answered from what the citizen released in the authorization the
 * access token belongs to (the platform keeps no profile of people). Stored
 * sealed with a platform key and deleted when the grant's tokens have expired.
 */
export class ReleasedIdentities {
  readonly #storage: Storage<PlatformDB>;
  readonly #key: KeyObject;

  constructor(storage: Storage<PlatformDB>, key: KeyObject) {
    this.#storage = storage;
    this.#key = key;
  }

  async put(grantId: string, identity: ReleasedIdentity, expiresAt: number): Promise<void> {
    const row = {
      citizen_id: identity.citizenId,
      sealed: seal(this.#key, JSON.stringify(identity.claims)),
      expires_at: expiresAt,
    };
    await this.#storage.db
      .insertInto('released_identity')
      .values({ grant_id: grantId, ...row })
      .onConflict((oc) => oc.column('grant_id').doUpdateSet(row))
      .execute();
  }

  async get(grantId: string): Promise<ReleasedIdentity | undefined> {
    const row = await this.#storage.db
      .selectFrom('released_identity')
      .selectAll()
      .where('grant_id', '=', grantId)
      .where('expires_at', '>', Date.now())
      .executeTakeFirst();
    if (!row) return undefined;
    return { citizenId: row.citizen_id, claims: JSON.parse(unseal(this.#key, row.sealed)) };
  }
}
