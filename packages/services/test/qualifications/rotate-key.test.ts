import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, sharedConfig } from '@honnin/runtime';
import { type StorageBackend, storageBackends, tempDir } from '@honnin/runtime/testing';
import { Command } from 'commander';
import pg from 'pg';
import { openRecord } from '../../src/qualifications/certificate/record.ts';
import { qualificationsPart } from '../../src/qualifications/part.ts';
import { type CertificateStack, startCertificateStack, TOKEN } from './stack.ts';

/**
 * A storage where the CLI finds the part's data as `honnin` would: the data
 * folder (SQLite), or a database of its own whose schemas carry the parts' names.
 */
async function partStorage(backend: StorageBackend) {
  const dir = tempDir('honnin-rotate-');
  if (backend.name !== 'postgres') return { shared: { dataDir: dir.dir }, close: async () => dir.cleanup() };
  const name = `honnin_rotate_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const admin = new pg.Client({ connectionString: backend.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(backend.databaseUrl!);
  u.pathname = `/${name}`;
  return {
    shared: { dataDir: dir.dir, databaseUrl: u.href },
    async close() {
      const c = new pg.Client({ connectionString: backend.databaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      dir.cleanup();
    },
  };
}

/**
 * `honnin qualifications rotate-key` writes a new active key from another
 * process; the running system signs the next certificate with it, and the
 * certificates the old key signed still verify.
 */
for (const backend of storageBackends()) {
  describe(`signing-key rotation by the CLI (${backend.name})`, { skip: backend.skip }, () => {
    let storage: Awaited<ReturnType<typeof partStorage>>;
    let stack: CertificateStack;
    before(async () => {
      storage = await partStorage(backend);
      stack = await startCertificateStack({ gpki: storage.shared, registry: storage.shared });
    });
    after(async () => {
      await stack?.close();
      await storage?.close();
    });

    /** The command as `honnin qualifications rotate-key` runs it. */
    async function cli(...args: string[]) {
      const cmd = new Command('qualifications').exitOverride();
      qualificationsPart.commands!(cmd, async () => ({
        shared: sharedConfig.parse({ ...storage.shared, logLevel: 'silent' }),
        config: qualificationsPart.config.parse({ caUrl: stack.caUrl, enrollmentToken: TOKEN }),
        logger: createLogger('silent'),
        urls: {},
      }));
      const out: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((s: string) => out.push(String(s)) > 0) as typeof process.stdout.write;
      try {
        await cmd.parseAsync(args, { from: 'user' });
      } finally {
        process.stdout.write = write;
      }
      return out.join('');
    }

    test('sign, rotate with the CLI, sign again: the new key id; the old record still verifies', async () => {
      const first = await stack.registerHolder('sub-rotate-1');
      assert.equal(openRecord(first.record).keyId, 'P-000001');

      assert.match(await cli('rotate-key'), /^P-000002 now signs/);
      assert.match(await cli('keys'), /P-000001 +\S+ +retired\nP-000002 +\S+ +active/);

      // the running registry has the old key open: it must notice the new one
      const second = await stack.registerHolder('sub-rotate-2', '佐藤　花子', '0201');
      assert.equal(openRecord(second.record).keyId, 'P-000002');
      assert.equal((await stack.registry.keys.active()).keyId, 'P-000002');

      const oldCheck = await stack.verifier.verify(first.url);
      assert.equal(oldCheck.valid, true, 'a record of the retired key still verifies');
      assert.equal((await stack.verifier.verify(second.url)).valid, true);
      const reissued = await stack.registry.certificates.reissue(first.id);
      assert.equal(openRecord(reissued.record).keyId, 'P-000002');
    });
  });
}
