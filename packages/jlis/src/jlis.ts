import { type PolicySet, TEST_POLICIES } from '@honnin/jpki/profile';
import { openMigratedStorage, type Storage, type StorageOptions } from '@honnin/runtime';
import { CertificateAuthorities } from './ca/authority.ts';
import { Issuer } from './issuance.ts';
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
  return { storage, ca, issuer, now, close: () => storage.close() };
}
