import websocket from '@fastify/websocket';
import {
  bearerGuard,
  createHttpServer,
  HonninError,
  type Logger,
  type Metrics,
  type SharedState,
  z,
} from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { base64 } from '../apdu/bytes.ts';
import type { CertifiedPair, Certifier } from '../issuing/certification.ts';
import { applyLifeEvent } from '../issuing/life-events.ts';
import type { CardStore } from '../store/card-store.ts';
import { originPolicy } from './origins.ts';
import { TapHub } from './tap-hub.ts';
import { type Lang, walletPage } from './wallet-page.ts';

export interface CardHostOptions {
  store: CardStore;
  state: SharedState;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** the wallet's public base URL (its own origin, and the host name it answers to) */
  publicUrl?: string | undefined;
  /** browser origins of other parts' pages allowed to act on cards and open taps (the platform's) */
  allowedOrigins: readonly string[];
  /**
   * The municipal office's API (life events): its bearer token and J-LIS.
   * Without it `/admin/…` does not exist.
   */
  admin?: { token: string; certifier: () => Certifier } | undefined;
}

const cardParams = z.object({ id: z.uuid() });

function cardId(req: FastifyRequest): string {
  const p = cardParams.safeParse(req.params);
  if (!p.success) throw new HonninError('card_id_invalid', 'a card id is a UUID', { status: 404 });
  return p.data.id;
}

/**
 * The card host (the "cards" part): the wallet page, a small JSON API and the
 * WebSocket tap.
 *   GET  /                      wallet page (ja; ?lang=en)
 *   GET  /v1/cards              { cards: CardSummary[] } — labels and tries, no secrets
 *   GET  /v1/cards/{id}         one CardSummary
 *   POST /v1/cards/{id}/remove  take the card out of the reader (open taps end: "removed")
 *   POST /v1/cards/{id}/insert  put it back
 *   GET  /v1/cv-root            the CV root certificate the text/visual AP issuers chain to
 *   WS   /v1/cards/{id}/tap     binary APDU frames + JSON control (transports/websocket.ts)
 *   POST /admin/cards/{id}/events  a life event (Authorization: Bearer <cards.adminToken>)
 * Browsers may act on cards from the configured origins only (CORS and the Origin
 * check, the WebSocket's included), and only under one of the host's own names
 * (origins.ts: no DNS rebinding).
 * Removing and inserting is what a holder does with their own card; rewriting
 * it is the municipal office's, so the life events need the admin token.
 */
