import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openMigratedStorage, type Storage } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend, storageBackends } from '@honnin/runtime/testing';
import { ClientRegistry } from '../src/clients/registry.ts';
import { kyselyAdapter, sweepExpired } from '../src/oidc/adapter.ts';
import { SigningKeys } from '../src/oidc/signing-keys.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';

const DAY = 86_400_000;

async function withStore(backend: StorageBackend, fn: (s: Storage<PlatformDB>) => Promise<void>) {
  const { options, cleanup } = isolatedStorage(backend, 'platform');
  const storage = await openMigratedStorage<PlatformDB>(options, migrations);
  try {
    await fn(storage);
  } finally {
    await storage.close();
    await cleanup();
  }
}

for (const backend of storageBackends()) {
  describe(`platform store on ${backend.name}`, { skip: backend.skip }, () => {
    test('the oidc-provider adapter keeps, finds, consumes, expires and revokes by grant', () =>
      withStore(backend, async (storage) => {
        let now = 1_700_000_000_000;
        const adapter = kyselyAdapter(storage, { clients: new ClientRegistry(storage), now: () => now });
        const codes = adapter('AuthorizationCode');
        const sessions = adapter('Session');
        await codes.upsert('c1', { grantId: 'g1', accountId: 'a' } as never, 60);
        await codes.upsert('c2', { grantId: 'g2' } as never, 60);
        await sessions.upsert('s1', { uid: 'u1', accountId: 'a' } as never, 3600);
        assert.equal((await codes.find('c1'))?.accountId, 'a');
        assert.equal(await codes.find('s1'), undefined, 'kinds are separate');
        assert.equal((await sessions.findByUid('u1'))?.accountId, 'a');

        await codes.consume('c1');
        assert.equal(typeof (await codes.find('c1'))?.consumed, 'number', 'a consumed code says so');
        await codes.upsert('c1', { grantId: 'g1', accountId: 'b' } as never, 60);
        assert.equal((await codes.find('c1'))?.accountId, 'b', 'upsert replaces');

        await codes.revokeByGrantId('g1');
        assert.equal(await codes.find('c1'), undefined);
        assert.ok(await codes.find('c2'), 'other grants stay');

        now += 61_000;
        assert.equal(await codes.find('c2'), undefined, 'expired rows are not found');
        assert.equal(await sweepExpired(storage, now), 1, 'and are swept');
        assert.ok(await sessions.find('s1'));
        await sessions.destroy('s1');
        assert.equal(await sessions.find('s1'), undefined);
      }));

    test('clients come from the registry, as private_key_jwt + pairwise code-flow clients', () =>
      withStore(backend, async (storage) => {
        const registry = new ClientRegistry(storage);
        await registry.put({
          clientId: 'RP00000007',
          name: 'テスト',
          redirectUris: ['https://rp.example/cb'],
          jwksUri: 'https://rp.example/jwks',
        });
        const meta = (await kyselyAdapter(storage, { clients: registry })('Client').find(
          'RP00000007',
        )) as Record<string, unknown>;
        assert.equal(meta.token_endpoint_auth_method, 'private_key_jwt');
        assert.equal(meta.subject_type, 'pairwise');
        assert.deepEqual(meta.response_types, ['code']);
        assert.equal(meta.id_token_signed_response_alg, 'ES256');
        await registry.disable('RP00000007');
        assert.equal(
          await kyselyAdapter(storage, { clients: registry })('Client').find('RP00000007'),
          undefined,
        );
      }));

    test('the registry refuses clients that could not work, listing every problem', () =>
      withStore(backend, async (storage) => {
        const registry = new ClientRegistry(storage);
        await assert.rejects(
          registry.put({
            clientId: 'X1',
            name: '',
            redirectUris: ['https://a.example/cb', 'https://b.example/cb', 'ftp://c.example'],
          }),
          (e: { code?: string; details?: { problems?: string[] } }) =>
            e.code === 'client_invalid' && (e.details?.problems?.length ?? 0) >= 3,
        );
        assert.equal(await registry.nextClientId(), 'RP00000001');
      }));

    test('ID-token keys rotate: published ahead, then signing, then dropped', () =>
      withStore(backend, async (storage) => {
        let now = 1_700_000_000_000;
        const schedule = { rotateAfterMs: 30 * DAY, publishAheadMs: DAY, retainMs: 7 * DAY };
        const keys = new SigningKeys(storage, { schedule, now: () => now });
        const first = await keys.current();
        assert.equal(first.keys.length, 1);
        assert.equal(first.keys[0]!.kty, 'EC');
        assert.equal((await keys.current()).version, first.version, 'stable between rotations');

        now += 29 * DAY + 1;
        const ahead = await keys.current();
        assert.equal(ahead.keys.length, 2, 'the successor is published a day ahead');
        assert.equal(ahead.signingKid, first.signingKid, 'but the old key still signs');

        now += DAY;
        const switched = await keys.current();
        assert.notEqual(switched.signingKid, first.signingKid, 'the successor signs from its day');
        assert.equal(switched.keys[0]!.kid, switched.signingKid, 'the signing key comes first');
        assert.ok(
          switched.keys.some((k) => k.kid === first.signingKid),
          'the old key stays published',
        );

        now += 7 * DAY;
        const later = await keys.current();
        assert.ok(!later.keys.some((k) => k.kid === first.signingKid), 'and is dropped after a week');

        const forced = await keys.rotateNow();
        assert.equal((await keys.current()).signingKid, forced);
      }));
  });
}
