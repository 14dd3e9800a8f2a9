import {
  createMailer,
  type Kysely,
  type Logger,
  type Metrics,
  openMigratedStorage,
  type StorageOptions,
  silentLogger,
} from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { installRelyingParty } from '../relying-party/install.ts';
import { installWeb } from '../web/install.ts';
import { createWebServer } from '../web/server.ts';
import { Accounts } from './account/accounts.ts';
import { accountRoutes } from './account/routes.ts';
import { Applications } from './application/applications.ts';
import { applicationRoutes } from './application/routes.ts';
import type { Dips } from './context.ts';
import { Outbox } from './mail/outbox.ts';
import { site } from './site.ts';
import { Registrations } from './staff/registrations.ts';
import { staffRoutes } from './staff/routes.ts';
import { dipsMigrations } from './store/migrations.ts';
import type { DipsDB } from './store/schema.ts';
import { Procedure } from './verification/procedure.ts';
import { verificationRoutes } from './verification/routes.ts';

export interface DipsOptions {
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  /** this service's public base URL (http://localhost:7004) */
  publicUrl: string;
  /** the identity platform's issuer URL */
  issuer: string;
  /** the client id the platform registered for this service */
  clientId: string;
  smtpUrl: string;
  mailFrom: string;
  staffPassword: string;
  clock?: () => number;
  logger?: Logger;
  metrics?: Metrics;
  /** seeds: 60 minutes */
  idleTimeoutMs?: number;
  /** seeds: 5 minutes between the signature and the 4-digit PIN */
  authWindowMs?: number;
  /** how often the outbox retries unsent mail */
  outboxIntervalMs?: number;
  /** after how long a mail whose sending was cut off (a crash) is sent again */
  outboxLeaseMs?: number;
}

export interface DipsService {
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The drone registration service (DIPS-REG) as a Fastify app on its own
 * storage: accounts, the application wizard, the identity verification with
 * the My Number Card through the identity platform, the staff side.
 */
export async function createDipsService(o: DipsOptions): Promise<DipsService> {
  const clock = o.clock ?? Date.now;
  const logger = o.logger ?? silentLogger();
  const storage = await openMigratedStorage<DipsDB>({ part: 'dips', ...o.storage }, dipsMigrations);
  const db = storage.db as Kysely<DipsDB>;
  const mailer = createMailer({ smtpUrl: o.smtpUrl, from: o.mailFrom });
  try {
    const outbox = new Outbox({
      db,
      mailer,
      clock,
      logger,
      messageIdDomain: new URL(o.publicUrl).hostname,
      leaseMs: o.outboxLeaseMs,
    });
    const accounts = new Accounts(db, clock);
    const applications = new Applications(db, clock);
    const procedure = new Procedure({
      db,
      clock,
      accounts,
      applications,
      outbox,
      publicUrl: o.publicUrl,
      authWindowMs: o.authWindowMs ?? 5 * 60_000,
    });
    const registrations = new Registrations({ db, clock, applications, outbox, publicUrl: o.publicUrl });

    const app = createWebServer({ name: 'dips', logger, metrics: o.metrics });
    const web = await installWeb(app, {
      storage,
      cookiePrefix: 'dips',
      site,
      loginPath: '/login',
      idleTimeoutMs: o.idleTimeoutMs ?? 60 * 60_000,
      concurrentLogin: 'replace',
      clock,
      secureCookies: o.publicUrl.startsWith('https:'),
    });
    const rp = await installRelyingParty(app, {
      storage,
      issuer: o.issuer,
      clientId: o.clientId,
      publicUrl: o.publicUrl,
      clock,
    });
    const d: Dips = {
      clock,
      web,
      rp,
      accounts,
      applications,
      procedure,
      registrations,
      publicUrl: o.publicUrl,
      staffPassword: o.staffPassword,
    };
    accountRoutes(app, d);
    applicationRoutes(app, d);
    verificationRoutes(app, d);
    staffRoutes(app, d);
    outbox.start(o.outboxIntervalMs);

    return {
      app,
      async close() {
        await app.close();
        await outbox.stop();
        mailer.close();
        await storage.close();
      },
    };
  } catch (e) {
    mailer.close();
    await storage.close();
    throw e;
  }
}
