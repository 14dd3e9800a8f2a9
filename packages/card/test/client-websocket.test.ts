import { listen, MemoryState } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { createCardHost } from '../src/host/server.ts';
import { WebSocketTransport } from '../src/transports/websocket.ts';
import { clientSuite } from './client-suite.ts';

let app: FastifyInstance;
let base = '';

clientSuite('WebSocket (a tap on the card host)', () => ({
  async start(store) {
    ({ app } = await createCardHost({ store, state: new MemoryState('cards'), allowedOrigins: [] }));
    base = await listen(app, 0);
  },
  async connect(id, store) {
    await store.setRemoved(id, false);
    const transport = await WebSocketTransport.connect(`${base.replace('http', 'ws')}/v1/cards/${id}/tap`);
    return {
      transport,
      async remove() {
        const r = await fetch(`${base}/v1/cards/${id}/remove`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        if (!r.ok) throw new Error(`remove: ${r.status}`);
      },
    };
  },
  async stop() {
    await app.close();
  },
}));