export async function createCardHost(opts: CardHostOptions): Promise<{ app: FastifyInstance; hub: TapHub }> {
  const app = createHttpServer({ name: 'cards', logger: opts.logger, metrics: opts.metrics });
  const hub = new TapHub(opts.store, opts.state, app.log as unknown as Logger);
  await hub.start();
  const policy = originPolicy(app, opts);
  // no Origin: not a browser (CLI, bridge, the platform's server)
  const originOk = (req: FastifyRequest) => policy.originOk(req.headers.origin);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0];
    // probes and scrapers may use any name; nothing there is the holder's
    if (!policy.hostOk(req.headers.host) && path !== '/healthz' && path !== '/metrics') {
      // a refused WebSocket upgrade owns its socket: close it once the 403 is out
      if (req.headers.upgrade) {
        reply.header('connection', 'close');
        reply.raw.once('finish', () => req.raw.socket.end());
      }
      throw new HonninError('card_host_forbidden', 'this card host does not answer to that host name', {
        status: 403,
      });
    }
    const origin = req.headers.origin;
    if (policy.corsOk(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'origin');
    }
  });
  app.options('/v1/*', async (req, reply) => {
    if (!originOk(req)) throw new HonninError('card_origin_forbidden', 'origin not allowed', { status: 403 });
    reply.header('access-control-allow-methods', 'GET, POST');
    reply.header('access-control-allow-headers', 'content-type');
    return reply.status(204).send();
  });

  await app.register(websocket, { options: { maxPayload: 70_000 } });

  app.get('/', async (req, reply) => {
    const lang: Lang = (req.query as { lang?: string }).lang === 'en' ? 'en' : 'ja';
    const base = `${req.headers['x-forwarded-proto'] === 'https' ? 'wss' : 'ws'}://${req.headers.host}`;
    return reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      )
      .send(walletPage(await opts.store.list(), lang, base));
  });

  app.get('/v1/cards', async () => ({ cards: await opts.store.list() }));
  app.get('/v1/cards/:id', async (req) => opts.store.summary(cardId(req)));

  const guard = (req: FastifyRequest) => {
    if (!originOk(req)) throw new HonninError('card_origin_forbidden', 'origin not allowed', { status: 403 });
  };
  app.post('/v1/cards/:id/remove', async (req) => {
    guard(req);
    const id = cardId(req);
    await hub.remove(id);
    return opts.store.summary(id);
  });
  app.post('/v1/cards/:id/insert', async (req) => {
    guard(req);
    const id = cardId(req);
    await hub.insert(id);
    return opts.store.summary(id);
  });

  app.get('/v1/cv-root', async () => {
    const issuers = await opts.store.apIssuers();
    return {
      certificate: base64(issuers.rootCertificate),
      modulus: base64(issuers.rootPublicKey.modulus),
      exponent: base64(issuers.rootPublicKey.exponent),
    };
  });

  app.get(
    '/v1/cards/:id/tap',
    {
      websocket: true,
      preValidation: async (req: FastifyRequest) => {
        guard(req);
        cardId(req);
      },
    },
    (socket, req) => {
      void hub.tap(socket, cardId(req));
    },
  );

  if (opts.admin) lifeEventRoutes(app, hub, opts.store, opts.admin);

  app.addHook('onClose', async () => {
    await hub.close();
  });
  return { app, hub };
}

const lifeEvent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('renewal') }),
  z.strictObject({
    type: z.literal('move'),
    address: z.string().min(1).max(200),
    municipalityCode: z
      .string()
      .regex(/^[0-9]{6}$/)
      .optional(),
  }),
  z.strictObject({ type: z.literal('rename'), name: z.string().min(1).max(100) }),
]);

/** `POST /admin/cards/{id}/events`: renewal, move, rename (the municipal office's work on a card). */
function lifeEventRoutes(
  app: FastifyInstance,
  hub: TapHub,
  store: CardStore,
  admin: NonNullable<CardHostOptions['admin']>,
): void {
  const onRequest = bearerGuard(admin.token, {
    realm: 'cards-admin',
    code: 'card_admin_unauthorized',
    message: 'life events need Authorization: Bearer <cards.adminToken>',
  });
  // one event at a time per card on this instance: J-LIS serialises them too
  const running = new Map<string, Promise<unknown>>();
  app.post('/admin/cards/:id/events', { onRequest }, async (req) => {
    const id = cardId(req);
    const parsed = lifeEvent.safeParse(req.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new HonninError('card_event_invalid', problems.join('; '), { details: { problems } });
    }
    await store.summary(id);
    const previous = running.get(id) ?? Promise.resolve();
    const run = previous
      .catch(() => {})
      .then(async () => {
        await hub.interrupt(id);
        return applyLifeEvent(store, id, parsed.data, admin.certifier());
      });
    running.set(id, run);
    try {
      const { card, certified } = await run;
      const issued = (p: CertifiedPair | undefined) => p && { serial: p.serial };
      return {
        event: parsed.data.type,
        card,
        revoked: certified.revoked,
        ...(certified.auth ? { auth: issued(certified.auth) } : {}),
        ...(certified.signature ? { signature: issued(certified.signature) } : {}),
      };
    } finally {
      if (running.get(id) === run) running.delete(id);
    }
  });
}
