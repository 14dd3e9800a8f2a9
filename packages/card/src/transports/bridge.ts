import websocket from '@fastify/websocket';
import { createHttpServer, HonninError, type Logger } from '@honnin/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { hex } from '../apdu/bytes.ts';
import { CardRemovedError } from '../client/errors.ts';
import { listPcscReaders, PcscTransport } from './pcsc.ts';
import type { CardTransport } from './transport.ts';
import { CLOSE_CARD_REMOVED, CLOSE_REFUSED } from './websocket.ts';

/**
 * The local bridge: a PC/SC reader on the citizen's PC offered to the app page
 * with the card host's tap protocol (transports/websocket.ts), so the same
 * client code drives a real card. Each reader is a "card" whose id is the
 * reader's name.
 *   GET /v1/cards             { cards: [{ id, label, present }] }
 *   WS  /v1/cards/{id}/tap    the tap protocol, forwarded to the reader
 * Listens on loopback only; browsers from the allowed origins only.
 */
export interface BridgeOptions {
  allowedOrigins: readonly string[];
  logger?: Logger | undefined;
  /** how to reach a reader (PC/SC by default; tests may put any transport here) */
  open?: (reader: string) => Promise<CardTransport & { atr?: Uint8Array }>;
  readers?: () => Promise<{ name: string; present: boolean }[]>;
}

export async function createBridge(opts: BridgeOptions): Promise<FastifyInstance> {
  const app = createHttpServer({ name: 'card-bridge', logger: opts.logger });
  const allowed = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  const open = opts.open ?? ((reader: string) => PcscTransport.connect({ reader, timeoutMs: 3000 }));
  const readers = opts.readers ?? (() => listPcscReaders());
  const guard = (req: FastifyRequest) => {
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed.has(origin))
      throw new HonninError('card_origin_forbidden', 'origin not allowed', { status: 403 });
  };
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin))
      reply.header('access-control-allow-origin', origin).header('vary', 'origin');
  });
  await app.register(websocket, { options: { maxPayload: 70_000 } });

  app.get('/v1/cards', async (req) => {
    guard(req);
    return { cards: (await readers()).map((r) => ({ id: r.name, label: r.name, present: r.present })) };
  });

  app.get(
    '/v1/cards/:id/tap',
    { websocket: true, preValidation: async (req) => guard(req) },
    (socket, req) => {
      void forward(socket, (req.params as { id: string }).id, open);
    },
  );
  return app;
}

async function forward(
  socket: WebSocket,
  reader: string,
  open: (reader: string) => Promise<CardTransport & { atr?: Uint8Array }>,
): Promise<void> {
  const send = (msg: Record<string, string>) => socket.send(JSON.stringify(msg));
  let transport: CardTransport & { atr?: Uint8Array };
  try {
    transport = await open(reader);
  } catch (e) {
    send({ type: 'removed' });
    socket.close(e instanceof CardRemovedError ? CLOSE_CARD_REMOVED : CLOSE_REFUSED, 'no card');
    return;
  }
  send({ type: 'hello', atr: hex(transport.atr ?? new Uint8Array(0)), token: 'card', label: reader });
  let chain: Promise<void> = Promise.resolve();
  const removed = () => {
    if (socket.readyState === socket.OPEN) {
      send({ type: 'removed' });
      socket.close(CLOSE_CARD_REMOVED, 'card removed');
    }
  };
  socket.on('message', (data, isBinary) => {
    chain = chain.then(async () => {
      try {
        if (!isBinary) {
          if ((JSON.parse(String(data)) as { type?: string }).type === 'reset' && transport.reset)
            send({ type: 'atr', atr: hex(await transport.reset()) });
          return;
        }
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        const response = await transport.transmit(new Uint8Array(bytes));
        if (socket.readyState === socket.OPEN) socket.send(response);
      } catch {
        removed();
      }
    });
  });
  socket.on('close', () => {
    void chain.then(() => transport.close().catch(() => {}));
  });
}
