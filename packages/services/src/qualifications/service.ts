import { type Logger, type Metrics, type StorageOptions, silentLogger } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { PaymentGateway } from '../payment/gateway.ts';
import { installRelyingParty } from '../relying-party/install.ts';
import { relyingPartyMigrations } from '../relying-party/store.ts';
import { installWeb } from '../web/install.ts';
import { createWebServer } from '../web/server.ts';
import type { Enroll } from './certificate/signing-keys.ts';
import type { Quals } from './context.ts';
import { applicationRoutes } from './portal/applications.ts';
import { loginRoutes } from './portal/login.ts';
import { paymentRoutes } from './portal/payments.ts';
import { qualificationRoutes } from './portal/qualifications.ts';
import { registerRegistryApi } from './registry/api.ts';
import { openRegistry, type Registry } from './registry/registry.ts';
import { site } from './site.ts';
import { staffRoutes } from './staff/routes.ts';

export interface QualificationsOptions {
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  /** this service's public base URL (http://localhost:7005) */
  publicUrl: string;
  /** the verification page's base URL, written into every certificate's QR */
  verifyUrl: string;
  /** the identity platform's issuer URL */
  issuer: string;
  clientId: string;
  /** certifies the record-signing key (the official-status CA) */
  enroll: Enroll;
  payments: PaymentGateway;
  staffPassword: string;
  /** accept the platform's test responses (its client is in test mode) */
  sandbox?: boolean | undefined;
  keyPassphrase?: string | undefined;
  idleTimeoutMs?: number;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
}

export interface QualificationsService {
  app: FastifyInstance;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * The national qualification system as one Fastify app on its own storage:
 * the holders' portal (login, registration, change, certificate, payment),
 * the managing body's staff view, and the registry API the verification page asks.
 */
export async function createQualificationsService(o: QualificationsOptions): Promise<QualificationsService> {
  const logger = o.logger ?? silentLogger();
  const registry = await openRegistry({
    storage: o.storage,
    enroll: o.enroll,
    verifyBaseUrl: o.verifyUrl,
    keyPassphrase: o.keyPassphrase,
    extraMigrations: relyingPartyMigrations,
  });
  try {
    const app = createWebServer({
      name: 'qualifications',
      logger,
      metrics: o.metrics,
      bodyLimit: 30 * 1024 * 1024,
    });
    const web = await installWeb(app, {
      storage: registry.storage,
      cookiePrefix: 'quals',
      site,
      loginPath: '/login',
      idleTimeoutMs: o.idleTimeoutMs ?? 60 * 60_000,
      concurrentLogin: 'replace',
      secureCookies: o.publicUrl.startsWith('https:'),
    });
    const rp = await installRelyingParty(app, {
      storage: registry.storage,
      issuer: o.issuer,
      clientId: o.clientId,
      publicUrl: o.publicUrl,
    });
    const d: Quals = {
      registry,
      rp,
      web,
      holderOnly: web.requireLogin,
      payments: o.payments,
      publicUrl: o.publicUrl,
      staffPassword: o.staffPassword,
      sandbox: !!o.sandbox,
    };
    registerRegistryApi(app, registry);
    loginRoutes(app, d);
    qualificationRoutes(app, d);
    await applicationRoutes(app, d);
    paymentRoutes(app, d);
    staffRoutes(app, d);
    return {
      app,
      registry,
      async close() {
        await app.close();
        await registry.close();
      },
    };
  } catch (e) {
    await registry.close();
    throw e;
  }
}
