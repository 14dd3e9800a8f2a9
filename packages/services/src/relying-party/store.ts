import type { PartMigration } from '@honnin/runtime';

/**
 * What the relying-party client keeps in the service's own storage: its key
 * pairs (generated once) and the authorization requests in flight (state,
 * nonce, PKCE verifier — server-side, so a restart of the service mid-flow
 * loses nothing and the browser never holds them).
 */
export interface RelyingPartyDB {
  rp_key: {
    kid: string;
    /** 'sig' signs client assertions (private_key_jwt); 'enc' receives signing results (JWE) */
    use: 'sig' | 'enc';
    alg: string;
    private_jwk: string;
    public_jwk: string;
    created_at: number;
  };
  rp_authorization: {
    state: string;
    nonce: string;
    code_verifier: string;
    /** the web session that started it: the callback must come back to the same browser */
    session_id: string;
    /** what the service does with the result (e.g. 'dips.sign') */
    purpose: string;
    /** the service's own JSON (which application, which attempt) */
    context: string;
    sign_transaction_id: string | null;
    created_at: number;
    expires_at: number;
    /** set once the callback was taken up: a code is exchanged at most once */
    consumed_at: number | null;
  };
}

export const relyingPartyMigrations: Record<string, PartMigration> = {
  '2026-11-22 rp 01 keys and authorizations': {
    async up(db) {
      await db.schema
        .createTable('rp_key')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('use', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('rp_authorization')
        .addColumn('state', 'text', (c) => c.primaryKey())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('sign_transaction_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('rp_authorization_expiry')
        .on('rp_authorization')
        .columns(['expires_at'])
        .execute();
    },
  },
};
