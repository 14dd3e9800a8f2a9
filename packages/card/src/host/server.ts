import websocket from '@fastify/websocket';
import {
  createHttpServer,
  HonninError,
  type Logger,
  type Metrics,
  type SharedState,
  z,
} from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { base64 } from '../apdu/bytes.ts';
import type { CardStore } from '../store/card-store.ts';
import { TapHub } from './tap-hub.ts';
import { type Lang, walletPage } from './wallet-page.ts';

export interface CardHostOptions {
  store: CardStore;
  state: SharedState;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
  /** browser origins allowed to list cards and open taps (the other parts' pages) */
  allowedOrigins: readonly string[];
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
 * Browsers may call it from the configured origins only (CORS and the WebSocket Origin check).
 */
export async function createCardHost(opts: CardHostOptions): Promise<{ app: FastifyInstance; hub: TapHub }> {
  const app = createHttpServer({ name: 'cards', logger: opts.logger, metrics: opts.metrics });
  const hub = new TapHub(opts.store, opts.state, app.log as unknown as Logger);
  await hub.start();
  const allowed = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  const originOk = (req: FastifyRequest) => {
    const origin = req.headers.origin;
    // no Origin: not a browser (CLI, bridge, tests); same origin: the wallet page itself
    return origin === undefined || allowed.has(origin) || origin === `${req.protocol}://${req.headers.host}`;
  };

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) {
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

  app.addHook('onClose', async () => {
    await hub.close();
  });
  return { app, hub };
}
