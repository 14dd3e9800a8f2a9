import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, type KeyObject, privateEncrypt, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type Jlis, openJlis } from '@honnin/jlis';
import { createJlisServer } from '@honnin/jlis/http/server';
import { japanMonth } from '@honnin/jlis/verifiers/fees';
import { createLoginChallenge, encodeDigestInfo } from '@honnin/jpki';
import { listen, openMigratedStorage, type Storage, silentLogger } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { EventLog } from '../src/events/event-log.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';
import { CardVerifier } from '../src/verification/card-verifier.ts';
import { Fees, OPERATOR_ACCOUNT } from '../src/verification/fees.ts';

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

const who = { clientId: 'RP00000801', transactionId: 'linking-test' };

/** J-LIS over HTTP and a platform's verifier on its own store, with every request to J-LIS recorded. */
async function linkingWorld(backend: ReturnType<typeof storageBackends>[number], crlOnRevocation = true) {
  const j = isolatedStorage(backend, 'jlis');
  const p = isolatedStorage(backend, 'platform');
  const jlis = await openJlis({ storage: j.options, crlOnRevocation });
  const server: FastifyInstance = await createJlisServer(jlis, { adminToken: 'jlis-admin-token-0123456789' });
  const jlisUrl = await listen(server, 0);
  const platformVerifier = await jlis.verifiers.add('platform under test');
  const storage: Storage<PlatformDB> = await openMigratedStorage<PlatformDB>(p.options, migrations);
  const requests: { path: string; status: number }[] = [];
  const events = new EventLog(storage);
  const verifier = new CardVerifier(
    storage,
    {
      jlisUrl,
      jlisApiKey: platformVerifier.apiKey,
      cvRoot: { cardHostUrl: 'http://127.0.0.1:9' },
      fetch: async (url, init) => {
        const res = await globalThis.fetch(url, init);
        requests.push({ path: new URL(String(url)).pathname, status: res.status });
        return res;
      },
    },
    { fees: new Fees(storage), events, logger: silentLogger(), now: Date.now },
  );

  async function login(certificate: Uint8Array, privateKey: KeyObject, as = who) {
    const c = createLoginChallenge({ relyingParty: as.clientId, origin: 'https://rp.example' });
    return verifier.login(
      {
        challenge: c.bytes,
        signature: new Uint8Array(sign('sha256', c.bytes, privateKey)),
        certificate,
        expected: { relyingParty: as.clientId, origin: 'https://rp.example', nonce: c.nonce },
      },
      as,
    );
  }

  async function signature(certificate: Uint8Array, privateKey: KeyObject) {
    const digestInfo = encodeDigestInfo('sha256', new Uint8Array(32).fill(9));
    const sig = new Uint8Array(
      privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
    );
    return verifier.signature({ digestInfo, signature: sig, certificate }, who);
  }

  /** A new holder's card (auth and signature keys), certified by J-LIS. */
  async function card(name = holder.name) {
    const auth = key();
    const sig = key();
    const issued = await jlis.issuer.issueCard({
      holder: { ...holder, name },
      authPublicKey: auth.spki,
      signaturePublicKey: sig.spki,
    });
    return { ...issued, authKey: auth.privateKey, signatureKey: sig.privateKey };
  }

  /** A renewal of the auth certificate at J-LIS: the new certificate and its key. */
  async function renew(cardId: string) {
    const renewed = key();
    const r = await jlis.lifecycle.apply(cardId, { type: 'renewal', authPublicKey: renewed.spki });
    return { der: r.auth!.der, privateKey: renewed.privateKey };
  }

  /** 新旧紐付け queries J-LIS metered to the platform this month. */
  async function successorQueries(): Promise<number> {
    const s = await jlis.fees.statement(platformVerifier, japanMonth(new Date()));
    return s.lines.filter((l) => l.channel === 'successor').reduce((n, l) => n + l.count, 0);
  }

  return {
    jlis: jlis as Jlis,
    storage,
    verifier,
    events,
    requests,
    login,
    signature,
    card,
    renew,
    successorQueries,
    /** J-LIS's HTTP server goes away (the store stays, for the checks after) */
    stopServer: () => server.close(),
    async close() {
      if (server.server.listening) await server.close();
      await jlis.close();
      await storage.close();
      await j.cleanup();
      await p.cleanup();
    },
  };
}

/**
 * One citizen across certificates (the platform operator's linking with J-LIS
 * over HTTP): a signature is linked to the login that named the citizen
 * (紐付け), a move's new signature certificate too, and a renewal's new auth
 * certificate at the first login that brings it (新旧紐付け for the known
 * certificates the auth CRL lists as superseded) — so the pairwise `sub`
 * (derived from the citizen) survives them without waiting for a periodic run.
 */
