import { createSecretKey } from 'node:crypto';
import formbody from '@fastify/formbody';
import {
  createHttpServer,
  createSharedState,
  type Logger,
  type Metrics,
  openMigratedStorage,
  type SharedState,
  type Storage,
  type StorageOptions,
  silentLogger,
} from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { Counter } from 'prom-client';
import { CitizenApp } from './citizen/routes.ts';
import { adminRoutes } from './clients/admin-api.ts';
import { ClientRegistry } from './clients/registry.ts';
import { EventLog } from './events/event-log.ts';
import { type Flow, FlowStore } from './flows/flow.ts';
import { DEFAULT_QR_POLICY, QrCodes, type QrPolicy } from './flows/qr.ts';
import { interactionRoutes } from './interaction/routes.ts';
import { kyselyAdapter, sweepExpired } from './oidc/adapter.ts';
import { ProviderHost } from './oidc/host.ts';
import { createProvider } from './oidc/provider.ts';
import { ReleasedIdentities } from './oidc/released-identity.ts';
import { type KeySchedule, SigningKeys } from './oidc/signing-keys.ts';
import { ResultEncryption } from './signing/result-encryption.ts';
import { signingApiRoutes } from './signing/routes.ts';
import { SignTransactions } from './signing/transactions.ts';
import { migrations } from './store/migrations.ts';
import type { PlatformDB } from './store/schema.ts';
import { openSealKey, sharedSecret } from './store/secrets.ts';
import { CardVerifier, type CardVerifierOptions } from './verification/card-verifier.ts';
import { Fees } from './verification/fees.ts';
import { serveBundles } from './web/bundles.ts';
import { errorPage, renderOidcError } from './web/errors.ts';
import { EventStreams } from './web/event-stream.ts';
import { protectPages } from './web/page.ts';

export interface PlatformOptions {
  /** the public base URL: the OIDC issuer and the origin of the app */
  publicUrl: string;
  storage: Omit<StorageOptions, 'part'> & { part?: string };
  redisUrl?: string | undefined;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** bearer token of the admin API */
  adminToken: string;
  /**
   * The 32-byte key sealing personal data at rest (released identities, flows,
   * signing results), or a function choosing it given the key an older version
   * kept in the store (adopted, then removed from the store).
   */
  sealKey: Uint8Array | ((legacy: Buffer | undefined) => Uint8Array);
  /** J-LIS (OCSP, linking) and the card host, as the verification needs them */
  verification: CardVerifierOptions;
  /** where the app taps virtual cards */
  cardHostUrl: string;
  /** the local bridge to a PC/SC reader, for PCs with a card reader */
  readerBridgeUrl?: string | undefined;
  now?: () => number;
  keySchedule?: KeySchedule | undefined;
  qrPolicy?: QrPolicy | undefined;
  /** how long a flow may take from the authorization request to the consent (default 10 min) */
  flowTtlMs?: number | undefined;
  /** wrong 6-digit numbers allowed on the PC (default 3) */
  bindingAttempts?: number | undefined;
  accessTokenSeconds?: number | undefined;
  /** how often keys are checked and expired rows swept (default 60 s) */
  maintenanceMs?: number | undefined;
  /** how often the backstop follows every superseded certificate to its successor at J-LIS (default daily) */
  relinkMs?: number | undefined;
}

