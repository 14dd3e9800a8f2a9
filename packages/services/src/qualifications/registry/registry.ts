import type { DistinguishedName } from '@honnin/jpki/profile';
import { openMigratedStorage, type PartMigration, type Storage, type StorageOptions } from '@honnin/runtime';
import { webMigrations } from '../../web/index.ts';
import { type Enroll, SigningKeys } from '../certificate/signing-keys.ts';
import { qualificationsMigrations } from '../store/migrations.ts';
import type { QualificationsDB } from '../store/schema.ts';
import { Applications } from './applications.ts';
import { Certificates } from './certificates.ts';

/** Who signs certificates: the subject of the official-status certificate. */
export const SIGNER_SUBJECT: DistinguishedName = [
  ['C', 'JP'],
  ['O', 'Japanese Government'],
  ['OU', 'Digital Agency'],
  ['CN', '国家資格等情報連携・活用システム 資格者証発行責任者'],
];

export interface Registry {
  storage: Storage<QualificationsDB>;
  keys: SigningKeys;
  certificates: Certificates;
  applications: Applications;
  close(): Promise<void>;
}

/**
 * The qualification system's records as a library: its storage (with the web
 * sessions of its portal), signing keys, certificates and applications.
 */
export async function openRegistry(opts: {
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  enroll: Enroll;
  verifyBaseUrl: string;
  keyPassphrase?: string | undefined;
  /** the migrations of what else the service keeps in this store (its relying-party client) */
  extraMigrations?: Record<string, PartMigration> | undefined;
  now?: () => Date;
}): Promise<Registry> {
  const storage = await openMigratedStorage<QualificationsDB>(
    { part: 'qualifications', ...opts.storage },
    {
      ...qualificationsMigrations,
      ...(webMigrations as Record<string, PartMigration<QualificationsDB>>),
      ...(opts.extraMigrations as Record<string, PartMigration<QualificationsDB>> | undefined),
    },
  );
  const keys = new SigningKeys(storage, {
    enroll: opts.enroll,
    subject: SIGNER_SUBJECT,
    keyPassphrase: opts.keyPassphrase,
    now: opts.now,
  });
  const certificates = new Certificates(storage, keys, { verifyBaseUrl: opts.verifyBaseUrl, now: opts.now });
  const applications = new Applications(storage, certificates, { now: opts.now });
  return { storage, keys, certificates, applications, close: () => storage.close() };
}
