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
  describe(`compareAndSet on ${kind.name}`, { skip: kind.skip }, () => {
    test('stores only over the expected value (or an absent key), with expiry', async () => {
      const s = kind.make(`cas${Math.random().toString(36).slice(2)}`);
      try {
        assert.equal(await s.compareAndSet('k', 'x', 'y'), false, 'absent is not "x"');
        assert.equal(await s.get('k'), null);
        assert.equal(await s.compareAndSet('k', null, 'v1', 150), true, 'absent as expected');
        assert.equal(await s.compareAndSet('k', null, 'v2'), false, 'no longer absent');
        assert.equal(await s.compareAndSet('k', 'v0', 'v2'), false, 'stale expectation');
        assert.equal(await s.get('k'), 'v1');
        assert.equal(await s.compareAndSet('k', 'v1', 'v2', 150), true);
        assert.equal(await s.get('k'), 'v2');
        await sleep(250);
        assert.equal(await s.get('k'), null, 'the new value keeps the given lifetime');
      } finally {
        await s.close();
      }
    });

    test('read-modify-write with retries loses no increment across instances', async () => {
      const ns = `cas${Math.random().toString(36).slice(2)}`;
      const a = kind.make(ns);
      const b = kind.name === 'memory' ? a : kind.make(ns);
      try {
        const bump = async (s: SharedState) => {
          for (;;) {
            const current = await s.get('counter');
            if (await s.compareAndSet('counter', current, String(Number(current ?? 0) + 1), 60_000)) return;
          }
        };
        await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? a : b)));
        assert.equal(await a.get('counter'), '40');
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });
  });
}
