import { listen, openMigratedStorage, silentLogger } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { startTestPlatform, type TestPlatform } from '../../packages/platform/test/support.ts';
import { hostedCheckoutGateway } from '../../packages/services/src/payment/gateway.ts';
import { createPaymentServer } from '../../packages/services/src/payment/server.ts';
import { type PaymentDB, paymentMigrations } from '../../packages/services/src/payment/store.ts';
import { enrollWithOfficialCa } from '../../packages/services/src/qualifications/certificate/signing-keys.ts';
import { OfficialCa } from '../../packages/services/src/qualifications/official-ca/authority.ts';
import { createOfficialCaServer } from '../../packages/services/src/qualifications/official-ca/server.ts';
import {
  type OfficialCaDB,
  officialCaMigrations,
} from '../../packages/services/src/qualifications/official-ca/store.ts';
import {
  createQualificationsService,
  type QualificationsService,
} from '../../packages/services/src/qualifications/service.ts';
import { lazyVerifier } from '../../packages/services/src/qualifications/verification/part.ts';
import { createVerificationServer } from '../../packages/services/src/qualifications/verification/server.ts';
import { freePort } from '../support/ports.ts';

export const STAFF_PASSWORD = 'staff-password-for-tests';
const ENROLLMENT = 'e2e-enrollment-token-0123456789';
const PAYMENT_KEY = 'sk_test_e2e_0123456789abcdef';

/**
 * The organisations of the national qualification story, each on its own
 * HTTP server and store: the identity platform (its client in test mode, the
 * sandbox), the official-status CA, the card-payment provider, the
 * qualification system and the verification page.
 */
export interface QualificationsSystem {
  platform: TestPlatform;
  service: QualificationsService;
  ca: OfficialCa;
  urls: { portal: string; verify: string; payment: string; ca: string; platform: string };
  close(): Promise<void>;
}

export async function startQualificationsSystem(backend: StorageBackend): Promise<QualificationsSystem> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => {});
  };
  try {
    const stores = ['gpki', 'payment', 'qualifications'].map((p) => isolatedStorage(backend, p));
    closers.push(async () => {
      for (const s of stores) await s.cleanup();
    });
    const [gpkiStore, paymentStore, qualsStore] = stores as [
      (typeof stores)[0],
      (typeof stores)[0],
      (typeof stores)[0],
    ];

    const caStorage = await openMigratedStorage<OfficialCaDB>(gpkiStore.options, officialCaMigrations);
    closers.push(() => caStorage.close());
    const caPort = await freePort();
    const caUrl = `http://localhost:${caPort}`;
    const ca = new OfficialCa(caStorage, { crlUrl: `${caUrl}/crl` });
    await ca.init();
    const caApp = createOfficialCaServer({ ca, enrollmentToken: ENROLLMENT, logger: silentLogger() });
    await listen(caApp, caPort);
    closers.push(() => caApp.close());

    const payStorage = await openMigratedStorage<PaymentDB>(paymentStore.options, paymentMigrations);
    closers.push(() => payStorage.close());
    const payPort = await freePort();
    const paymentUrl = `http://localhost:${payPort}`;
    const payApp = createPaymentServer({
      storage: payStorage,
      publicUrl: paymentUrl,
      secretKey: PAYMENT_KEY,
      logger: silentLogger(),
    });
    await listen(payApp, payPort);
    closers.push(() => payApp.close());

    const portalPort = await freePort();
    const portal = `http://localhost:${portalPort}`;
    const verifyPort = await freePort();
    const verify = `http://localhost:${verifyPort}`;

    const platform = await startTestPlatform(backend);
    closers.push(() => platform.close());
    await platform.platform.clients.put({
      clientId: 'RP00000002',
      name: '国家資格等情報連携・活用システム',
      redirectUris: [`${portal}/auth/callback`],
      jwksUri: `${portal}/.well-known/jwks.json`,
      certifiedVerifier: true,
      testMode: true,
    });

    const service = await createQualificationsService({
      storage: qualsStore.options,
      publicUrl: portal,
      verifyUrl: verify,
      issuer: platform.url,
      clientId: 'RP00000002',
      enroll: enrollWithOfficialCa(caUrl, ENROLLMENT),
      payments: hostedCheckoutGateway({ baseUrl: paymentUrl, secretKey: PAYMENT_KEY }),
      staffPassword: STAFF_PASSWORD,
      sandbox: true,
    });
    closers.push(() => service.close());
    await listen(service.app, portalPort);

    const verifyApp = createVerificationServer({
      verifier: lazyVerifier({ registryUrl: portal, caUrl, crlMaxAgeMs: 0 }),
      logger: silentLogger(),
    });
    await listen(verifyApp, verifyPort);
    closers.push(() => verifyApp.close());

    return {
      platform,
      service,
      ca,
      urls: { portal, verify, payment: paymentUrl, ca: caUrl, platform: platform.url },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
