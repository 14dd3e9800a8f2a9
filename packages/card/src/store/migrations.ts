import type { PartMigration } from '@honnin/runtime';
import type { CardsDB } from './schema.ts';

export const migrations: Record<string, PartMigration<CardsDB>> = {
  '0001_cards': {
    async up(db, storage) {
      const blob = storage.types.blob;
      await db.schema
        .createTable('card')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('holder_name', 'text', (c) => c.notNull())
        .addColumn('jlis_card_id', 'text', (c) => c.notNull())
        .addColumn('has_signature', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .addColumn('pin_status', 'text', (c) => c.notNull())
        .addColumn('image', blob, (c) => c.notNull())
        .addColumn('pins', blob, (c) => c.notNull())
        .addColumn('keys', blob, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('issuer_key')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('key', blob, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};
