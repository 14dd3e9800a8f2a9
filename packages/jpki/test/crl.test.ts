import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildCrlIndex,
  type CertificateRevokedError,
  CertificateValidator,
  CrlRevocationSource,
  createLoginChallenge,
  type JpkiError,
  OcspClient,
  TEST_POLICIES,
  toPem,
  verifyLogin,
} from '@honnin/jpki';
import { tempDir } from '@honnin/runtime/testing';
import { type CrlEntryInput, crlBytes, syntheticEntries, writeCrl } from './support/crl-writer.ts';
import { openSimulator, type Simulator, type TestCard } from './support/simulator.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<JpkiError> {
  try {
    await p;
  } catch (e) {
    assert.equal((e as JpkiError).code, code, (e as Error).message);
    return e as JpkiError;
  }
  assert.fail(`expected ${code}`);
}

describe('CRL index with the J-LIS simulator CA', () => {
  let sim: Simulator;
  let validator: CertificateValidator;
  let good: TestCard;
  let lost: TestCard;
  const tmp = tempDir('honnin-jpki-crl-');

  /** The auth CA's CRL from the simulator's records, signed with its key. */
  async function authCrl(
    over: { thisUpdate?: Date; nextUpdate?: Date; crlNumber?: bigint; extra?: CrlEntryInput[] } = {},
  ) {
    const ca = sim.jlis.ca.active('auth');
    const rows = await sim.jlis.storage.db
      .selectFrom('certificate')
      .select(['serial', 'revoked_at', 'revocation_reason'])
      .where('ca_id', '=', ca.id)
      .where('revoked_at', 'is not', null)
      .execute();
    const thisUpdate = over.thisUpdate ?? sim.clock.now;
    return crlBytes({
      issuerCertificate: ca.certDer,
      key: await sim.jlis.ca.key(ca.id),
      thisUpdate,
      nextUpdate: over.nextUpdate ?? new Date(thisUpdate.getTime() + 86_400_000),
      crlNumber: over.crlNumber,
      entries: [
        ...(over.extra ?? []),
        ...rows.map((r) => ({
          serial: BigInt(`0x${r.serial}`),
          revokedAt: new Date(Number(r.revoked_at)),
          reasonCode: Number(r.revocation_reason),
        })),
      ],
    });
  }

  function login(card: TestCard) {
    const c = createLoginChallenge({ relyingParty: 'rp', origin: 'https://rp.example', now: sim.clock.now });
    return {
      input: {
        challenge: c.bytes,
        signature: sign('sha256', c.bytes, card.authKey.privateKey),
        certificate: card.issued.auth.der,
      },
      expected: { relyingParty: 'rp', origin: 'https://rp.example', nonce: c.nonce },
    };
  }

  before(async () => {
    sim = await openSimulator();
    validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
    good = await sim.issue();
    lost = await sim.issue();
    await sim.jlis.lifecycle.apply(lost.issued.cardId, { type: 'loss' });
  });
  after(async () => {
    tmp.cleanup();
    await sim.close();
  });

  test('OpenSSL accepts the CRL; a lost card is revoked certificateHold, a good one is good', async () => {
    const crl = await authCrl();
    writeFileSync(join(tmp.dir, 'auth.crl'), crl);
    writeFileSync(join(tmp.dir, 'ca.pem'), toPem(sim.jlis.ca.active('auth').certDer));
    const text = execFileSync(
      'openssl',
      [
        'crl',
        '-inform',
        'DER',
        '-in',
        join(tmp.dir, 'auth.crl'),
        '-CAfile',
        join(tmp.dir, 'ca.pem'),
        '-noout',
        '-text',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
    assert.match(text, /Certificate Hold/);

    const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    const index = await source.update(crl);
    assert.equal(index.size, 1);
    assert.equal(index.lookup(lost.issued.auth.serial)?.reasonCode, 6);
    const ok = login(good);
    const r = await verifyLogin(ok.input, {
      validator,
      expected: ok.expected,
      at: sim.clock.now,
      revocation: source,
    });
    assert.deepEqual(
      { status: r.revocation.status, source: r.revocation.status === 'good' && r.revocation.source },
      { status: 'good', source: 'crl' },
    );
    const bad = login(lost);
    const e = (await rejects(
      verifyLogin(bad.input, { validator, expected: bad.expected, at: sim.clock.now, revocation: source }),
      'ERR_JPKI_CERT_REVOKED',
    )) as CertificateRevokedError;
    assert.equal(e.revocation.reason, 'certificateHold');
  });

  test('chunk boundaries anywhere give the same index; unsorted and long serials are found', async () => {
    const t = new Date('2026-03-01T00:00:00Z');
    const extra: CrlEntryInput[] = [
      { serial: 0x7fff_ffff_ffff_fffan, revokedAt: t, reasonCode: 1 },
      { serial: 5n, revokedAt: t },
      { serial: 0x1234_5678_9abc_def0_1234n, revokedAt: t, reasonCode: 5 },
      ...Array.from({ length: 3000 }, (_, i) => ({
        serial: BigInt((i * 7919) % 3001) + 1000n,
        revokedAt: t,
        reasonCode: 4,
      })),
    ];
    const crl = await authCrl({ extra });
    for (const size of [1, 7, 64, 4093, crl.length]) {
      async function* chunks() {
        for (let i = 0; i < crl.length; i += size) yield crl.subarray(i, i + size);
      }
      const index = await buildCrlIndex(chunks(), { trust: validator.trust });
      assert.equal(index.size, extra.length + 1);
      assert.equal(index.lookup('7FFFFFFFFFFFFFFA')?.reasonCode, 1);
      assert.equal(index.lookup('5')?.reasonCode, undefined);
      assert.equal(index.lookup('5')?.revokedAt.toISOString(), t.toISOString());
      assert.equal(index.lookup('123456789ABCDEF01234')?.reasonCode, 5);
      assert.equal(index.lookup('3E8')?.reasonCode, 4); // 1000
      assert.equal(index.lookup('4'), undefined);
      assert.equal(index.lookup(good.issued.auth.serial), undefined);
    }
    // a web ReadableStream works the same
    const index = await buildCrlIndex(new Blob([crl as Uint8Array<ArrayBuffer>]).stream(), {
      trust: validator.trust,
    });
    assert.equal(index.size, extra.length + 1);
  });

  test('a tampered CRL or one signed by another CA is invalid', async () => {
    const crl = await authCrl({ extra: [{ serial: 77n, revokedAt: sim.clock.now, reasonCode: 1 }] });
    const tampered = crl.slice();
    const at = Buffer.from(crl).indexOf(Buffer.from([0x02, 0x01, 77]));
    tampered[at + 2] = 78;
    await rejects(buildCrlIndex(tampered, { trust: validator.trust }), 'ERR_JPKI_CRL_INVALID');
    const rogue = await openSimulator();
    try {
      const rogueCa = rogue.jlis.ca.active('auth');
      const forged = await crlBytes({
        issuerCertificate: rogueCa.certDer,
        key: await rogue.jlis.ca.key(rogueCa.id),
        thisUpdate: sim.clock.now,
        entries: [],
      });
      await rejects(buildCrlIndex(forged, { trust: validator.trust }), 'ERR_JPKI_CRL_INVALID');
    } finally {
      await rogue.close();
    }
  });

  test('updates swap atomically: a bad or older CRL leaves the current one in use', async () => {
    const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    const first = await source.update(await authCrl({ crlNumber: 5n }));
    const anchor = first.issuer;
    await rejects(source.update(new Uint8Array([0x30, 0x80])), 'ERR_JPKI_MALFORMED');
    await rejects(source.update(await authCrl({ crlNumber: 4n })), 'ERR_JPKI_CRL_INVALID');
    assert.equal(source.index(anchor), first);
    const newer = await source.update(
      await authCrl({ crlNumber: 6n, extra: [{ serial: 9n, revokedAt: sim.clock.now }] }),
    );
    assert.equal(source.index(anchor), newer);
    assert.equal(newer.size, first.size + 1);
  });

  test('a stale CRL, or none, cannot vouch: revocation unknown, unless another source answers', async () => {
    const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    const ok = login(good);
    const opts = { validator, expected: ok.expected, at: sim.clock.now };
    let e = await rejects(
      verifyLogin(ok.input, { ...opts, revocation: source }),
      'ERR_JPKI_REVOCATION_UNKNOWN',
    );
    assert.equal((e.cause as JpkiError).code, 'ERR_JPKI_CRL_INVALID');
    await source.update(
      await authCrl({
        thisUpdate: new Date(sim.clock.now.getTime() - 3 * 86_400_000),
        nextUpdate: new Date(sim.clock.now.getTime() - 86_400_000),
      }),
    );
    e = await rejects(verifyLogin(ok.input, { ...opts, revocation: source }), 'ERR_JPKI_REVOCATION_UNKNOWN');
    assert.equal((e.cause as JpkiError).code, 'ERR_JPKI_CRL_STALE');
    // OCSP unreachable first, then a fresh CRL: the CRL answers
    const fresh = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    await fresh.update(await authCrl());
    const unreachable = new OcspClient({ url: 'http://127.0.0.1:9/ocsp', fetch, timeout: 1000 });
    const r = await verifyLogin(ok.input, { ...opts, revocation: [unreachable, fresh] });
    assert.equal(r.revocation.status === 'good' && r.revocation.source, 'crl');
  });

  test('100,000 entries stream from a file-like source in fixed-size chunks', async () => {
    const ca = sim.jlis.ca.active('auth');
    const synthetic = syntheticEntries(100_000, new Date('2026-01-01T00:00:00Z'));
    const chunks: Uint8Array[] = [];
    await writeCrl((c) => chunks.push(c), {
      issuerCertificate: ca.certDer,
      key: await sim.jlis.ca.key(ca.id),
      thisUpdate: sim.clock.now,
      ...synthetic,
    });
    async function* source() {
      yield* chunks;
    }
    const index = await buildCrlIndex(source(), { trust: validator.trust });
    assert.equal(index.size, 100_000);
    assert.ok(index.byteLength <= 100_000 * 13 + 64 * 13, `${index.byteLength} bytes`);
    assert.equal(
      index.lookup((0x10000000 + 99_999).toString(16))?.reasonCode,
      [0, 1, 3, 4, 5, 6][99_999 % 6],
    );
    assert.equal(index.lookup((0x10000000 + 100_000).toString(16)), undefined);
  });
});
