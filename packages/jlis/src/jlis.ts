import { type PolicySet, TEST_POLICIES } from '@honnin/jpki/profile';
import { type Logger, openMigratedStorage, type Storage, type StorageOptions } from '@honnin/runtime';
import { CertificateAuthorities } from './ca/authority.ts';
import { CrlPublisher } from './crl/publisher.ts';
import { Issuer } from './issuance.ts';
import { Lifecycle } from './lifecycle.ts';
import { OcspResponder } from './ocsp/responder.ts';
import { ResponderCertificates } from './ocsp/responder-certificates.ts';
import { Records } from './records.ts';
import { Revoker } from './revocation/revoker.ts';
import { migrations } from './store/migrations.ts';
import type { JlisDB } from './store/schema.ts';
import { FeeMeter } from './verifiers/fees.ts';
import { VerifierRegistry } from './verifiers/registry.ts';
import { VerifierServices } from './verifiers/services.ts';

export interface JlisOptions {
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  org?: string | undefined;
  /** encrypts CA and OCSP responder keys at rest */
  keyPassphrase?: string | undefined;
  policies?: PolicySet | undefined;
  /** OCSP answers' nextUpdate − thisUpdate (default 3600) */
  ocspValiditySeconds?: number | undefined;
  /** life of a delegated OCSP responder certificate (default 30; replaced after two thirds) */
  ocspResponderDays?: number | undefined;
  /** a CRL's nextUpdate − thisUpdate and the longest it goes without re-issue (default 86400) */
  crlIntervalSeconds?: number | undefined;
  /** re-issue a generation's CRL once it revoked something (default true) */
  crlOnRevocation?: boolean | undefined;
  /** for background work (CRL publication) */
  logger?: Logger | undefined;
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
  /** approved signature verifiers and their API keys */
  readonly verifiers: VerifierRegistry;
  /** the fee meter and monthly statements */
  readonly fees: FeeMeter;
  /** 紐付け, 新旧紐付け, 年齢判定, CRL check reports */
  readonly services: VerifierServices;
  readonly ocsp: OcspResponder;
  /** one CRL per CA generation; `start()` runs its schedule (the server does) */
  readonly crls: CrlPublisher;
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
  const fees = new FeeMeter(storage, { now });
  const responders = new ResponderCertificates(storage, ca, {
    keyPassphrase: opts.keyPassphrase,
    lifetimeDays: opts.ocspResponderDays,
    now,
  });
  const crls = new CrlPublisher(storage, ca, revoker, {
    intervalSeconds: opts.crlIntervalSeconds,
    onRevocation: opts.crlOnRevocation,
    logger: opts.logger,
    now,
  });
  return {
    storage,
    ca,
    issuer,
    lifecycle: new Lifecycle(storage, issuer, revoker, { now }),
    records: new Records(storage, { now }),
    revoker,
    verifiers: new VerifierRegistry(storage, { now }),
    fees,
    services: new VerifierServices(storage, fees, { now }),
    ocsp: new OcspResponder(storage, ca, responders, fees, {
      validitySeconds: opts.ocspValiditySeconds,
      now,
    }),
    crls,
    now,
    close: async () => {
      await crls.stop();
      await storage.close();
    },
  };
}