/** honnin_platform_flows_total{kind, outcome}: how flows end ('success' or the outcome code). */
function flowMetrics(metrics: Metrics | undefined) {
  if (!metrics) return undefined;
  const existing = metrics.registry.getSingleMetric('honnin_platform_flows_total') as
    | Counter<'kind' | 'outcome'>
    | undefined;
  const flows =
    existing ??
    new Counter({
      name: 'honnin_platform_flows_total',
      help: 'authorization and signing flows, by how they ended',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
  return (flow: Flow, outcome: string) => flows.inc({ kind: flow.kind, outcome });
}

export interface Platform {
  app: FastifyInstance;
  storage: Storage<PlatformDB>;
  state: SharedState;
  clients: ClientRegistry;
  keys: SigningKeys;
  host: ProviderHost;
  signTransactions: SignTransactions;
  fees: Fees;
  close(): Promise<void>;
}

/**
 * The identity platform: oidc-provider (relying parties), the signing API, the
 * service's pages between request and redirect, the citizen's app and its JSON
 * API, and the admin API — one Fastify server. Everything an instance needs to
 * share with others lives in the store (PostgreSQL) and the shared state (Redis).
 */
export async function createPlatform(o: PlatformOptions): Promise<Platform> {
  const now = o.now ?? Date.now;
  const logger = o.logger ?? silentLogger();
  const storage = await openMigratedStorage<PlatformDB>({ part: 'platform', ...o.storage }, migrations);
  const state = createSharedState({ redisUrl: o.redisUrl, namespace: storage.part });
  try {
    const secret = (name: string) => sharedSecret(storage, name, now);
    const [cookieKey, pairwiseSecret, dpopSecret, qrSecret] = await Promise.all([
      secret('cookie-key'),
      secret('pairwise-salt'),
      secret('dpop-nonce'),
      secret('qr-code'),
    ]);
    const { key: sealKey, legacyKept } = await openSealKey(storage, o.sealKey);
    if (legacyKept)
      logger.warn(
        'the store still holds the seal key of an older version, and another key is configured: data sealed before does not open',
      );
    // imported once: an HMAC or a cipher given the raw bytes imports them again on every call
    const pairwiseSalt = createSecretKey(pairwiseSecret);
    const clients = new ClientRegistry(storage, now);
    const accessTokenSeconds = o.accessTokenSeconds ?? 600;
    // a result is fetched with the access token of the authorization that signed: kept no longer
    const signTransactions = new SignTransactions(storage, {
      sealKey,
      now,
      resultMs: accessTokenSeconds * 1000 + 60_000,
    });
    await signTransactions.sealClearResults();
    const identities = new ReleasedIdentities(storage, sealKey);
    const events = new EventLog(storage, now);
    const fees = new Fees(storage, now);
    const keys = new SigningKeys(storage, { schedule: o.keySchedule, now });
    const flows = new FlowStore(state, now);
    const qr = new QrCodes(qrSecret, o.qrPolicy ?? DEFAULT_QR_POLICY);
    const flowTtlMs = o.flowTtlMs ?? 600_000;
    const adapter = kyselyAdapter(storage, { clients, now });
    const host = new ProviderHost(keys, (jwks) =>
      createProvider({
        issuer: o.publicUrl,
        adapter,
        jwks,
        cookieKeys: [cookieKey.toString('base64url')],
        pairwiseSalt,
        dpopNonceSecret: dpopSecret,
        identities,
        signTransactions,
        renderError: renderOidcError,
        ttl: { interactionSeconds: Math.ceil(flowTtlMs / 1000) + 300, accessTokenSeconds },
      }),
    );
    await host.refresh();

    const app = createHttpServer({ name: 'platform', logger, metrics: o.metrics });
    protectPages(app);
    host.mount(app);
    const scripts = await serveBundles(app);
    const finish = {
      host,
      identities,
      signTransactions,
      events,
      sealKey,
      releaseMs: { accessToken: accessTokenSeconds * 1000 + 60_000, refresh: 14 * 86_400_000 },
      now,
      onFinished: flowMetrics(o.metrics),
    };
    const verifier = new CardVerifier(storage, o.verification, { fees, events, logger, now });
    const streams = new EventStreams(app);
    // the platform's own routes, in a scope whose errors render as pages for browsers
    await app.register(async (scope) => {
      errorPage(scope);
      await scope.register(formbody);
      interactionRoutes(scope, {
        host,
        flows,
        qr,
        clients,
        signTransactions,
        events,
        finish,
        sealKey,
        publicUrl: o.publicUrl,
        flowTtlMs,
        bindingAttempts: o.bindingAttempts ?? 3,
        scripts: { servicePage: scripts['service-page'] },
        streams,
      });
      await new CitizenApp({
        storage,
        flows,
        qr,
        events,
        signTransactions,
        verifier,
        sealKey,
        publicUrl: o.publicUrl,
        flowTtlMs,
        script: scripts.app,
        streams,
        cardHostUrl: o.cardHostUrl,
        readerBridgeUrl: o.readerBridgeUrl,
        now,
      }).routes(scope);
      signingApiRoutes(scope, {
        host,
        state,
        publicUrl: o.publicUrl,
        clients,
        transactions: signTransactions,
        events,
        encryption: new ResultEncryption(),
      });
      adminRoutes(scope, {
        adminToken: o.adminToken,
        clients,
        keys,
        fees,
        onKeysRotated: () => host.refresh(),
        relink: () => verifier.linkAll(),
      });
    });

    const maintenance = setInterval(() => {
      void Promise.all([host.refresh(), sweepExpired(storage, now()), signTransactions.sweepResults()]).catch(
        (err) => logger.warn({ err }, 'platform maintenance failed'),
      );
    }, o.maintenanceMs ?? 60_000);
    maintenance.unref();
    // logins link renewed certificates at once; this backstop follows every superseded
    // entry once per period across all instances (each query is a charged J-LIS check)
    const relinkMs = o.relinkMs ?? 86_400_000;
    const relink = setInterval(() => {
      void state
        .setIfAbsent('relink-running', '1', Math.max(1000, relinkMs - 60_000))
        .then((mine) => (mine ? verifier.linkAll() : undefined))
        .catch((err) => logger.warn({ err }, 'successor linking failed'));
    }, relinkMs);
    relink.unref();

    return {
      app,
      storage,
      state,
      clients,
      keys,
      host,
      signTransactions,
      fees,
      async close() {
        clearInterval(maintenance);
        clearInterval(relink);
        await app.close();
        await state.close();
        await storage.close();
      },
    };
  } catch (e) {
    await state.close();
    await storage.close();
    throw e;
  }
}
