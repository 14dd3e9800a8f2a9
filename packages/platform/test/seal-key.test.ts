import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openMigratedStorage } from '@honnin/runtime';
import { credentialPath, readCredential, writeCredential } from '@honnin/runtime/credentials';
import { isolatedStorage, storageBackends, tempDir } from '@honnin/runtime/testing';
import { platformSealKey, SEAL_KEY_CREDENTIAL } from '../src/part.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';
import { seal, unseal } from '../src/store/secrets.ts';
import { startTestPlatform } from './support.ts';

/**
 * The key sealing personal data at rest never sits in the database it
 * protects: it is configured (platform.sealKey) or kept in the credentials
 * folder; an older install's key in the database moves to the folder once.
 */
for (const backend of storageBackends()) {
  describe(`the seal key on ${backend.name}`, { skip: backend.skip }, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    /** A data folder and a store of their own; `start` runs a platform on them as the part does. */
    function install() {
      const folder = tempDir('honnin-seal-');
      const store = isolatedStorage(backend, 'platform');
      cleanups.push(folder.cleanup, store.cleanup);
      const storeRows = async () => {
        const s = await openMigratedStorage<PlatformDB>(store.options, migrations);
        try {
          return await s.db.selectFrom('platform_secret').selectAll().execute();
        } finally {
          await s.close();
        }
      };
      const start = async (configured?: string) => {
        const t = await startTestPlatform(backend, {
          storage: store.options,
          sealKey: platformSealKey(folder.dir, configured),
        });
        await t.platform.close();
      };
      return { dir: folder.dir, store, storeRows, start };
    }

    test('a fresh install generates it into the credentials folder (0600), never into the store', async () => {
      const i = install();
      await i.start();
      const stored = readCredential(i.dir, SEAL_KEY_CREDENTIAL);
      assert.ok(stored);
      assert.equal(Buffer.from(stored, 'base64').length, 32);
      assert.equal(statSync(credentialPath(i.dir, SEAL_KEY_CREDENTIAL)).mode & 0o777, 0o600);
      const rows = await i.storeRows();
      assert.ok(rows.length > 0, 'the other shared secrets are in the store');
      assert.ok(!rows.some((r) => r.name.includes('seal')), 'no seal key in the store');
      assert.ok(
        !rows.some((r) => Buffer.from(r.value, 'base64url').equals(Buffer.from(stored, 'base64'))),
        'not under another name either',
      );
      await i.start();
      assert.equal(readCredential(i.dir, SEAL_KEY_CREDENTIAL), stored, 'the same key after a restart');
    });

    test('a configured key is used as given and never written; a wrong one is refused', async () => {
      const i = install();
      await i.start(randomBytes(32).toString('base64'));
      assert.equal(readCredential(i.dir, SEAL_KEY_CREDENTIAL), undefined);
      await assert.rejects(i.start(randomBytes(16).toString('base64')), {
        code: 'platform_seal_key_invalid',
      });
      writeCredential(i.dir, SEAL_KEY_CREDENTIAL, 'not a key');
      await assert.rejects(i.start(), { code: 'platform_seal_key_invalid' });
    });

    test("an older install's key in the store moves to the credentials folder; what it sealed still opens", async () => {
      const i = install();
      const old = randomBytes(32);
      const s = await openMigratedStorage<PlatformDB>(i.store.options, migrations);
      await s.db
        .insertInto('platform_secret')
        .values({ name: 'seal-key', value: old.toString('base64url'), created_at: Date.now() })
        .execute();
      await s.close();
      const sealedBefore = seal(createSecretKey(old), '黒桐　幹也');

      await i.start();
      const stored = readCredential(i.dir, SEAL_KEY_CREDENTIAL);
      assert.ok(stored);
      assert.ok(Buffer.from(stored, 'base64').equals(old), 'the folder holds the old key');
      assert.equal(unseal(createSecretKey(Buffer.from(stored, 'base64')), sealedBefore), '黒桐　幹也');
      assert.ok(!(await i.storeRows()).some((r) => r.name === 'seal-key'), 'and the store no longer does');
      await i.start();
      assert.equal(readCredential(i.dir, SEAL_KEY_CREDENTIAL), stored, 'adopted once');
    });

    test("a configured key other than the store's old one leaves the old one there", async () => {
      const i = install();
      const s = await openMigratedStorage<PlatformDB>(i.store.options, migrations);
      await s.db
        .insertInto('platform_secret')
        .values({ name: 'seal-key', value: randomBytes(32).toString('base64url'), created_at: Date.now() })
        .execute();
      await s.close();
      await i.start(randomBytes(32).toString('base64'));
      assert.ok(
        (await i.storeRows()).some((r) => r.name === 'seal-key'),
        'kept: data sealed with it',
      );
      assert.equal(readCredential(i.dir, SEAL_KEY_CREDENTIAL), undefined);
    });
  });
}
