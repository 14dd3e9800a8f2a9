import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHttpServer, type Kysely, listen, openMigratedStorage } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import {
  basicInfoFromClaims,
  differingItems,
  outcomeFromError,
  type RelyingPartyDB,
  RelyingPartyError,
  RelyingPartyKeys,
  relyingPartyMigrations,
} from '../../src/relying-party/index.ts';

for (const backend of storageBackends()) {
  describe(`relying-party keys (${backend.name})`, { skip: backend.skip }, () => {
    test('generated once, kept in storage, published without private parts', async () => {
      const iso = isolatedStorage(backend, 'rpkeys');
      const storage = await openMigratedStorage(iso.options, relyingPartyMigrations);
      const db = storage.db as unknown as Kysely<RelyingPartyDB>;
      try {
        const [a, b] = await Promise.all([RelyingPartyKeys.load(db), RelyingPartyKeys.load(db)]);
        assert.equal(a.signing.kid, b.signing.kid, 'instances starting together agree on one key');
        const again = await RelyingPartyKeys.load(db);
        assert.equal(again.signing.kid, a.signing.kid);
        assert.equal(again.encryption.kid, a.encryption.kid);

        const app = createHttpServer({ name: 'rp' });
        again.route(app);
        const url = await listen(app, 0);
        const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
          keys: Record<string, string>[];
        };
        await app.close();
        assert.deepEqual(
          jwks.keys.map((k) => [k.use, k.alg, k.kid]),
          [
            ['sig', 'ES256', a.signing.kid],
            ['enc', 'RSA-OAEP-256', a.encryption.kid],
          ],
        );
        for (const k of jwks.keys)
          for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.ok(!(secret in k));

        // what the platform encrypts to the published key, the stored private key opens
        const pub = await importJWK(jwks.keys[1]!, 'RSA-OAEP-256');
        const jwe = await new CompactEncrypt(new TextEncoder().encode('{"ok":true}'))
          .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: a.encryption.kid })
          .encrypt(pub);
        const { plaintext } = await compactDecrypt(jwe, again.encryption.privateKey);
        assert.equal(new TextDecoder().decode(plaintext), '{"ok":true}');
      } finally {
        await storage.close();
        await iso.cleanup();
      }
    });
  });
}

describe('relying-party outcomes', () => {
  test("the platform's error_code wins over the OAuth error and gives a citizen's text", () => {
    const e = outcomeFromError({ error: 'access_denied', error_code: 'auth_pin_locked' });
    assert.ok(e instanceof RelyingPartyError);
    assert.equal(e.outcome, 'auth_pin_locked');
    assert.equal(e.retry, false);
    assert.match(e.text.ja, /3回続けて間違えた/);
    assert.match(e.text.en, /locked after 3 wrong entries/);
  });

  test('a revoked certificate explains its reason', () => {
    const moved = outcomeFromError({
      error: 'access_denied',
      error_code: 'certificate_revoked',
      error_description: 'the certificate is revoked (affiliationChanged)',
    });
    assert.equal(moved.revocationReason, 'affiliationChanged');
    assert.match(moved.text.ja, /失効しているため.*引越しや結婚など/);
    const lost = outcomeFromError({
      error_code: 'certificate_revoked',
      revocation_reason: 'certificateHold',
    });
    assert.match(lost.text.en, /suspended because the card was reported lost/);
    const bare = outcomeFromError({ error_code: 'certificate_revoked' });
    assert.equal(bare.revocationReason, 'unspecified');
  });

  test('plain OAuth errors and unknown codes still get a meaningful outcome', () => {
    assert.equal(outcomeFromError({ error: 'access_denied' }).outcome, 'user_cancelled');
    assert.equal(outcomeFromError({ error: 'temporarily_unavailable' }).outcome, 'platform_unavailable');
    assert.equal(
      outcomeFromError({ error: 'access_denied', error_code: 'something_new' }).outcome,
      'user_cancelled',
    );
    assert.equal(outcomeFromError({ error: 'weird' }).outcome, 'platform_error');
    assert.equal(outcomeFromError({ error_code: 'certificate_expired' }).status, 400);
  });
});

describe('the 4 items', () => {
  test('userinfo claims become the 4 items', () => {
    assert.deepEqual(
      basicInfoFromClaims({
        sub: 'x',
        name: '山田　太郎',
        address: { formatted: '東京都千代田区千代田1-1' },
        birthdate: '2000-01-01',
        gender: 'female',
      }),
      { name: '山田　太郎', address: '東京都千代田区千代田1-1', birthDate: '2000-01-01', sex: '2' },
    );
    assert.equal(basicInfoFromClaims({ sub: 'x', name: '山田' }), undefined);
  });

  test('comparison ignores spaces and character width, not wording', () => {
    const card = { name: '山田　太郎', address: '東京都千代田区千代田１－１', birthDate: '2000-01-01' };
    assert.deepEqual(
      differingItems(
        { name: '山田 太郎', address: '東京都千代田区千代田1-1', birthDate: '2000-01-01' },
        card,
      ),
      [],
    );
    assert.deepEqual(
      differingItems(
        { name: '山田太郎', address: '東京都千代田区千代田一丁目1番', birthDate: '2000-01-02' },
        card,
      ),
      ['address', 'birthDate'],
    );
  });
});