for (const backend of storageBackends()) {
  describe(`citizen linking with J-LIS on ${backend.name}`, { skip: backend.skip }, () => {
    let w: Awaited<ReturnType<typeof linkingWorld>>;
    before(async () => {
      w = await linkingWorld(backend);
    });
    after(async () => {
      await w?.close();
    });

    test('a signature, a move and a renewal stay with the citizen of the first login', async () => {
      const card = await w.card();
      const first = await w.login(card.auth.der, card.authKey);
      assert.equal((await w.login(card.auth.der, card.authKey)).citizenId, first.citizenId);

      const signed = await w.signature(card.signature!.der, card.signatureKey);
      assert.equal(signed.citizenId, first.citizenId, 'the signature certificate is linked to the auth one');
      assert.equal(signed.signer.name, holder.name);

      // a move: the signature certificate is replaced (the auth certificate stays)
      const moved = key();
      const afterMove = await w.jlis.lifecycle.apply(card.cardId, {
        type: 'move',
        holder: { address: '東京都新宿区西新宿２－８－１', municipalityCode: '131041' },
        signaturePublicKey: moved.spki,
      });
      const afterMoveSigned = await w.signature(afterMove.signature!.der, moved.privateKey);
      assert.equal(afterMoveSigned.citizenId, first.citizenId);
      assert.equal(afterMoveSigned.signer.address, '東京都新宿区西新宿２－８－１');
      assert.equal(
        await w.successorQueries(),
        0,
        'a move needs no 新旧紐付け: 紐付け ties it to the auth one',
      );

      // a renewal: the first login with the new certificate links it, with no relink run
      const renewed = await w.renew(card.cardId);
      assert.equal((await w.login(renewed.der, renewed.privateKey)).citizenId, first.citizenId);
      assert.equal(await w.successorQueries(), 1);
      await assert.rejects(
        w.login(card.auth.der, card.authKey),
        (e: { code?: string }) => e.code === 'certificate_revoked',
      );
      const events = await w.events.list(who.transactionId, who.clientId);
      assert.ok(
        events.some((e) => e.type === 'certificate_linked'),
        'the login says it was linked',
      );

      // someone else is someone else
      const other = await w.card('蒼崎　橙子');
      assert.notEqual((await w.login(other.auth.der, other.authKey)).citizenId, first.citizenId);

      const fees = await new Fees(w.storage).summary(who.clientId);
      assert.deepEqual(
        fees.map((f) => [f.item, f.yen / f.count]),
        [
          ['auth_validity', 2],
          ['linking', 2],
          ['sign_validity', 20],
          ['successor', 2],
        ],
        'J-LIS checks, 紐付け and the 新旧紐付け this login needed are metered to the relying party',
      );
    });

    test('an unchanged CRL costs one conditional request and no query', async () => {
      const before = await w.successorQueries();
      const crls = () => w.requests.filter((r) => /\/crl$/.test(r.path));
      const seen = crls().length;
      const newcomer = await w.card('両儀　式');
      await w.login(newcomer.auth.der, newcomer.authKey);
      const asked = crls().slice(seen);
      assert.ok(asked.length >= 1, 'the auth CRL was asked for');
      assert.ok(
        asked.every((r) => r.status === 304),
        `the CRL had not changed since the last look: ${JSON.stringify(asked)}`,
      );
      assert.equal(await w.successorQueries(), before);
    });

    test('renewals found on the way are linked once, at the operator’s expense', async () => {
      const a = await w.card('浅上　藤乃');
      const b = await w.card('黒桐　鮮花');
      const citizenA = (await w.login(a.auth.der, a.authKey)).citizenId;
      const citizenB = (await w.login(b.auth.der, b.authKey)).citizenId;
      const renewedA = await w.renew(a.cardId);
      const renewedB = await w.renew(b.cardId);
      const operatorBefore = (await new Fees(w.storage).summary(OPERATOR_ACCOUNT))[0]?.count ?? 0;
      const queries = await w.successorQueries();
      assert.equal((await w.login(renewedA.der, renewedA.privateKey)).citizenId, citizenA);
      assert.equal(await w.successorQueries(), queries + 2, 'both known renewals were followed');
      const operator = await new Fees(w.storage).summary(OPERATOR_ACCOUNT);
      assert.deepEqual(
        operator.map((f) => [f.item, f.count - operatorBefore]),
        [['successor', 1]],
        "B's link was no relying party's request",
      );
      assert.equal((await w.login(renewedB.der, renewedB.privateKey)).citizenId, citizenB);
      assert.equal(await w.successorQueries(), queries + 2, 'nobody is asked about twice');
      assert.deepEqual(await w.verifier.linkAll(), { checked: 0, linked: 0, merged: 0 });
    });
  });
}

describe('citizen linking when J-LIS re-issues its CRL late', () => {
  let w: Awaited<ReturnType<typeof linkingWorld>>;
  before(async () => {
    w = await linkingWorld({ name: 'sqlite' }, false);
  });
  after(async () => {
    await w?.close();
  });

  test('the periodic run links, and folds the record a login made meanwhile into the first one', async () => {
    const card = await w.card();
    const first = (await w.login(card.auth.der, card.authKey)).citizenId;
    const renewed = await w.renew(card.cardId);
    // the CRL does not list the renewal yet: the login cannot know it is the same person
    const meanwhile = (await w.login(renewed.der, renewed.privateKey)).citizenId;
    assert.notEqual(meanwhile, first);
    await w.jlis.crls.publish(card.auth.caId);
    assert.deepEqual(await w.verifier.linkAll(), { checked: 1, linked: 0, merged: 1 });
    assert.equal((await w.login(renewed.der, renewed.privateKey)).citizenId, first);
    await assert.rejects(w.login(card.auth.der, card.authKey), { code: 'certificate_revoked' });
    const left = await w.storage.db.selectFrom('citizen').select('id').where('id', '=', meanwhile).execute();
    assert.deepEqual(left, [], 'the second record is gone');
  });

  test('J-LIS unreachable: linking reports revocation_unavailable and marks nothing', async () => {
    const card = await w.card('蒼崎　青子');
    const citizen = (await w.login(card.auth.der, card.authKey)).citizenId;
    await w.renew(card.cardId);
    await w.jlis.crls.publish(card.auth.caId);
    await w.stopServer();
    await assert.rejects(w.verifier.linkAll(), { code: 'revocation_unavailable' });
    const rows = await w.storage.db
      .selectFrom('citizen_certificate')
      .select(['serial', 'successor_checked_at'])
      .where('citizen_id', '=', citizen)
      .execute();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ serial: card.auth.serial, successor_checked_at: null }],
      'asked again next time',
    );
  });
});
