import type { PartMigration } from '@honnin/runtime';
import type { PlatformDB } from './schema.ts';

export const migrations: Record<string, PartMigration<PlatformDB>> = {
  '001_platform': {
    async up(db, storage) {
      const blob = storage.types.blob;
      await db.schema
        .createTable('oidc_model')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('user_code', 'text')
        .addColumn('uid', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oidc_model_pk', ['kind', 'id'])
        .execute();
      await db.schema.createIndex('oidc_model_grant').on('oidc_model').column('grant_id').execute();
      await db.schema.createIndex('oidc_model_uid').on('oidc_model').columns(['kind', 'uid']).execute();
      await db.schema.createIndex('oidc_model_expiry').on('oidc_model').column('expires_at').execute();

      await db.schema
        .createTable('signing_key')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('active_from', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('platform_secret')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('client')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_en', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('jwks', 'text')
        .addColumn('jwks_uri', 'text')
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('certified_verifier', 'integer', (c) => c.notNull())
        .addColumn('test_mode', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();

      await db.schema
        .createTable('citizen')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('citizen_certificate')
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('citizen_id', 'text', (c) => c.notNull().references('citizen.id'))
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('citizen_certificate_pk', ['purpose', 'serial'])
        .execute();
      await db.schema
        .createIndex('citizen_certificate_citizen')
        .on('citizen_certificate')
        .column('citizen_id')
        .execute();

      await db.schema
        .createTable('app_installation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('citizen_id', 'text')
        .addColumn('terms_version', 'text', (c) => c.notNull())
        .addColumn('privacy_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('passkey')
        .addColumn('credential_id', 'text', (c) => c.primaryKey())
        .addColumn('installation_id', 'text', (c) => c.notNull().references('app_installation.id'))
        .addColumn('public_key', blob, (c) => c.notNull())
        .addColumn('counter', 'bigint', (c) => c.notNull())
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('passkey_installation').on('passkey').column('installation_id').execute();

      await db.schema
        .createTable('sign_transaction')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('digest_info', blob, (c) => c.notNull())
        .addColumn('hash_algorithm', 'text', (c) => c.notNull())
        .addColumn('display', 'text', (c) => c.notNull())
        .addColumn('container', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .addColumn('citizen_id', 'text')
        .addColumn('grant_id', 'text')
        .addColumn('signature', blob)
        .addColumn('certificate', blob)
        .addColumn('verification', 'text')
        .addColumn('error_code', 'text')
        .execute();

      await db.schema
        .createTable('transaction_event')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('transaction_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('transaction_event_transaction')
        .on('transaction_event')
        .columns(['transaction_id', 'at', 'seq'])
        .execute();

      await db.schema
        .createTable('fee')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('transaction_id', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('yen', 'integer', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('fee_client').on('fee').columns(['client_id', 'at']).execute();

      await db.schema
        .createTable('released_identity')
        .addColumn('grant_id', 'text', (c) => c.primaryKey())
        .addColumn('citizen_id', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '002_successor_linking': {
    async up(db) {
      await db.schema.alterTable('citizen_certificate').addColumn('successor_checked_at', 'bigint').execute();
      await db.schema
        .createTable('crl_follow')
        .addColumn('ca_id', 'text', (c) => c.primaryKey())
        .addColumn('etag', 'text', (c) => c.notNull())
        .addColumn('this_update', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  // a signing result (signature, certificate, the signer's 4 items) sealed with the platform's
  // seal key until fetched; rows from before are sealed at start (the key is not known here)
  '003_sealed_sign_result': {
    async up(db) {
      await db.schema.alterTable('sign_transaction').addColumn('sealed_result', 'text').execute();
    },
  },
};
