import type { PartMigration } from '@honnin/runtime';
import type { QualificationsDB } from './schema.ts';

export const qualificationsMigrations: Record<string, PartMigration<QualificationsDB>> = {
  '001_registry': {
    async up(db, storage) {
      const blob = storage.types.blob;
      await db.schema
        .createTable('holder')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sub', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('birth_date', 'text', (c) => c.notNull())
        .addColumn('sex', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('application')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('holder_id', 'text', (c) => c.notNull().references('holder.id'))
        .addColumn('qualification_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('basic_info', 'text')
        .addColumn('registration_number', 'text')
        .addColumn('registration_date', 'text')
        .addColumn('changes', 'text')
        .addColumn('consent_at', 'bigint')
        .addColumn('document_digest', 'text')
        .addColumn('signature', blob)
        .addColumn('sign_certificate', blob)
        .addColumn('signature_verification', 'text')
        .addColumn('fee', 'integer', (c) => c.notNull())
        .addColumn('payment_id', 'text')
        .addColumn('paid_at', 'bigint')
        .addColumn('submitted_at', 'bigint')
        .addColumn('decided_at', 'bigint')
        .addColumn('decision_note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('application_holder').on('application').column('holder_id').execute();
      await db.schema.createIndex('application_status').on('application').column('status').execute();
      await db.schema
        .createTable('attachment')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('application_id', 'text', (c) => c.notNull().references('application.id'))
        .addColumn('file_name', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content', blob, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('attachment_application')
        .on('attachment')
        .column('application_id')
        .execute();
      await db.schema
        .createTable('registration')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('holder_id', 'text', (c) => c.notNull().references('holder.id'))
        .addColumn('qualification_id', 'text', (c) => c.notNull())
        .addColumn('registration_number', 'text', (c) => c.notNull())
        .addColumn('registration_date', 'text', (c) => c.notNull())
        .addColumn('holder_name', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('registration_holder_qualification', ['holder_id', 'qualification_id'])
        .execute();
      await db.schema
        .createTable('certificate')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('registration_id', 'text', (c) => c.notNull().references('registration.id'))
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('record', blob, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('replaced_by', 'text')
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('certificate_registration')
        .on('certificate')
        .column('registration_id')
        .execute();
      await db.schema
        .createTable('signing_key')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_pem', 'text', (c) => c.notNull())
        .addColumn('cert_der', blob, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .execute();
    },
  },
};
