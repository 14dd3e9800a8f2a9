import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSharedState, type SharedState } from '../src/state/index.ts';
import { redisUrlForTests } from '../src/testing.ts';

const redis = redisUrlForTests();
const kinds: { name: string; make: (ns: string) => SharedState; skip?: string | undefined }[] = [
  { name: 'memory', make: (ns) => createSharedState({ namespace: ns }) },
  {
    name: 'redis',
    make: (ns) => createSharedState({ namespace: ns, redisUrl: redis.url }),
    skip: redis.skip,
  },
];

for (const kind of kinds) {
  describe(`shared state on ${kind.name}`, { skip: kind.skip }, () => {
    test('set/get/take/setIfAbsent/incr with expiry', async () => {
      const s = kind.make(`t${Math.random().toString(36).slice(2)}`);
      try {
        await s.set('a', '1', 200);
        assert.equal(await s.get('a'), '1');
        assert.equal(await s.setIfAbsent('a', '2'), false);
        assert.equal(await s.take('a'), '1');
        assert.equal(await s.take('a'), null, 'take is single-use');
        assert.equal(await s.setIfAbsent('b', 'x', 100), true);
        assert.equal(await s.incr('n', 150), 1);
        assert.equal(await s.incr('n', 150), 2);
        await sleep(260);
        assert.equal(await s.get('b'), null, 'expired');
        assert.equal(await s.incr('n', 150), 1, 'counter restarts after its lifetime');
      } finally {
        await s.close();
      }
    });

    test('publish reaches every subscriber, across instances', async () => {
      const ns = `p${Math.random().toString(36).slice(2)}`;
      const a = kind.make(ns);
      const b = kind.name === 'memory' ? a : kind.make(ns);
      try {
        const got: string[] = [];
        const unsub = await b.subscribe('ch', (m) => got.push(m));
        await a.publish('ch', 'hello');
        for (let i = 0; i < 50 && got.length === 0; i++) await sleep(10);
        assert.deepEqual(got, ['hello']);
        await unsub();
        await a.publish('ch', 'again');
        await sleep(50);
        assert.deepEqual(got, ['hello'], 'no delivery after unsubscribe');
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });

    test('a subscriber that leaves while another is joining does not unsubscribe it', async () => {
      const ns = `j${Math.random().toString(36).slice(2)}`;
      const a = kind.make(ns);
      const b = kind.name === 'memory' ? a : kind.make(ns);
      try {
        // the first joiner's SUBSCRIBE is on its way when the second joins and leaves
        const got: string[] = [];
        const staying = b.subscribe('ch', (m) => got.push(m));
        const leaving = b.subscribe('ch', () => {});
        await (await leaving)();
        const unsub = await staying;
        await a.publish('ch', 'still here');
        for (let i = 0; i < 100 && got.length === 0; i++) await sleep(10);
        assert.deepEqual(got, ['still here']);
        await unsub();
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });
  });
}
