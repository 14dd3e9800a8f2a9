import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { credential, credentialPath, readCredential, writeCredential } from '../src/credentials.ts';
import { tempDir } from '../src/testing.ts';

test('credential: configured wins and is not written; else stored; else generated once (0600)', () => {
  const tmp = tempDir();
  try {
    assert.equal(credential(tmp.dir, 'demo-token', 'configured-value-0123'), 'configured-value-0123');
    assert.equal(
      readCredential(tmp.dir, 'demo-token'),
      undefined,
      'a configured value stays out of the folder',
    );

    const generated = credential(tmp.dir, 'demo-token');
    assert.match(generated, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    assert.equal(statSync(credentialPath(tmp.dir, 'demo-token')).mode & 0o777, 0o600);
    assert.equal(statSync(`${tmp.dir}/credentials`).mode & 0o777, 0o700);
    assert.equal(credential(tmp.dir, 'demo-token'), generated, 'the same on the next start');
    assert.equal(
      credential(tmp.dir, 'demo-token', undefined, () => 'other'),
      generated,
    );

    writeCredential(tmp.dir, 'handed-over', 'from-another-part');
    assert.equal(credential(tmp.dir, 'handed-over'), 'from-another-part');

    assert.equal(
      credential(tmp.dir, 'custom', undefined, () => 'made-by-the-part'),
      'made-by-the-part',
    );
    // an empty file (a crash mid-write) is replaced, not taken as the secret
    writeFileSync(credentialPath(tmp.dir, 'empty'), '');
    assert.equal(
      credential(tmp.dir, 'empty', undefined, () => 'fresh-value'),
      'fresh-value',
    );
    assert.equal(readCredential(tmp.dir, 'empty'), 'fresh-value');
    assert.throws(() => credential(tmp.dir, '../escape'), /bad credential name/);
  } finally {
    tmp.cleanup();
  }
});
