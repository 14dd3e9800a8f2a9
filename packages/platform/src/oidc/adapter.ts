import type { Storage } from '@honnin/runtime';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { type ClientRegistry, oidcMetadata } from '../clients/registry.ts';
import type { PlatformDB } from '../store/schema.ts';

/**
 * oidc-provider's persistence on the platform's own store (SQLite or
 * PostgreSQL): one table keyed by (model kind, id) with the secondary keys the
 * provider looks things up by. Clients come from the client registry instead.
 */
export function kyselyAdapter(
  storage: Storage<PlatformDB>,
  opts: { clients: ClientRegistry; now?: () => number },
): (kind: string) => Adapter {
  const now = opts.now ?? Date.now;
  const db = storage.db;

  class ClientAdapter implements Adapter {
    async find(id: string): Promise<AdapterPayload | undefined> {
      const c = await opts.clients.get(id);
      return c ? (oidcMetadata(c) as AdapterPayload) : undefined;
    }
    async upsert(): Promise<void> {}
    async findByUserCode(): Promise<undefined> {}
    async findByUid(): Promise<undefined> {}
    async consume(): Promise<void> {}
    async destroy(): Promise<void> {}
    async revokeByGrantId(): Promise<void> {}
  }

  class ModelAdapter implements Adapter {
    readonly kind: string;
    constructor(kind: string) {
      this.kind = kind;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const row = {
        payload: JSON.stringify(payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expires_at: expiresIn ? now() + expiresIn * 1000 : null,
      };
      await db
        .insertInto('oidc_model')
        .values({ kind: this.kind, id, consumed_at: null, ...row })
        .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(row))
        .execute();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_model')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .executeTakeFirst();
      return live(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_model')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('uid', '=', uid)
        .executeTakeFirst();
      return live(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await db
        .selectFrom('oidc_model')
        .select(['payload', 'expires_at', 'consumed_at'])
        .where('kind', '=', this.kind)
        .where('user_code', '=', userCode)
        .executeTakeFirst();
      return live(row);
    }

    async consume(id: string): Promise<void> {
      await db
        .updateTable('oidc_model')
        .set({ consumed_at: now() })
        .where('kind', '=', this.kind)
        .where('id', '=', id)
        .execute();
    }

    async destroy(id: string): Promise<void> {
      await db.deleteFrom('oidc_model').where('kind', '=', this.kind).where('id', '=', id).execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await db.deleteFrom('oidc_model').where('grant_id', '=', grantId).execute();
    }
  }

  function live(
    row: { payload: string; expires_at: number | null; consumed_at: number | null } | undefined,
  ): AdapterPayload | undefined {
    if (!row) return undefined;
    if (row.expires_at !== null && Number(row.expires_at) <= now()) return undefined;
    const payload = JSON.parse(row.payload) as AdapterPayload;
    return row.consumed_at === null
      ? payload
      : { ...payload, consumed: Math.floor(Number(row.consumed_at) / 1000) };
  }

  // a factory (not a class): oidc-provider calls it once per model kind
  return (kind) => (kind === 'Client' ? new ClientAdapter() : new ModelAdapter(kind));
}

/** Removes expired rows (the provider never looks at them again). */
export async function sweepExpired(storage: Storage<PlatformDB>, now: number): Promise<number> {
  const r = await storage.db.deleteFrom('oidc_model').where('expires_at', '<=', now).executeTakeFirst();
  await storage.db.deleteFrom('released_identity').where('expires_at', '<=', now).execute();
  return Number(r.numDeletedRows);
}
