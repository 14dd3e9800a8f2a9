import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Jlis, openJlis } from '@honnin/jlis';
import { createJlisServer } from '@honnin/jlis/http/server';
import { createLoginChallenge, encodeDigestInfo } from '@honnin/jpki';
import { listen, openMigratedStorage, type Storage, silentLogger } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { EventLog } from '../src/events/event-log.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';
import { CardVerifier } from '../src/verification/card-verifier.ts';
import { Fees } from '../src/verification/fees.ts';

const key = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
};

const holder = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1' as const,
  municipalityCode: '131016',
};

/**
 * One citizen across certificates (the platform operator's linking with J-LIS
 * over HTTP): a signature is linked to the login that named the citizen
 * (紐付け), a move's new signature certificate too, and a renewal's new auth
 * certificate through old → new serial linking (新旧紐付け) — so the pairwise
 * `sub` (derived from the citizen) survives them.
 */
for (const backend of storageBackends()) {
  describe(`citizen linking with J-LIS on ${backend.name}`, { skip: backend.skip }, () => {
    let jlis: Jlis;
    let server: FastifyInstance;
    let storage: Storage<PlatformDB>;
    let verifier: CardVerifier;
    const cleanups: (() => Promise<void>)[] = [];

    before(async () => {
      const j = isolatedStorage(backend, 'jlis');
      const p = isolatedStorage(backend, 'platform');
      cleanups.push(j.cleanup, p.cleanup);
      jlis = await openJlis({ storage: j.options });
      server = await createJlisServer(jlis, { adminToken: 'jlis-admin-token-0123456789' });
      const jlisUrl = await listen(server, 0);
      const { apiKey } = await jlis.verifiers.add('platform under test');
      storage = await openMigratedStorage<PlatformDB>(p.options, migrations);
      const fees = new Fees(storage);
      verifier = new CardVerifier(
        storage,
        { jlisUrl, jlisApiKey: apiKey, cvRoot: { cardHostUrl: 'http://127.0.0.1:9' } },
        { fees, events: new EventLog(storage), logger: silentLogger(), now: Date.now },
      );
    });
    after(async () => {
      await server?.close();
      await jlis?.close();
      await storage?.close();
      for (const c of cleanups) await c();
    });

    const who = { clientId: 'RP00000801', transactionId: 'linking-test' };

    async function login(certificate: Uint8Array, privateKey: KeyObject) {
      const c = createLoginChallenge({ relyingParty: who.clientId, origin: 'https://rp.example' });
      return verifier.login(
        {
          challenge: c.bytes,
          signature: new Uint8Array(sign('sha256', c.bytes, privateKey)),
          certificate,
          expected: { relyingParty: who.clientId, origin: 'https://rp.example', nonce: c.nonce },
        },
        who,
      );
    }

    async function signature(certificate: Uint8Array, privateKey: KeyObject) {
      const digestInfo = encodeDigestInfo('sha256', new Uint8Array(32).fill(9));
      const { constants, privateEncrypt } = await import('node:crypto');
      const sig = new Uint8Array(
        privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
      );
      return verifier.signature({ digestInfo, signature: sig, certificate }, who);
    }

    test('a signature, a move and a renewal stay with the citizen of the first login', async () => {
      const auth = key();
      const sig = key();
      const card = await jlis.issuer.issueCard({
        holder,
        authPublicKey: auth.spki,
        signaturePublicKey: sig.spki,
      });
      const first = await login(card.auth.der, auth.privateKey);
      assert.equal((await login(card.auth.der, auth.privateKey)).citizenId, first.citizenId);

      const signed = await signature(card.signature!.der, sig.privateKey);
      assert.equal(
        signed.citizenId,
        first.citizenId,
        'the signature certificate is linked to the auth certificate',
      );
      assert.equal(signed.signer.name, holder.name);

      // a move: the signature certificate is replaced (the auth certificate stays)
      const moved = key();
      const afterMove = await jlis.lifecycle.apply(card.cardId, {
        type: 'move',
        holder: { address: '東京都新宿区西新宿２－８－１', municipalityCode: '131041' },
        signaturePublicKey: moved.spki,
      });
      const newSig = afterMove.signature!;
      const afterMoveSigned = await signature(newSig.der, moved.privateKey);
      assert.equal(afterMoveSigned.citizenId, first.citizenId);
      assert.equal(afterMoveSigned.signer.address, '東京都新宿区西新宿２－８－１');

      // a renewal: new keys, new auth certificate; J-LIS links old → new
      const renewed = key();
      const afterRenewal = await jlis.lifecycle.apply(card.cardId, {
        type: 'renewal',
        authPublicKey: renewed.spki,
      });
      const newAuth = afterRenewal.auth!;
      const linked = await verifier.linkSuccessors();
      assert.ok(linked.linked >= 1, 'the renewed certificate was linked');
      assert.equal((await login(newAuth.der, renewed.privateKey)).citizenId, first.citizenId);
      await assert.rejects(
        login(card.auth.der, auth.privateKey),
        (e: { code?: string }) => e.code === 'certificate_revoked',
      );

      // someone else is someone else
      const other = key();
      const otherCard = await jlis.issuer.issueCard({
        holder: { ...holder, name: '蒼崎　橙子' },
        authPublicKey: other.spki,
      });
      assert.notEqual((await login(otherCard.auth.der, other.privateKey)).citizenId, first.citizenId);

      const fees = await new Fees(storage).summary(who.clientId);
      assert.deepEqual(
        fees.map((f) => f.item),
        ['auth_validity', 'linking', 'sign_validity'],
        'J-LIS checks and linking are metered',
      );
    });
  });
}
