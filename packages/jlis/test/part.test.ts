import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createMetrics, type RunningPart, sharedConfig, silentLogger } from '@honnin/runtime';
import { CREDENTIALS, credentialPath, readCredential, writeCredential } from '@honnin/runtime/credentials';
import { tempDir } from '@honnin/runtime/testing';
import { jlisConfig } from '../src/config.ts';
import { jlisPart, PLATFORM_VERIFIER } from '../src/part.ts';
import { holder, spki } from './support.ts';

function start(dataDir: string, config: Record<string, unknown> = {}, demo = true): Promise<RunningPart> {
  return jlisPart.start({
    shared: sharedConfig.parse({ dataDir, demo }),
    config: jlisConfig.parse({ port: 0, ...config }),
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    urls: {},
    smtpUrl: '',
  });
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('jlisPart (SQLite data folder)', () => {
  test('first start writes the admin token and the platform verifier key (0600) and both survive a restart', async () => {
    const tmp = tempDir();
    let part = await start(tmp.dir);
    try {
      const tokenFile = credentialPath(tmp.dir, CREDENTIALS.jlisAdminToken);
      const keyFile = credentialPath(tmp.dir, CREDENTIALS.jlisVerifierPlatform);
      assert.equal(mode(tokenFile), 0o600);
      assert.equal(mode(keyFile), 0o600);
      assert.equal(statSync(`${tmp.dir}/credentials`).mode & 0o777, 0o700);
      assert.ok(part.banner?.some((l) => l.includes(tokenFile)));
      const token = readCredential(tmp.dir, CREDENTIALS.jlisAdminToken)!;
      const key = readCredential(tmp.dir, CREDENTIALS.jlisVerifierPlatform)!;
      const use = async (api: string) => {
        const issued = await fetch(`${api}/admin/cards`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ holder, authPublicKey: Buffer.from(spki()).toString('base64') }),
        });
        assert.equal(issued.status, 201);
        const me = await fetch(`${api}/verifier/me`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(((await me.json()) as { name: string }).name, PLATFORM_VERIFIER);
        const health = await fetch(`${api}/healthz`);
        assert.deepEqual(await health.json(), { status: 'ok', part: 'jlis' });
      };
      await use(part.urls.api!);
      await part.close();
      part = await start(tmp.dir);
      assert.equal(readCredential(tmp.dir, CREDENTIALS.jlisAdminToken), token, 'kept');
      assert.equal(readCredential(tmp.dir, CREDENTIALS.jlisVerifierPlatform), key, 'kept');
      await use(part.urls.api!);
    } finally {
      await part.close();
      tmp.cleanup();
    }
  });

  test('a configured admin token is used and not written; the key file wins over the store', async () => {
    const tmp = tempDir();
    writeCredential(tmp.dir, CREDENTIALS.jlisVerifierPlatform, 'jlisv_handed-out-before-0123456789');
    const part = await start(tmp.dir, { adminToken: 'configured-admin-token-0123' });
    try {
      assert.equal(readCredential(tmp.dir, CREDENTIALS.jlisAdminToken), undefined);
      const list = await fetch(`${part.urls.api}/admin/verifiers`, {
        headers: { authorization: 'Bearer configured-admin-token-0123' },
      });
      assert.equal(list.status, 200);
      const me = await fetch(`${part.urls.api}/verifier/me`, {
        headers: { authorization: 'Bearer jlisv_handed-out-before-0123456789' },
      });
      assert.equal(me.status, 200);
    } finally {
      await part.close();
      tmp.cleanup();
    }
  });

  test('outside demo mode no platform verifier is registered', async () => {
    const tmp = tempDir();
    const part = await start(tmp.dir, {}, false);
    try {
      assert.equal(readCredential(tmp.dir, CREDENTIALS.jlisVerifierPlatform), undefined);
    } finally {
      await part.close();
      tmp.cleanup();
    }
  });

  test('configuration is validated with every problem named', () => {
    const r = jlisConfig.safeParse({ port: 70000, adminToken: 'short', crlIntervalSeconds: 5 });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')).sort(), [
      'adminToken',
      'crlIntervalSeconds',
      'port',
    ]);
  });
});
