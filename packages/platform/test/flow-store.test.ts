import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSharedState, type SharedState } from '@honnin/runtime';
import { redisUrlForTests } from '@honnin/runtime/testing';
import { type Flow, FlowStore } from '../src/flows/flow.ts';

const redis = redisUrlForTests();
const backends: { name: string; make: (ns: string) => SharedState; skip?: string | undefined }[] = [
  { name: 'memory', make: (ns) => createSharedState({ namespace: ns }) },
  {
    name: 'redis',
    make: (ns) => createSharedState({ namespace: ns, redisUrl: redis.url }),
    skip: redis.skip,
  },
];

const newFlow = (flows: FlowStore) =>
  flows.create({
    uid: `uid-${Math.random().toString(36).slice(2)}`,
    kind: 'login',
    clientId: 'RP00000901',
    clientName: 'テスト',
    origin: 'https://rp.example',
    items: { required: [], optional: [] },
    revocationCheck: false,
    testMode: false,
    expiresAt: Date.now() + 600_000,
  });

/**
 * Flow updates are compare-and-set: two requests (or two platform instances)
 * changing one flow at the same moment both land; an ended flow stays ended.
 */
for (const backend of backends) {
  describe(`FlowStore on ${backend.name}`, { skip: backend.skip }, () => {
    test('concurrent updates from two instances lose no write', async () => {
      const ns = `flows${Math.random().toString(36).slice(2)}`;
      const a = backend.make(ns);
      const b = backend.name === 'memory' ? a : backend.make(ns);
      try {
        const one = new FlowStore(a);
        const two = new FlowStore(b);
        const flow = await newFlow(one);
        // each update reads the counter and writes it plus one: a lost write shows as a lower count
        const bump = (f: Flow) => ({ bindingNumber: String(Number(f.bindingNumber ?? '0') + 1) });
        await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? one : two).update(flow.id, bump)));
        assert.equal((await one.require(flow.id)).bindingNumber, '16');
        // and different fields changed at once all stay
        await Promise.all([
          one.update(flow.id, () => ({ unlocked: true })),
          two.update(flow.id, () => ({ installationId: 'inst-1' })),
          one.update(flow.id, () => ({ route: 'qr' })),
        ]);
        const f = await two.require(flow.id);
        assert.deepEqual([f.unlocked, f.installationId, f.route], [true, 'inst-1', 'qr']);
      } finally {
        await a.close();
        if (b !== a) await b.close();
      }
    });

    test('a cancel and a consent racing: exactly one wins, the other is refused', async () => {
      const state = backend.make(`flows${Math.random().toString(36).slice(2)}`);
      try {
        const flows = new FlowStore(state);
        for (let i = 0; i < 5; i++) {
          const flow = await newFlow(flows);
          const [cancel, consent] = await Promise.allSettled([
            flows.fail(flow.id, 'user_cancelled'),
            flows.update(flow.id, () => ({ stage: 'done', consentedItems: [] })),
          ]);
          const stored = await flows.require(flow.id);
          assert.equal(cancel.status, 'fulfilled');
          if (stored.stage === 'done') {
            assert.equal(consent.status, 'fulfilled');
            assert.equal(
              cancel.status === 'fulfilled' && cancel.value.stage,
              'done',
              'the cancel came too late',
            );
          } else {
            assert.equal(stored.outcome?.code, 'user_cancelled');
            assert.equal(consent.status, 'rejected', 'a cancelled flow takes no consent');
            assert.equal((consent as PromiseRejectedResult).reason.code, 'user_cancelled');
          }
        }
      } finally {
        await state.close();
      }
    });

    test('an ended flow takes no more changes', async () => {
      const state = backend.make(`flows${Math.random().toString(36).slice(2)}`);
      try {
        const flows = new FlowStore(state);
        const failed = await newFlow(flows);
        await flows.fail(failed.id, 'consent_refused');
        await assert.rejects(
          flows.update(failed.id, () => ({ unlocked: true })),
          {
            code: 'consent_refused',
            status: 409,
          },
        );
        assert.equal((await flows.fail(failed.id, 'user_cancelled')).outcome?.code, 'consent_refused');

        const done = await newFlow(flows);
        await flows.update(done.id, () => ({ stage: 'done' }));
        await assert.rejects(
          flows.update(done.id, () => ({ stage: 'in_app' })),
          { code: 'flow_finished' },
        );
        assert.equal((await flows.fail(done.id, 'user_cancelled')).stage, 'done');
        assert.equal((await flows.require(done.id)).stage, 'done');

        let clock = Date.now();
        const timed = new FlowStore(state, () => clock);
        const expiring = await newFlow(timed);
        clock += 700_000;
        await assert.rejects(
          timed.update(expiring.id, () => ({ unlocked: true })),
          { code: 'flow_expired' },
        );
        await assert.rejects(
          timed.update('no-such-flow', () => ({ unlocked: true })),
          {
            code: 'flow_not_found',
          },
        );
      } finally {
        await state.close();
      }
    });
  });
}
