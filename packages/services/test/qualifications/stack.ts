import {
  createHttpServer,
  listen,
  openMigratedStorage,
  type StorageOptions,
  silentLogger,
} from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { enrollWithOfficialCa } from '../../src/qualifications/certificate/signing-keys.ts';
import { OfficialCa } from '../../src/qualifications/official-ca/authority.ts';
import { createOfficialCaServer } from '../../src/qualifications/official-ca/server.ts';
import { type OfficialCaDB, officialCaMigrations } from '../../src/qualifications/official-ca/store.ts';
import { registerRegistryApi } from '../../src/qualifications/registry/api.ts';
import type { IssuedCertificate } from '../../src/qualifications/registry/certificates.ts';
import { openRegistry, type Registry } from '../../src/qualifications/registry/registry.ts';
import { CrlChecker } from '../../src/qualifications/verification/revocation.ts';
import { CertificateVerifier, httpRegistryClient } from '../../src/qualifications/verification/verifier.ts';
import { relyingPartyMigrations } from '../../src/relying-party/store.ts';

export const TOKEN = 'test-enrollment-token-0123456789';
/** the first bytes of a PNG: enough for the type check */
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

/**
 * The pieces a certificate passes through, each on its own real HTTP server
 * and store: the official-status CA, the registry's public API, and a
 * verifier that asks both over HTTP.
 */
export interface CertificateStack {
  ca: OfficialCa;
  caUrl: string;
  registry: Registry;
  registryUrl: string;
  rootDer: Uint8Array;
  verifier: CertificateVerifier;
  /** a holder with an approved registration of `qualificationId`, and its certificate */
  registerHolder(sub: string, name?: string, qualificationId?: string): Promise<IssuedCertificate>;
  close(): Promise<void>;
}

export async function startCertificateStack(
  storage: { gpki: Omit<StorageOptions, 'part'>; registry: Omit<StorageOptions, 'part'> },
  verifyBaseUrl = 'http://verify.test',
  /** how long the verifier keeps a CRL (0: asks the CA every time, as tests of revocation need) */
  crlMaxAgeMs = 0,
): Promise<CertificateStack> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const caStore = await openMigratedStorage<OfficialCaDB>(
      { part: 'gpki', ...storage.gpki },
      officialCaMigrations,
    );
    closers.push(() => caStore.close());
    let caUrl = '';
    const ca = new OfficialCa(caStore, { crlUrl: () => `${caUrl}/crl` });
    await ca.init();
    const caApp = createOfficialCaServer({ ca, enrollmentToken: TOKEN, logger: silentLogger() });
    caUrl = await listen(caApp, 0);
    closers.push(() => caApp.close());

    const registry = await openRegistry({
      storage: storage.registry,
      enroll: enrollWithOfficialCa(caUrl, TOKEN),
      verifyBaseUrl,
      // as the service and the CLI open it
      extraMigrations: relyingPartyMigrations,
    });
    closers.push(() => registry.close());
    const api = createHttpServer({ name: 'qualifications', logger: silentLogger() });
    registerRegistryApi(api, registry);
    const registryUrl = await listen(api, 0);
    closers.push(() => api.close());

    const rootDer = ca.rootDer;
    const verifier = new CertificateVerifier({
      registry: httpRegistryClient(registryUrl),
      crl: new CrlChecker({ rootDer, maxAgeMs: crlMaxAgeMs }),
      rootDer,
    });

    return {
      ca,
      caUrl,
      registry,
      registryUrl,
      rootDer,
      verifier,
      async registerHolder(sub, name = '山田　花子', qualificationId = '0101') {
        const apps = registry.applications;
        const holderId = await apps.holderFor(sub, undefined);
        const draft = await apps.startDraft(holderId, qualificationId, 'initial');
        await apps.setBasicInfo(holderId, draft.id, {
          name,
          address: '東京都千代田区霞が関１－１－１',
          birthDate: '1985-06-15',
          sex: '2',
        });
        await apps.setRegistration(holderId, draft.id, '123456', '2012-04-01');
        await apps.addAttachment(holderId, draft.id, {
          fileName: 'certificate.png',
          declaredType: 'image/png',
          content: PNG,
        });
        const consented = await apps.consent(holderId, draft.id);
        await apps.submitSigned(holderId, draft.id, {
          digest: apps.document(consented).digest,
          verification: { signatureValid: true },
        });
        await apps.approve(draft.id);
        const reg = await apps.registrationOf(holderId, qualificationId);
        const cert = await registry.certificates.latest(reg!.id);
        return cert!;
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A certificate stack on fresh stores of `backend`, which `close` removes too. */
export async function certificateStackOn(
  backend: StorageBackend,
  verifyBaseUrl?: string,
): Promise<CertificateStack> {
  const gpki = isolatedStorage(backend, 'gpki');
  const registry = isolatedStorage(backend, 'qualifications');
  const stack = await startCertificateStack(
    { gpki: gpki.options, registry: registry.options },
    verifyBaseUrl,
  );
  return {
    ...stack,
    async close() {
      await stack.close();
      await gpki.cleanup();
      await registry.cleanup();
    },
  };
}
