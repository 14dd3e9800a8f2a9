import { type PartMigration, sql } from '@honnin/runtime';
import { relyingPartyMigrations } from '../../relying-party/store.ts';
import { webMigrations } from '../../web/session.ts';

const own: Record<string, PartMigration> = {
  '2026-11-22 dips 01 accounts and applications': {
    async up(db) {
      await db.schema
        .createTable('account')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('signup_key', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('reading', 'text', (c) => c.notNull())
        .addColumn('postcode', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('birth_date', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('sex', 'text')
        .addColumn('platform_sub', 'text')
        .addColumn('identity_verified_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('application')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('account.id'))
        .addColumn('number', 'text', (c) => c.unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('method', 'text')
        .addColumn('owner', 'text')
        .addColumn('user_info', 'text')
        .addColumn('stage', 'text')
        .addColumn('session_id', 'text')
        .addColumn('mail_token_hash', 'text', (c) => c.unique())
        .addColumn('mail_token_expires_at', 'bigint')
        .addColumn('mail_checked_at', 'bigint')
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('signed_at', 'bigint')
        .addColumn('signed_digest', 'text')
        .addColumn('signed_sub', 'text')
        .addColumn('card_info', 'text')
        .addColumn('fee_yen', 'integer')
        .addColumn('payment_number', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('submitted_at', 'bigint')
        .addColumn('completed_at', 'bigint')
        .addColumn('reviewed_at', 'bigint')
        .addColumn('paid_at', 'bigint')
        .addColumn('registered_at', 'bigint')
        .execute();
      // one application in progress per account: a repeated "new application" resumes it
      await db.schema
        .createIndex('application_one_open')
        .on('application')
        .column('account_id')
        .unique()
        .where(sql.ref('status'), 'in', sql`('draft', 'verifying')`)
        .execute();
      await db.schema
        .createIndex('application_account')
        .on('application')
        .columns(['account_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('application_status')
        .on('application')
        .columns(['status', 'completed_at'])
        .execute();
      await db.schema
        .createTable('aircraft')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('application_id', 'text', (c) => c.notNull().references('application.id'))
        .addColumn('form_key', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('manufacturing_type', 'text', (c) => c.notNull())
        .addColumn('maker', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('remote_id_type', 'text', (c) => c.notNull())
        .addColumn('remote_id_maker', 'text')
        .addColumn('remote_id_model', 'text')
        .addColumn('remote_id_serial', 'text')
        .addColumn('altered', 'integer', (c) => c.notNull())
        .addColumn('registration_number', 'text', (c) => c.unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('aircraft_form_key', ['application_id', 'form_key'])
        .execute();
      await db.schema
        .createTable('evidence')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('application_id', 'text', (c) => c.notNull().references('application.id'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        .addColumn('reference', 'text')
        .addColumn('certificate_serial', 'text')
        .addColumn('document_digest', 'text')
        .execute();
      await db.schema
        .createIndex('evidence_application')
        .on('evidence')
        .columns(['application_id', 'at'])
        .execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .addColumn('mail_to', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('sent_at', 'bigint')
        .addColumn('last_error', 'text')
        .execute();
      await db.schema
        .createIndex('outbox_pending')
        .on('outbox')
        .columns(['sent_at', 'next_attempt_at'])
        .execute();
    },
  },
};

/** Everything the service's storage holds: sessions, the RP client's data, its own tables. */
export const dipsMigrations: Record<string, PartMigration> = {
  ...webMigrations,
  ...relyingPartyMigrations,
  ...own,
};
