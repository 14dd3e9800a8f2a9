import { type PolicySet, TEST_POLICIES } from '@honnin/jpki/profile';
import { openMigratedStorage, type Storage, type StorageOptions } from '@honnin/runtime';
import { CertificateAuthorities } from './ca/authority.ts';
import { Issuer } from './issuance.ts';
import { Lifecycle } from './lifecycle.ts';
import { Records } from './records.ts';
import { Revoker } from './revocation/revoker.ts';
import { migrations } from './store/migrations.ts';
import type { JlisDB } from './store/schema.ts';

export interface JlisOptions {
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  org?: string | undefined;
  keyPassphrase?: string | undefined;
  policies?: PolicySet | undefined;
  /** the clock (tests move it to make certificates expire) */
  now?: () => Date;
}

/**
 * The J-LIS simulator as a library: its store, its CA hierarchies and the
 * operations J-LIS performs. The HTTP server and the CLI are built on this.
 */
export interface Jlis {
  readonly storage: Storage<JlisDB>;
  readonly ca: CertificateAuthorities;
  readonly issuer: Issuer;
  /** life events and revocation */
  readonly lifecycle: Lifecycle;
  /** cards, holders' states and certificates as administrators see them */
  readonly records: Records;
  /** tells listeners (the CRL publisher) which CA generations revoked something */
  readonly revoker: Revoker;
  readonly now: () => Date;
  close(): Promise<void>;
}

export async function openJlis(opts: JlisOptions): Promise<Jlis> {
  const storage = await openMigratedStorage<JlisDB>({ part: 'jlis', ...opts.storage }, migrations);
  const now = opts.now ?? (() => new Date());
  const ca = new CertificateAuthorities(storage, { org: opts.org, keyPassphrase: opts.keyPassphrase, now });
  try {
    await ca.init();
  } catch (e) {
    await storage.close();
    throw e;
  }
  const issuer = new Issuer(storage, ca, { policies: opts.policies ?? TEST_POLICIES, now });
  const revoker = new Revoker();
  const lifecycle = new Lifecycle(storage, issuer, revoker, { now });
  const records = new Records(storage, { now });
  return { storage, ca, issuer, lifecycle, records, revoker, now, close: () => storage.close() };
}
