import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fromBase64 } from '@honnin/card/apdu/bytes';
import { parseIntegrity } from '@honnin/card/formats/card-info';
import { loggerOptions, openMigratedStorage, type Storage } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import { pino } from 'pino';
import { CitizenPhone } from '../../../e2e/support/citizen.ts';
import { credential, tapSession } from '../../../e2e/support/honnin.ts';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { bindPhone, finishOnPc, startOnPc } from '../../../e2e/support/service-page.ts';
import { startTestSystem, type TestSystem } from '../../../e2e/support/system.ts';
import { SignTransactions } from '../src/signing/transactions.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

const NAME = '黒桐　幹也';
const ADDRESS = '東京都千代田区千代田１－１';

/** Every row of every table of the platform's store, as text (binary columns as hex and base64). */
async function dumpStore(storage: Storage<PlatformDB>): Promise<string> {
  const out: string[] = [];
  for (const table of await storage.db.introspection.getTables()) {
    const rows = await storage.db
      .selectFrom(table.name as keyof PlatformDB)
      .selectAll()
      .execute();
    for (const row of rows)
      for (const [column, value] of Object.entries(row)) {
        const bytes = value instanceof Uint8Array ? Buffer.from(value) : undefined;
        out.push(
          `${table.name}.${column}=${bytes ? `${bytes.toString('hex')} ${bytes.toString('base64')}` : String(value)}`,
        );
      }
  }
  return out.join('\n');
}

/** The ways a byte string may show up in a store or a log. */
const spellings = (b: Uint8Array) => {
  const buf = Buffer.from(b);
  return [
    buf.toString('hex'),
    buf.toString('hex').toUpperCase(),
    buf.toString('base64'),
    buf.toString('base64url'),
  ];
};

