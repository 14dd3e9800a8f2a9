import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { FEES_YEN, japanMonth } from '../src/index.ts';
import { clock, freshJlis, holder, serve, spki } from './support.ts';

type Json = Record<string, unknown> & { error?: string };

for (const backend of storageBackends()) {
  describe(`J-LIS verifier services and fees on ${backend.name}`, { skip: backend.skip }, () => {
    test('紐付け, 新旧紐付け through a move and a renewal, and the fees they cost', async () => {
      const t = clock('2026-04-10T01:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      try {
        const bank = await jlis.verifiers.add('bank');
        const post = async (path: string, body: unknown, key = bank.apiKey) => {
          const res = await fetch(`${server.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: res.status, body: (await res.json()) as Json };
        };
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const s1 = card.signature!.serial;
        const link = await post('/verifier/link', { signatureSerial: s1 });
        assert.deepEqual(link.body, { signatureSerial: s1, authSerial: card.auth.serial });

        const moved = await jlis.lifecycle.apply(card.cardId, {
          type: 'move',
          holder: {
            address: '京都府京都市中京区寺町通御池上る上本能寺前町４８８',
            municipalityCode: '261009',
          },
          signaturePublicKey: spki(),
        });
        const renewed = await jlis.lifecycle.apply(card.cardId, {
          type: 'renewal',
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const chain = await post('/verifier/successor', { purpose: 'signature', serial: s1.toLowerCase() });
        assert.equal(chain.status, 200, JSON.stringify(chain.body));
        assert.deepEqual(chain.body, {
          purpose: 'signature',
          serial: s1.toLowerCase(),
          status: 'revoked',
          reason: 'affiliationChanged',
          newestSerial: renewed.signature!.serial,
          newestStatus: 'good',
          chain: [s1, moved.signature!.serial, renewed.signature!.serial],
        });
        // the link follows the card to its newest auth certificate
        const relink = await post('/verifier/link', { signatureSerial: renewed.signature!.serial });
        assert.equal(relink.body.authSerial, renewed.auth!.serial);
        const unknown = await post('/verifier/successor', { purpose: 'auth', serial: 'ABCDEF0' });
        assert.equal(unknown.status, 404);
        assert.equal(unknown.body.error, 'jlis_certificate_unknown');

        const st = await jlis.fees.statement(bank, japanMonth(t.now()));
        const yen = (kind: string, channel: string) =>
          st.lines.filter((l) => l.kind === kind && l.channel === channel).reduce((a, l) => a + l.yen, 0);
        assert.equal(yen('link', 'link'), 2 * FEES_YEN.link);
        assert.equal(
          yen('validity', 'successor'),
          FEES_YEN.validity.signature,
          'only the validity check is charged',
        );
        assert.equal(yen('unknown', 'successor'), 0);
        assert.equal(st.total.yen, 2 * 2 + 20);
      } finally {
        await server.close();
        await done();
      }
    });

    test('年齢判定 answers yes/no only: birthday today, the day before, 29 February', async () => {
      const t = clock('2026-04-10T01:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      try {
        const shop = await jlis.verifiers.add('liquor shop');
        const ask = async (serial: string, age: number, on?: string) => {
          const res = await fetch(`${server.url}/verifier/age`, {
            method: 'POST',
            headers: { authorization: `Bearer ${shop.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ purpose: 'auth', serial, age, ...(on ? { on } : {}) }),
          });
          const body = (await res.json()) as Json;
          assert.equal(res.status, 200, JSON.stringify(body));
          assert.deepEqual(Object.keys(body).sort(), ['age', 'atLeast', 'on', 'purpose', 'serial', 'status']);
          assert.equal(typeof body.atLeast, 'boolean', 'yes/no only, never the birth date');
          return body.atLeast;
        };
        const born = async (birthDate: string) =>
          (await jlis.issuer.issueCard({ holder: { ...holder, birthDate }, authPublicKey: spki() })).auth
            .serial;
        const a = await born('2006-04-10');
        assert.equal(await ask(a, 20), true, 'birthday today (Japan time, 10:00)');
        assert.equal(await ask(a, 20, '2026-04-09'), false, 'the day before');
        assert.equal(await ask(a, 21), false);
        const leap = await born('2008-02-29');
        assert.equal(await ask(leap, 18, '2026-02-28'), false, '29 Feb in a common year: not yet on 28 Feb');
        assert.equal(await ask(leap, 18, '2026-03-01'), true, '… but on 1 March');
        assert.equal(await ask(leap, 16, '2024-02-29'), true, 'on the day in a leap year');
        assert.equal(await ask(leap, 16, '2024-02-28'), false);
        // late evening UTC is already the next day in Japan
        t.set('2026-04-08T15:30:00Z');
        assert.equal(await ask(await born('2008-04-09'), 18), true);

        const bad = await fetch(`${server.url}/verifier/age`, {
          method: 'POST',
          headers: { authorization: `Bearer ${shop.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ purpose: 'auth', serial: a, age: -1, on: '2026-02-30' }),
        });
        assert.equal(bad.status, 400);
        const problems = ((await bad.json()) as { details: { problems: string[] } }).details.problems;
        assert.ok(problems.some((p) => p.startsWith('age')) && problems.some((p) => p.startsWith('on')));
        const st = await jlis.fees.statement(shop, '2026-04');
        assert.equal(st.lines.find((l) => l.channel === 'age')?.yen, 8 * FEES_YEN.validity.auth);
      } finally {
        await server.close();
        await done();
      }
    });

    test('CRL check reports: 現況確認 counts once per holder, purpose and year; statements per month over HTTP', async () => {
      const t = clock('2026-12-31T10:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      const server = await serve(jlis);
      try {
        const pf = await jlis.verifiers.add('platform');
        const other = await jlis.verifiers.add('other');
        const report = async (checks: unknown[], key = pf.apiKey) => {
          const res = await fetch(`${server.url}/verifier/crl-checks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ checks }),
          });
          return { status: res.status, body: (await res.json()) as Json };
        };
        const a = await jlis.issuer.issueCard({ holder, authPublicKey: spki(), signaturePublicKey: spki() });
        const b = await jlis.issuer.issueCard({ holder, authPublicKey: spki(), signaturePublicKey: spki() });
        const sa = a.signature!.serial;
        const first = await report([
          { purpose: 'signature', serial: sa, statusCheck: true },
          { purpose: 'signature', serial: sa, statusCheck: true },
          { purpose: 'auth', serial: a.auth.serial, statusCheck: true },
          { purpose: 'signature', serial: b.signature!.serial },
          { purpose: 'auth', serial: 'FFFF0000' },
        ]);
        assert.deepEqual(first.body, { recorded: 5, unknown: 1, yen: 20 + 2 + 20 });
        // the same holder's status check again this year: free; another verifier pays its own
        assert.deepEqual((await report([{ purpose: 'signature', serial: sa, statusCheck: true }])).body, {
          recorded: 1,
          unknown: 0,
          yen: 0,
        });
        assert.equal(
          (await report([{ purpose: 'signature', serial: sa, statusCheck: true }], other.apiKey)).body.yen,
          20,
        );
        // a plain validity check is always charged
        assert.equal((await report([{ purpose: 'signature', serial: sa }])).body.yen, 20);
        // New Year in Japan (15:00 UTC): counted again
        t.set('2026-12-31T15:00:00Z');
        assert.equal((await report([{ purpose: 'signature', serial: sa, statusCheck: true }])).body.yen, 20);

        const statement = async (month: string, key = pf.apiKey) => {
          const res = await fetch(`${server.url}/verifier/statements/${month}`, {
            headers: { authorization: `Bearer ${key}` },
          });
          return { status: res.status, body: (await res.json()) as Json };
        };
        const dec = await statement('2026-12');
        assert.equal(dec.status, 200);
        assert.deepEqual(dec.body.total, { count: 7, yen: 20 + 2 + 20 + 20 });
        const statusLine = (
          dec.body.lines as { kind: string; purpose: string; count: number; yen: number }[]
        ).find((l) => l.kind === 'statusCheck' && l.purpose === 'signature');
        assert.deepEqual([statusLine?.count, statusLine?.yen], [3, 20]);
        const jan = await statement('current');
        assert.equal(jan.body.month, '2027-01');
        assert.deepEqual(jan.body.total, { count: 1, yen: 20 });
        assert.deepEqual((await statement('2026-12', other.apiKey)).body.total, { count: 1, yen: 20 });
        const adminView = await fetch(`${server.url}/admin/verifiers/platform/statements/2026-12`, {
          headers: { authorization: `Bearer ${server.adminToken}` },
        });
        assert.deepEqual(((await adminView.json()) as Json).total, dec.body.total);
        assert.equal((await statement('december')).body.error, 'jlis_month_invalid');

        const tooMany = await report(
          Array.from({ length: 10_001 }, () => ({ purpose: 'auth', serial: '1' })),
        );
        assert.equal(tooMany.status, 400);
      } finally {
        await server.close();
        await done();
      }
    });

    test('verifier authentication: no key, a wrong key, a disabled verifier', async () => {
      const { jlis, done } = await freshJlis(backend);
      const server = await serve(jlis);
      try {
        const v = await jlis.verifiers.add('checked');
        const me = (authorization?: string) =>
          fetch(`${server.url}/verifier/me`, { headers: authorization ? { authorization } : {} });
        const ok = await me(`Bearer ${v.apiKey}`);
        assert.deepEqual(await ok.json(), { id: v.id, name: 'checked' });
        for (const h of [
          undefined,
          'Bearer nope',
          `Basic ${v.apiKey}`,
          `Bearer ${v.apiKey}x`,
          server.adminToken,
        ]) {
          const r = await me(h);
          assert.equal(r.status, 401);
          assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="jlis"/);
          assert.equal(((await r.json()) as Json).error, 'jlis_verifier_unauthorized');
        }
        await jlis.verifiers.setDisabled('checked', true);
        assert.equal((await me(`Bearer ${v.apiKey}`)).status, 401);
        await jlis.verifiers.setDisabled('checked', false);
        const rotated = await jlis.verifiers.rotateKey('checked');
        assert.equal((await me(`Bearer ${v.apiKey}`)).status, 401, 'the old key stops working');
        assert.equal((await me(`Bearer ${rotated.apiKey}`)).status, 200);
        // keys are stored hashed
        const row = await jlis.storage.db.selectFrom('verifier').selectAll().executeTakeFirstOrThrow();
        assert.doesNotMatch(JSON.stringify(row), new RegExp(rotated.apiKey.slice(12)));
      } finally {
        await server.close();
        await done();
      }
    });
  });
}
