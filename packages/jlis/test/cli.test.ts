import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '@honnin/runtime/testing';
import { openssl } from './support.ts';

const MAIN = join(import.meta.dirname, '../../cli/src/main.ts');

/** Runs the real `honnin jlis …` command on a data folder of its own. */
async function honnin(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [MAIN, 'jlis', ...args], {
      env: {
        ...process.env,
        HONNIN_DATA_DIR: dataDir,
        HONNIN_CONFIG: '',
        DATABASE_URL: '',
        LOG_LEVEL: 'error',
      },
      cwd: join(dataDir, '..'),
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('honnin jlis (admin CLI on the store)', () => {
  test('issue, life events, revoke, list, export-ca, crl, rollover, verifiers and statements', async () => {
    const tmp = tempDir();
    const data = join(tmp.dir, 'data');
    try {
      const keys = join(tmp.dir, 'keys');
      const issued = await honnin(
        data,
        'issue',
        '--name',
        '鈴木　一郎',
        '--birth-date',
        '1975-07-07',
        '--out',
        keys,
      );
      assert.equal(issued.code, 0, issued.stderr);
      const card = JSON.parse(issued.stdout) as {
        cardId: string;
        holderId: string;
        auth: { serial: string; caId: string };
        signature: { serial: string; caId: string };
      };
      assert.match(card.signature.serial, /^[0-9A-F]+$/);
      assert.equal(statSync(join(keys, 'signature.key.pem')).mode & 0o777, 0o600);
      const verified = await openssl([
        'verify',
        '-CAfile',
        join(keys, 'signature.ca.pem'),
        join(keys, 'signature.cert.pem'),
      ]);
      assert.match(verified.out, /OK/);
      // the key written is the one certified
      const fromKey = await openssl(['pkey', '-in', join(keys, 'auth.key.pem'), '-pubout']);
      const fromCert = await openssl(['x509', '-in', join(keys, 'auth.cert.pem'), '-noout', '-pubkey']);
      assert.equal(fromKey.out, fromCert.out);

      const moved = await honnin(
        data,
        'event',
        card.cardId,
        'move',
        '--address',
        '広島県広島市中区基町１０－５２',
        '--municipality',
        '341002',
      );
      assert.equal(moved.code, 0, moved.stderr);
      const m = JSON.parse(moved.stdout) as {
        revoked: { serial: string; reason: string }[];
        signature: { serial: string };
      };
      assert.deepEqual(m.revoked, [
        { purpose: 'signature', serial: card.signature.serial, reason: 'affiliationChanged' },
      ]);
      assert.ok(m.signature.serial);

      const revoked = await honnin(
        data,
        'revoke',
        'auth',
        card.auth.serial.toLowerCase(),
        '--reason',
        'keyCompromise',
      );
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal((JSON.parse(revoked.stdout) as { reason: string }).reason, 'keyCompromise');

      const list = await honnin(data, 'list');
      assert.match(list.stdout, new RegExp(`${card.cardId}  card  card active, holder resident`));
      assert.match(
        list.stdout,
        new RegExp(`signature ${card.signature.serial}\\s+revoked affiliationChanged \\(move\\)`),
      );
      assert.match(
        list.stdout,
        new RegExp(`auth\\s+${card.auth.serial}\\s+revoked keyCompromise \\(revoke\\)`),
      );

      const crlFile = join(tmp.dir, 'sig.crl');
      const crl = await honnin(data, 'crl', card.signature.caId, crlFile);
      assert.equal(crl.code, 0, crl.stderr);
      assert.match(crl.stdout, /1 entries/);
      const crlText = await openssl(['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-text']);
      assert.match(crlText.out, new RegExp(`Serial Number: 0?${card.signature.serial}`));

      assert.equal((await honnin(data, 'rollover', 'auth')).code, 0);
      const exported = join(tmp.dir, 'ca');
      const ex = await honnin(data, 'export-ca', exported);
      assert.equal(ex.code, 0, ex.stderr);
      const files = readdirSync(exported).sort();
      assert.equal(files.filter((f) => f.startsWith('auth-')).length, 4, 'two auth generations, PEM and DER');
      for (const f of files.filter((x) => x.endsWith('.der'))) {
        const text = await openssl(['x509', '-inform', 'DER', '-in', join(exported, f), '-noout', '-text']);
        assert.match(text.out, /CA:TRUE/);
      }

      const added = await honnin(data, 'verifier', 'add', 'bank');
      const bank = JSON.parse(added.stdout) as { apiKey: string };
      assert.match(bank.apiKey, /^jlisv_/);
      const listed = await honnin(data, 'verifier', 'list');
      assert.match(listed.stdout, /bank {2}key jlisv_/);
      assert.doesNotMatch(listed.stdout, new RegExp(bank.apiKey));
      const st = await honnin(data, 'statement', 'bank', '--json');
      assert.deepEqual((JSON.parse(st.stdout) as { total: unknown }).total, { count: 0, yen: 0 });
      const table = await honnin(data, 'statement', 'bank', '2026-04');
      assert.match(table.stdout, /bank — 2026-04\n\s+total\s+0 {2}¥0/);

      const reissued = await honnin(data, 'reissue', card.holderId, '--no-signature');
      assert.equal(reissued.code, 0, reissued.stderr);
      const r = JSON.parse(reissued.stdout) as {
        revoked: { serial: string; reason: string }[];
        auth: { serial: string };
      };
      assert.deepEqual(r.revoked, [
        { purpose: 'signature', serial: m.signature.serial, reason: 'superseded' },
      ]);
      const listed2 = await honnin(data, 'list', '--limit', '2');
      assert.match(listed2.stdout, /card revoked, holder resident/, listed2.stderr);

      // refusals name the problem and its stable code
      const badEvent = await honnin(data, 'event', card.cardId, 'marriage');
      assert.equal(badEvent.code, 1);
      assert.match(badEvent.stderr, /\[invalid_request\]/);
      const unknown = await honnin(data, 'event', '00000000-0000-4000-8000-000000000000', 'loss');
      assert.match(unknown.stderr, /\[jlis_card_unknown\]/);
      const again = await honnin(data, 'revoke', 'auth', card.auth.serial, '--reason', 'unspecified');
      assert.match(again.stderr, /\[jlis_certificate_revoked\]/);
      assert.doesNotMatch(
        `${badEvent.stderr}${unknown.stderr}${again.stderr}`,
        /\n\s+at /,
        'no stack traces',
      );
    } finally {
      tmp.cleanup();
    }
  });
});
