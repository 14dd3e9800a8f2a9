import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { verifierWorld } from './jlis-world.ts';

/**
 * A person's first logins arriving together (two tabs, two relying parties, a
 * retry) must name one citizen: the pairwise `sub` each service gets is derived
 * from it, so two citizens for one certificate would be two people to them.
 */
for (const backend of storageBackends()) {
  describe(`first logins at once, two instances on ${backend.name}`, { skip: backend.skip }, () => {
    let w: Awaited<ReturnType<typeof verifierWorld>>;
    before(async () => {
      w = await verifierWorld(backend);
    });
    after(async () => {
      await w?.close();
    });

    const citizens = async () =>
      (
        await w.storage.db
          .selectFrom('citizen')
          .select((e) => e.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n;

    test('concurrent first logins with one certificate name one citizen', async () => {
      const before = Number(await citizens());
      const card = await w.card();
      // each instance's first login runs the linking (a CRL look); both then name a citizen at once
      w.together('/crl', 2);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => w.login(card.auth.der, card.authKey, i % 2)),
      );
      assert.equal(new Set(results.map((r) => r.citizenId)).size, 1, 'every login names the same citizen');
      assert.equal(
        Number(await citizens()) - before,
        1,
        'the citizens made by the logins that lost are gone',
      );
      const mapped = await w.storage.db
        .selectFrom('citizen_certificate')
        .select('citizen_id')
        .where('serial', '=', results[0]!.serial)
        .execute();
      assert.deepEqual(
        mapped.map((m) => m.citizen_id),
        [results[0]!.citizenId],
      );
      assert.equal((await w.login(card.auth.der, card.authKey)).citizenId, results[0]!.citizenId);
    });

    test('a first signature and first logins at once name one citizen', async () => {
      const card = await w.card();
      w.together('/crl', 2);
      const [signed, ...logins] = await Promise.all([
        w.signature(card.signature!.der, card.signatureKey, 1),
        ...Array.from({ length: 4 }, () => w.login(card.auth.der, card.authKey)),
      ]);
      assert.deepEqual(new Set([signed.citizenId, ...logins.map((l) => l.citizenId)]).size, 1);
    });
  });
}
