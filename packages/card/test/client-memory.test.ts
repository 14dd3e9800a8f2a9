import { MemoryTransport } from '../src/transports/memory.ts';
import { clientSuite } from './client-suite.ts';

clientSuite('the in-memory transport', () => ({
  async connect(id, store) {
    const transport = new MemoryTransport(await store.load(id));
    return { transport, remove: async () => transport.remove() };
  },
}));
