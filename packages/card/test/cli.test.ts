import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openJlis } from '@honnin/jlis';
import { createJlisServer } from '@honnin/jlis/http/server';
import { listen, MemoryState } from '@honnin/runtime';
import { tempDir } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { fromBase64 } from '../src/apdu/bytes.ts';
import { createCardHost } from '../src/host/server.ts';
import { CardStore } from '../src/store/card-store.ts';

const main = join(import.meta.dirname, '..', '..', 'cli', 'src', 'main.ts');
const sh = promisify(execFile);

describe('honnin cards … (against J-LIS over HTTP)', () => {
  const dir = tempDir();
  let jlisApp: FastifyInstance;
  let jlis: Awaited<ReturnType<typeof openJlis>>;
  let env: Record<string, string>;
  let id = '';
  const cli = async (...args: string[]) =>
    (await sh(process.execPath, [main, 'cards', ...args], { env })).stdout;

  before(async () => {
    jlis = await openJlis({ storage: { dataDir: join(dir.dir, 'jlis') } });
    jlisApp = await createJlisServer(jlis, { adminToken: 'test-admin-token-0123456789' });
    const url = await listen(jlisApp, 0);
    env = {
      ...process.env,
      HONNIN_DATA_DIR: dir.dir,
      HONNIN_CARDS_JLIS_URL: url,
      HONNIN_CARDS_JLIS_ADMIN_TOKEN: 'test-admin-token-0123456789',
      LOG_LEVEL: 'silent',
    } as Record<string, string>;
  });
  after(async () => {
    await jlisApp.close();
    await jlis.close();
    dir.cleanup();
  });

  test('issue, list, show, pins, unblock, remove', async () => {
    const out = await cli(
      'issue',
      '--name',
      '黒桐　幹也',
      '--address',
      '東京都千代田区千代田１－１',
      '--birth-date',
      '1980-02-17',
      '--sex',
      '1',
      '--auth-pin',
      '1234',
      '--sign-password',
      'abc123',
      '--security-code',
      '2285',
    );
    const summary = JSON.parse(out.slice(0, out.lastIndexOf('}') + 1)) as {
      id: string;
      hasSignature: boolean;
    };
    id = summary.id;
    assert.equal(summary.hasSignature, true);
    assert.match(out, /照合番号B 550217\d{4}2285/);
    assert.match(await cli('list'), new RegExp(`${id}\\s+card\\s+present\\s+黒桐　幹也`));
    assert.match(await cli('pins', id), /jpki\.signature\s+5\/5/);
    assert.match(await cli('unblock', id, '--pin', 'jpki.auth', '--new-value', '4321'), /"triesLeft": 3/);
    await assert.rejects(cli('unblock', id, '--pin', 'nope'), /card_pin_unknown/);
    assert.match(await cli('remove', id), /"removed": true/);
    assert.match(await cli('insert', id), /"removed": false/);
    await assert.rejects(
      cli(
        'issue',
        '--name',
        'x',
        '--address',
        'y',
        '--birth-date',
        '1980-13-01',
        '--sex',
        '1',
        '--auth-pin',
        '12',
      ),
      /card_issue_invalid/,
    );
  });

  test('renew, move, rename: the municipal office through J-LIS', async () => {
    const renewed = JSON.parse(await cli('renew', id)) as {
      auth: { serial: string };
      revoked: { purpose: string; reason: string }[];
    };
    assert.deepEqual(renewed.revoked.map((r) => `${r.purpose} ${r.reason}`).sort(), [
      'auth superseded',
      'signature superseded',
    ]);
    assert.equal(
      (await jlis.records.certificate('auth', renewed.auth.serial)).status,
      'good',
      'the new auth certificate is the one J-LIS knows',
    );
    const moved = JSON.parse(
      await cli('move', id, '--address', '東京都新宿区西新宿２－８－１', '--municipality', '131041'),
    ) as { auth?: unknown; revoked: { purpose: string; reason: string }[] };
    assert.deepEqual(
      moved.revoked.map((r) => `${r.purpose} ${r.reason}`),
      ['signature affiliationChanged'],
    );
    assert.equal(moved.auth, undefined, 'a move leaves the auth certificate');
    assert.match(await cli('rename', id, '--name', '両儀　幹也'), /"holderName": "両儀　幹也"/);
    await assert.rejects(cli('move', id, '--address', ''), /card_event_invalid/);
  });

  test('tap: a client reads the card from the running host', async () => {
    const key = fromBase64(readFileSync(join(dir.dir, 'credentials', 'cards-storage-key'), 'utf8').trim());
    const store = await CardStore.open({ storage: { dataDir: dir.dir }, storageKey: key });
    const { app } = await createCardHost({ store, state: new MemoryState('cards'), allowedOrigins: [] });
    try {
      const url = await listen(app, 0);
      const out = JSON.parse(await cli('tap', id, '--url', url)) as Record<string, unknown>;
      assert.deepEqual(out.token, { token: 'card', label: 'JPKIAPICCTOKEN2' });
      assert.deepEqual(out.triesLeft, { auth: 3, signature: 5 });
    } finally {
      await app.close();
      await store.close();
    }
  });
});
