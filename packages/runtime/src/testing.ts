import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StorageOptions } from './storage/index.ts';

/**
 * Test backends. SQLite always runs; PostgreSQL and Redis run when CI (or a
 * developer) points the tests at them with HONNIN_TEST_DATABASE_URL and
 * HONNIN_TEST_REDIS_URL. Tests that need them skip with a reason naming the
 * variable, and the test command lists those skips at the end.
 */
/**
 * The reason to skip when something a test needs is missing — or, in CI
 * (HONNIN_TEST_REQUIRE_ALL=1), an error, so nothing silently goes untested there.
 */
export function skipUnless(available: boolean, reason: string): string | undefined {
  if (available) return undefined;
  if (process.env.HONNIN_TEST_REQUIRE_ALL === '1') throw new Error(`required for this test run: ${reason}`);
  return reason;
}

export type StorageBackend = {
  name: 'sqlite' | 'postgres';
  databaseUrl?: string | undefined;
  skip?: string | undefined;
};

export function storageBackends(): StorageBackend[] {
  const url = process.env.HONNIN_TEST_DATABASE_URL;
  return [
    { name: 'sqlite' },
    {
      name: 'postgres',
      databaseUrl: url,
      skip: skipUnless(!!url, 'backend postgres: HONNIN_TEST_DATABASE_URL is not set'),
    },
  ];
}

export function redisUrlForTests(): { url?: string; skip?: string } {
  const url = process.env.HONNIN_TEST_REDIS_URL;
  const skip = skipUnless(!!url, 'backend redis: HONNIN_TEST_REDIS_URL is not set');
  return url ? { url } : skip ? { skip } : {};
}

/**
 * Storage options for one test: a fresh SQLite folder, or a fresh PostgreSQL
 * schema; `cleanup` removes either.
 */
export function isolatedStorage(
  backend: StorageBackend,
  part: string,
): { options: StorageOptions; cleanup: () => Promise<void> } {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  if (backend.name === 'postgres') {
    const schema = `${part}_t${suffix}`.slice(0, 40);
    return {
      options: { part: schema, databaseUrl: backend.databaseUrl },
      cleanup: async () => {
        const c = new pg.Client({ connectionString: backend.databaseUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `honnin-${part}-`));
  return {
    options: { part, dataDir: dir },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A temporary folder removed by the returned function. */
export function tempDir(prefix = 'honnin-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A TCP port that was free a moment ago (for servers whose URL must be known before they listen). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
