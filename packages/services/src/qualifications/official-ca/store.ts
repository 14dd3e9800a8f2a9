import type { PartMigration } from '@honnin/runtime';

/**
 * The official-status CA's own tables (its own SQLite file / schema: it is a
 * different organisation from the qualification system). Times are epoch ms.
 */
export interface OfficialCaDB {
  root: {
    id: string;
    cert_der: Uint8Array;
    key_pem: string; // PKCS#8, encrypted when a passphrase is configured
    created_at: number;
  };
  certificate: {
    serial: string; // upper-case hex
    subject: string; // RFC 4514 text, for people
    cert_der: Uint8Array;
    not_before: number;
    not_after: number;
    issued_at: number;
    revoked_at: number | null;
    revocation_reason: number | null; // RFC 5280 CRLReason
  };
}

export const officialCaMigrations: Record<string, PartMigration<OfficialCaDB>> = {
  '001_root_and_certificates': {
    async up(db, storage) {
      const blob = storage.types.blob;
      await db.schema
        .createTable('root')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('cert_der', blob, (c) => c.notNull())
        .addColumn('key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('certificate')
        .addColumn('serial', 'text', (c) => c.primaryKey())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('cert_der', blob, (c) => c.notNull())
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revocation_reason', 'integer')
        .execute();
    },
  },
};
