import { randomBytes } from 'node:crypto';
import { createPlatform, type Platform, type PlatformOptions } from '@honnin/platform';
import { createMetrics, listen } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { freePort } from '../../../e2e/support/ports.ts';

export interface TestPlatform {
  platform: Platform;
  url: string;
  close(): Promise<void>;
}

/**
 * A platform on a free port with its own store (SQLite folder or PostgreSQL
 * schema). J-LIS is not running: these tests use test-mode clients, or pass
 * their own `verification`.
 */
export async function startTestPlatform(
  backend: StorageBackend,
  o: Partial<PlatformOptions> = {},
): Promise<TestPlatform> {
  const { options, cleanup } = isolatedStorage(backend, 'platform');
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const platform = await createPlatform({
    publicUrl: url,
    storage: options,
    adminToken: 'test-admin-token-0123456789',
    sealKey: randomBytes(32),
    metrics: createMetrics({ defaultMetrics: false }),
    verification: {
      jlisUrl: 'http://127.0.0.1:9',
      jlisApiKey: 'unused-in-test-mode',
      cvRoot: { cardHostUrl: 'http://127.0.0.1:9' },
    },
    cardHostUrl: 'http://127.0.0.1:9',
    ...o,
  });
  await listen(platform.app, port, '127.0.0.1');
  return {
    platform,
    url,
    async close() {
      await platform.close();
      await cleanup();
    },
  };
}
