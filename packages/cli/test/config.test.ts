import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@honnin/runtime/testing';

const MAIN = join(import.meta.dirname, '../src/main.ts');

/** `honnin …` in `dir` (no ./honnin.config.json of the checkout is read). */
const honnin = (dir: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    env: { ...process.env, HONNIN_DATA_DIR: dir, ...env },
    encoding: 'utf8',
  });

test('honnin config prints the configuration with every secret masked', () => {
  const tmp = tempDir('honnin-config-');
  try {
    const file = join(tmp.dir, 'honnin.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        cards: { storageKey: 'c3RvcmFnZS1rZXktaW4tdGhlLWZpbGUtMDEyMzQ1Njc4OQ==' },
        qualifications: { keyPassphrase: 'passphrase-in-the-file' },
      }),
    );
    const secrets: Record<string, string> = {
      HONNIN_JLIS_ADMIN_TOKEN: 'jlis-admin-token-in-env-0123',
      HONNIN_DIPS_STAFF_PASSWORD: 'dips-staff-password-in-env',
      HONNIN_GPKI_ENROLLMENT_TOKEN: 'gpki-enrollment-token-in-env',
      HONNIN_PAYMENT_SECRET_KEY: 'payment-secret-key-in-env-0123',
      HONNIN_PLATFORM_JLIS_API_KEY: 'platform-jlis-api-key-in-env',
      SMTP_URL: 'smtp://mailer:smtp-password-in-url@relay.example:587',
    };
    const r = honnin(tmp.dir, ['--config', file, 'config'], secrets);
    assert.equal(r.status, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    for (const value of [
      ...Object.values(secrets),
      'passphrase-in-the-file',
      'c3RvcmFnZS1rZXktaW4tdGhlLWZpbGUtMDEyMzQ1Njc4OQ==',
      'smtp-password-in-url',
    ])
      assert.ok(!r.stdout.includes(value), `${value} is not printed`);
    assert.equal(printed.jlis!.adminToken, '***');
    assert.equal(printed.cards!.storageKey, '***');
    assert.equal(printed.dips!.staffPassword, '***');
    assert.equal(printed.gpki!.enrollmentToken, '***');
    assert.equal(printed.payment!.secretKey, '***');
    assert.equal(printed.qualifications!.keyPassphrase, '***');
    assert.equal(printed.platform!.jlisApiKey, '***');
    assert.equal(printed.smtpUrl as unknown, 'smtp://***@relay.example:587');
    // what is not secret stays readable
    assert.equal(printed.jlis!.port, 7001);
    assert.equal(printed.platform!.keyRotationDays, 30);
    assert.equal(printed.dataDir as unknown, tmp.dir);
  } finally {
    tmp.cleanup();
  }
});

test('a typo in the config file stops honnin with the key named; one in the environment is a warning', () => {
  const tmp = tempDir('honnin-config-');
  try {
    const file = join(tmp.dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ jlis: { prot: 1234 }, dataDri: 'x' }));
    const bad = honnin(tmp.dir, ['--config', file, 'config']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /jlis\.prot: unknown key \(jlis takes port, /);
    assert.match(bad.stderr, /dataDri: unknown key \(the top level takes dataDir, /);
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');

    const warned = honnin(tmp.dir, ['config'], { HONNIN_CARDS_PROT: '1234' });
    assert.equal(warned.status, 0);
    assert.match(
      warned.stderr,
      /honnin: warning: HONNIN_CARDS_PROT matches no configuration key \(cards takes HONNIN_CARDS_PORT, /,
    );
    assert.equal((JSON.parse(warned.stdout) as { cards: { port: number } }).cards.port, 7003);
  } finally {
    tmp.cleanup();
  }
});
