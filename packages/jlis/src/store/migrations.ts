import type { PartMigration } from '@honnin/runtime';
import type { JlisDB } from './schema.ts';

export const migrations: Record<string, PartMigration<JlisDB>> = {
  '001_ca_and_certificates': {
    async up(db, storage) {
      const blob = storage.types.blob;
      await db.schema
        .createTable('ca')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('generation', 'text', (c) => c.notNull())
        .addColumn('cert_der', blob, (c) => c.notNull())
        .addColumn('key_pem', 'text', (c) => c.notNull())
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('serial_counter')
        .addColumn('purpose', 'text', (c) => c.primaryKey())
        .addColumn('next', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('holder')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_flags', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('address_flags', 'text', (c) => c.notNull())
        .addColumn('birth_date', 'text', (c) => c.notNull())
        .addColumn('sex', 'text', (c) => c.notNull())
        .addColumn('municipality_code', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('card')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('holder_id', 'text', (c) => c.notNull().references('holder.id'))
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('certificate')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('ca_id', 'text', (c) => c.notNull().references('ca.id'))
        .addColumn('card_id', 'text', (c) => c.notNull().references('card.id'))
        .addColumn('holder_id', 'text', (c) => c.notNull().references('holder.id'))
        .addColumn('municipality_code', 'text', (c) => c.notNull())
        .addColumn('der', blob, (c) => c.notNull())
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revocation_reason', 'integer')
        .addColumn('revocation_event', 'text')
        .addColumn('successor_serial', 'text')
        .addColumn('predecessor_serial', 'text')
        .addPrimaryKeyConstraint('certificate_pk', ['purpose', 'serial'])
        .execute();
      await db.schema
        .createIndex('certificate_card')
        .on('certificate')
        .columns(['card_id', 'purpose'])
        .execute();
      await db.schema
        .createIndex('certificate_revoked')
        .on('certificate')
        .columns(['ca_id', 'revoked_at'])
        .execute();
      await db.schema.createIndex('card_holder').on('card').column('holder_id').execute();
    },
  },
  '002_life_events': {
    async up(db) {
      await db.schema
        .alterTable('holder')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('resident'))
        .execute();
      await db.schema
        .alterTable('ca')
        .addColumn('revocations', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      // CRLs read a generation's revoked certificates in (revoked_at, serial) pages;
      // this index supersedes the (ca_id, revoked_at) one
      await db.schema.dropIndex('certificate_revoked').execute();
      await db.schema
        .createIndex('certificate_crl')
        .on('certificate')
        .columns(['ca_id', 'revoked_at', 'serial'])
        .execute();
      await db.schema
        .createIndex('certificate_successor')
        .on('certificate')
        .columns(['card_id', 'purpose', 'successor_serial'])
        .execute();
    },
  },
  '003_verifiers_and_fees': {
    async up(db) {
      await db.schema
        .createTable('verifier')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema
        .createTable('fee_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('verifier_id', 'text', (c) => c.notNull().references('verifier.id'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('month', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text')
        .addColumn('yen', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('fee_event_statement')
        .on('fee_event')
        .columns(['verifier_id', 'month'])
        .execute();
      await db.schema
        .createTable('status_check')
        .addColumn('verifier_id', 'text', (c) => c.notNull())
        .addColumn('holder_id', 'text', (c) => c.notNull())
        .addColumn('year', 'integer', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('status_check_pk', ['verifier_id', 'holder_id', 'year', 'purpose'])
        .execute();
    },
  },
  '004_ocsp_responders': {
    async up(db, storage) {
      await db.schema
        .createTable('ocsp_responder')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('ca_id', 'text', (c) => c.notNull().references('ca.id'))
        .addColumn('cert_der', storage.types.blob, (c) => c.notNull())
        .addColumn('key_pem', 'text', (c) => c.notNull())
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ocsp_responder_ca')
        .on('ocsp_responder')
        .columns(['ca_id', 'not_after'])
        .execute();
    },
  },
  '005_crls': {
    async up(db, storage) {
      await db.schema
        .createTable('crl')
        .addColumn('ca_id', 'text', (c) => c.primaryKey().references('ca.id'))
        .addColumn('number', 'bigint', (c) => c.notNull())
        .addColumn('this_update', 'bigint', (c) => c.notNull())
        .addColumn('next_update', 'bigint', (c) => c.notNull())
        .addColumn('revocations', 'bigint', (c) => c.notNull())
        .addColumn('entries', 'bigint', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('chunks', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('crl_chunk')
        .addColumn('ca_id', 'text', (c) => c.notNull())
        .addColumn('number', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', storage.types.blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('crl_chunk_pk', ['ca_id', 'number', 'seq'])
        .execute();
    },
  },
  '006_certificate_holder': {
    async up(db) {
      // life events and re-issues find a holder's certificates across cards
      await db.schema
        .createIndex('certificate_holder')
        .on('certificate')
        .columns(['holder_id', 'purpose', 'successor_serial'])
        .execute();
    },
  },
};