for (const backend of storageBackends()) {
  describe(`signing results at rest on ${backend.name}`, { skip: backend.skip }, () => {
    let storage: Storage<PlatformDB>;
    let cleanup: () => Promise<void>;
    let now = Date.UTC(2026, 3, 1);
    const resultMs = 660_000;
    let txs: SignTransactions;
    const certificate = new Uint8Array(randomBytes(600));
    const result = () => ({
      citizenId: 'c1',
      grantId: 'g1',
      signature: new Uint8Array(randomBytes(256)),
      certificate,
      verification: { valid: true, basic_info: { name: NAME, address: { formatted: ADDRESS } } },
    });
    const request = {
      digestInfo: new Uint8Array(51),
      hashAlgorithm: 'sha256' as const,
      document: { name: '申請書.pdf' },
      container: 'raw' as const,
      expiresInSeconds: 600,
    };
    const row = (id: string) =>
      storage.db.selectFrom('sign_transaction').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    before(async () => {
      const iso = isolatedStorage(backend, 'platform');
      cleanup = iso.cleanup;
      storage = await openMigratedStorage<PlatformDB>(iso.options, migrations);
      txs = new SignTransactions(storage, {
        sealKey: createSecretKey(randomBytes(32)),
        now: () => now,
        resultMs,
      });
    });
    after(async () => {
      await storage?.close();
      await cleanup?.();
    });

    const inClear = (text: string) =>
      [NAME, ADDRESS, ...spellings(certificate)].filter((s) => text.includes(s)).map((s) => s.slice(0, 20));

    test('a completed result is sealed in its row, opens for the relying party, and is gone once fetched', async () => {
      const tx = await txs.create('RP00000801', request);
      assert.ok(await txs.complete(tx.id, result()));
      const stored = await row(tx.id);
      assert.ok(stored.sealed_result);
      assert.deepEqual(inClear(JSON.stringify(stored) + (await dumpStore(storage))), [], 'nothing in clear');
      const found = await txs.find(tx.id);
      assert.deepEqual(found?.certificate, certificate, 'the platform can still open it');
      assert.equal((found?.verification?.basic_info as { name?: string } | undefined)?.name, NAME);
      await txs.dropResult(tx.id);
      const dropped = await row(tx.id);
      assert.equal(dropped.sealed_result, null);
      assert.equal((await txs.find(tx.id))?.resultGone, true);
    });

    test('a result nobody fetched in time is swept', async () => {
      const tx = await txs.create('RP00000801', request);
      await txs.complete(tx.id, result());
      now += resultMs - 1;
      assert.equal(await txs.sweepResults(), 0);
      assert.ok((await txs.find(tx.id))?.certificate);
      now += 1;
      assert.equal((await txs.find(tx.id))?.resultGone, true, 'too late to fetch');
      assert.ok((await txs.sweepResults()) >= 1);
      assert.equal((await row(tx.id)).sealed_result, null);
    });

    test("an older version's clear result is sealed at start", async () => {
      const tx = await txs.create('RP00000801', request);
      const old = result();
      await storage.db
        .updateTable('sign_transaction')
        .set({
          status: 'completed',
          completed_at: now,
          signature: old.signature,
          certificate: old.certificate,
          verification: JSON.stringify(old.verification),
        })
        .where('id', '=', tx.id)
        .execute();
      assert.ok((await txs.sealClearResults()) >= 1);
      const stored = await row(tx.id);
      assert.equal(stored.certificate, null);
      assert.equal(stored.verification, null);
      assert.deepEqual(inClear(await dumpStore(storage)), []);
      assert.deepEqual((await txs.find(tx.id))?.certificate, certificate);
      assert.equal(await txs.sealClearResults(), 0, 'once');
    });
  });

  /**
   * A whole login with the 4 items and a signing with a virtual card (J-LIS and
   * the card host running): afterwards the store holds none of the citizen's
   * personal data in clear — not the items, not the certificate, and never the
   * hash of the 個人番号 (DF31) the card-info AP's integrity record carries —
   * and the logs (debug level) neither.
   */
  describe(`personal data after card flows on ${backend.name}`, { skip: backend.skip }, () => {
    let system: TestSystem;
    let t: TestPlatform;
    let rp: DemoRelyingParty;
    let phone: CitizenPhone;
    const lines: string[] = [];

    before(async () => {
      system = await startTestSystem({ parts: ['jlis', 'cards'], databaseUrl: backend.databaseUrl });
      t = await startTestPlatform(backend, {
        logger: pino(loggerOptions('debug', 'platform'), { write: (l: string) => void lines.push(l) }),
        verification: {
          jlisUrl: system.urls.jlis!,
          jlisApiKey: credential(system, 'jlis-verifier-platform'),
          cvRoot: { cardHostUrl: system.urls.cards! },
        },
        cardHostUrl: system.urls.cards!,
      });
      rp = await DemoRelyingParty.start(t.url, 'RP00000811');
      await t.platform.clients.put(rp.registration());
      phone = new CitizenPhone(t.url);
      await phone.register(await tapSession(system, 'デモ1'));
    });
    after(async () => {
      await rp?.close();
      await t?.close();
      await system?.close();
    });

    test('a card-info read: the 個人番号 hash (DF31) is neither stored nor logged', async () => {
      const card = await tapSession(system, 'デモ1');
      const p = await startOnPc(rp, { scope: 'openid name address birthdate gender' });
      const flowId = await bindPhone(p, phone);
      const read = await phone.readForLogin(flowId, card, { cardInfoPin: card.cardInfoPin });
      assert.ok(read.body?.cardInfo, 'the app sent the card-info files');
      const { individualNumberHash } = parseIntegrity(fromBase64(read.body.cardInfo.integrity));
      assert.equal(individualNumberHash.length, 32);
      await phone.consent(flowId);
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      assert.equal(r.userinfo!.name, NAME);

      const secrets = [...spellings(individualNumberHash), read.body.cardInfo.integrity];
      const store = await dumpStore(t.platform.storage);
      const log = lines.join('');
      assert.ok(log.includes('/app/api/flows/'), 'the requests were logged');
      assert.deepEqual(
        secrets.filter((s) => store.includes(s)),
        [],
        'the hash is in no table',
      );
      assert.deepEqual(
        secrets.filter((s) => log.includes(s)),
        [],
        'and in no log line',
      );
      assert.ok(!store.includes(NAME) && !store.includes(ADDRESS), 'nor are the 4 items in clear');
    });

    test('a signing: once the service has its result, the store keeps neither the certificate nor the items', async () => {
      const card = await tapSession(system, 'デモ1');
      const id = await rp.createSignTransaction({
        digest: Buffer.alloc(32, 3).toString('base64'),
        document: { name: '申請書.pdf' },
      });
      const p = await startOnPc(rp, { scope: 'openid sign', signTransactionId: id });
      const flowId = await bindPhone(p, phone);
      await phone.consent(flowId);
      const signed = await phone.readForSignature(flowId, card);
      assert.equal(signed.view?.stage, 'done');
      const r = await finishOnPc(p);
      assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
      const certificate = Buffer.from(String(r.signResult?.certificate), 'base64');
      assert.ok(certificate.length > 500, 'the certified verifier got the certificate');
      assert.equal((r.signResult!.verification as { basic_info: { name: string } }).basic_info.name, NAME);

      const store = await dumpStore(t.platform.storage);
      assert.deepEqual(
        [...spellings(certificate), NAME, ADDRESS]
          .filter((s) => store.includes(s))
          .map((s) => s.slice(0, 20)),
        [],
      );
      const row = await t.platform.storage.db
        .selectFrom('sign_transaction')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'completed');
      assert.equal(row.sealed_result, null, 'handed over: no copy, sealed or not');
      const again = await rp.api('GET', `/api/sign-transactions/${id}/result`, r.accessToken!);
      assert.equal(again.status, 410);
      assert.equal(((await again.json()) as { error: string }).error, 'sign_result_gone');
    });
  });
}
