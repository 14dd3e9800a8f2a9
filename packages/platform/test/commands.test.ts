import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '@honnin/runtime/testing';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '../../cli/bin/honnin.js');

/** `honnin platform …`, the operator's commands, as a separate process on a data folder. */
test('the admin CLI adds, lists, shows and disables relying parties', async () => {
  const tmp = tempDir('honnin-platform-cli-');
  const env = { ...process.env, HONNIN_DATA_DIR: tmp.dir, HONNIN_CONFIG: join(tmp.dir, 'none.json') };
  writeFileSync(join(tmp.dir, 'none.json'), '{}');
  const honnin = (...args: string[]) => run(process.execPath, [bin, 'platform', ...args], { env });
  try {
    const added = await honnin(
      'client',
      'add',
      '--name',
      '市役所の窓口予約',
      '--redirect-uri',
      'https://city.example/callback',
      '--jwks-uri',
      'https://city.example/jwks',
      '--scopes',
      'openid,name,address',
      '--test-mode',
    );
    const client = JSON.parse(added.stdout) as { clientId: string; scopes: string[]; testMode: boolean };
    assert.equal(client.clientId, 'RP00000001');
    assert.deepEqual(client.scopes, ['openid', 'name', 'address']);
    assert.equal(client.testMode, true);

    const bad = await honnin('client', 'add', '--name', 'x', '--redirect-uri', 'ftp://nowhere').catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /client_invalid/);

    assert.match((await honnin('client', 'list')).stdout, /RP00000001 {2}市役所の窓口予約 {2}\[test mode\]/);
    await honnin('client', 'disable', 'RP00000001');
    assert.match((await honnin('client', 'list')).stdout, /\[disabled\]/);
    const rotated = await honnin('rotate-keys');
    assert.match(rotated.stdout, /^new signing key [A-Za-z0-9_-]{43}\n$/);
    assert.deepEqual(JSON.parse((await honnin('fees')).stdout), []);
  } finally {
    tmp.cleanup();
  }
});
