import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LifeEvent, LifeEventResult } from '@honnin/jlis';
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
  verifySignature,
} from '@honnin/jpki';
import { tempDir } from '@honnin/runtime/testing';
import {
  type CrlEntry,
  crlWithExtraEntries,
  SYNTHETIC_REASONS,
  syntheticEntries,
  writeCrlWithExtraEntries,
} from './support/crl.ts';
import {
  type CardKey,
  cardKey,
  type JlisService,
  openSimulator,
  type Simulator,
  type TestCard,
} from './support/simulator.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<JpkiError> {
  try {
    await p;
  } catch (e) {
    assert.equal((e as JpkiError).code, code, (e as Error).message);
    return e as JpkiError;
  }
  assert.fail(`expected ${code}`);
}

const DAY = 86_400_000;
const document = new TextEncoder().encode('転居届');

describe('CRLs J-LIS publishes after life events', () => {
  let sim: Simulator;
  let jlis: JlisService;
  let validator: CertificateValidator;
  let authCa: string;
  let signatureCa: string;
  let good: TestCard;
  /** each card's life event, as J-LIS answered it */
  const events = new Map<string, { card: TestCard; result: LifeEventResult }>();
  let renewedAuthKey: CardKey;
  const tmp = tempDir('honnin-jpki-crl-');

  const revokedSerial = (name: string, purpose: 'auth' | 'signature') =>
    events.get(name)!.result.revoked.find((r) => r.purpose === purpose)!.serial;

  function login(key: CardKey, certificate: Uint8Array, at = sim.clock.now) {
    const c = createLoginChallenge({ relyingParty: 'rp', origin: 'https://rp.example', now: at });
    return {
      input: { challenge: c.bytes, signature: sign('sha256', c.bytes, key.privateKey), certificate },
      expected: { relyingParty: 'rp', origin: 'https://rp.example', nonce: c.nonce },
    };
  }

  before(async () => {
    sim = await openSimulator();
    jlis = await sim.serve();
    validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
    good = await sim.issue();
    authCa = good.issued.auth.caId;
    signatureCa = good.issued.signature!.caId;
    renewedAuthKey = cardKey();
    const lifeEvents: [string, LifeEvent][] = [
      ['loss', { type: 'loss' }],
      [
        'move',
        {
          type: 'move',
          holder: { address: '東京都新宿区西新宿２－８－１', municipalityCode: '131041' },
          signaturePublicKey: cardKey().spki,
        },
      ],
      [
        'renewal',
        { type: 'renewal', authPublicKey: renewedAuthKey.spki, signaturePublicKey: cardKey().spki },
      ],
      ['death', { type: 'death' }],
      ['emigration', { type: 'emigration' }],
      ['request', { type: 'request' }],
    ];
    const cards = [];
    for (const _ of lifeEvents) cards.push(await sim.issue());
    // the events befall the cards in the reverse order of issue, a second apart: J-LIS lists
    // entries by revocation time, so its serials come out unsorted
    for (let i = lifeEvents.length - 1; i >= 0; i--) {
      sim.clock.now = new Date(sim.clock.now.getTime() + 1000);
      const [name, event] = lifeEvents[i]!;
      events.set(name, {
        card: cards[i]!,
        result: await sim.jlis.lifecycle.apply(cards[i]!.issued.cardId, event),
      });
    }
  });
  after(async () => {
    tmp.cleanup();
    await sim.close();
  });

  test('OpenSSL accepts them: signed by the root, every life event with its reason, serials unsorted', async () => {
    writeFileSync(
      join(tmp.dir, 'ca.pem'),
      sim
        .anchors()
        .map((d) => toPem(d))
        .join(''),
    );
    const texts: Record<string, string> = {};
    for (const [purpose, caId] of [
      ['auth', authCa],
      ['signature', signatureCa],
    ] as const) {
      const file = join(tmp.dir, `${purpose}.crl`);
      writeFileSync(file, await jlis.crl(caId));
      const ca = join(tmp.dir, 'ca.pem');
      const args = ['crl', '-inform', 'DER', '-in', file, '-CAfile', ca, '-verify', '-noout', '-text'];
      const r = spawnSync('openssl', args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /verify OK/);
      texts[purpose] = r.stdout;
    }
    assert.match(texts.auth!, /Certificate Hold/);
    for (const reason of [/Superseded/, /Affiliation Changed/, /Cessation Of Operation/])
      assert.match(texts.auth!, reason);
    assert.match(texts.signature!, /Affiliation Changed/);
    const listed = [...texts.auth!.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) =>
      Number.parseInt(m[1]!, 16),
    );
    assert.equal(
      listed.length,
      [...events.values()].filter((e) => e.result.revoked.some((r) => r.purpose === 'auth')).length,
    );
    assert.notDeepEqual(
      listed,
      [...listed].sort((a, b) => a - b),
      'J-LIS lists serials by revocation time',
    );
  });

  test('each life event reads as seed 003 says; a good card and a renewed one are good', async () => {
    const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    // straight from J-LIS's HTTP body, as a stream
    const authIndex = await source.update(await jlis.crlStream(authCa));
    await source.update(await jlis.crl(signatureCa));
    const revokedAuth = [...events.values()].flatMap((e) =>
      e.result.revoked.filter((r) => r.purpose === 'auth'),
    );
    assert.equal(authIndex.size, revokedAuth.length);
    assert.equal(authIndex.lookup(revokedSerial('loss', 'auth'))?.reasonCode, 6);
    assert.equal(
      authIndex.lookup(revokedSerial('request', 'auth'))?.reasonCode,
      undefined,
      'unspecified: no reasonCode',
    );
    const at = sim.clock.now;

    const loginStatus = async (key: CardKey, certificate: Uint8Array) => {
      const l = login(key, certificate);
      try {
        const r = await verifyLogin(l.input, { validator, expected: l.expected, at, revocation: source });
        return { status: r.revocation.status, source: r.revocation.status === 'good' && r.revocation.source };
      } catch (e) {
        assert.equal((e as JpkiError).code, 'ERR_JPKI_CERT_REVOKED', (e as Error).message);
        const { reason, reasonCode, events: hints } = (e as CertificateRevokedError).revocation;
        return { status: 'revoked', reason, reasonCode, events: hints };
      }
    };
    const signatureStatus = async (card: TestCard) => {
      const r = await verifySignature(
        {
          document,
          signature: sign('sha256', document, card.signatureKey.privateKey),
          certificate: card.issued.signature!.der,
        },
        { validator, at, revocation: source, onRevoked: 'report' },
      );
      if (r.revocation.status !== 'revoked') return { status: r.revocation.status };
      const { status, reason, reasonCode, events: hints } = r.revocation;
      return { status, reason, reasonCode, events: hints };
    };
    const auth = (name: string) => {
      const { card } = events.get(name)!;
      return loginStatus(card.authKey, card.issued.auth.der);
    };
    const signature = (name: string) => signatureStatus(events.get(name)!.card);
    const revoked = (reason: string, reasonCode: number, hints: string[]) => ({
      status: 'revoked',
      reason,
      reasonCode,
      events: hints,
    });

    assert.deepEqual(await loginStatus(good.authKey, good.issued.auth.der), {
      status: 'good',
      source: 'crl',
    });
    assert.deepEqual(await signatureStatus(good), { status: 'good' });
    assert.deepEqual(await auth('loss'), revoked('certificateHold', 6, ['cardLost']));
    assert.deepEqual(await signature('loss'), revoked('certificateHold', 6, ['cardLost']));
    // a move changes the 4 items: the signature certificate goes, the auth one stays
    assert.deepEqual(
      await signature('move'),
      revoked('affiliationChanged', 3, ['basicInfoChanged', 'death', 'emigration']),
    );
    assert.deepEqual(await auth('move'), { status: 'good', source: 'crl' });
    assert.deepEqual(await auth('renewal'), revoked('superseded', 4, ['renewed']));
    assert.deepEqual(await signature('renewal'), revoked('superseded', 4, ['renewed']));
    assert.deepEqual(await loginStatus(renewedAuthKey, events.get('renewal')!.result.auth!.der), {
      status: 'good',
      source: 'crl',
    });
    assert.deepEqual(await auth('death'), revoked('affiliationChanged', 3, ['death', 'emigration']));
    assert.deepEqual(
      await signature('death'),
      revoked('affiliationChanged', 3, ['basicInfoChanged', 'death', 'emigration']),
    );
    assert.deepEqual(
      await auth('emigration'),
      revoked('cessationOfOperation', 5, ['cardLost', 'emigration']),
    );
    assert.deepEqual(
      await signature('emigration'),
      revoked('cessationOfOperation', 5, ['cardLost', 'emigration']),
    );
    assert.deepEqual(await auth('request'), revoked('unspecified', 0, ['other']));
    assert.deepEqual(await signature('request'), revoked('unspecified', 0, ['other']));
  });

  test('chunk boundaries anywhere give the same index; unsorted and long serials are found', async () => {
    // serials J-LIS never issues (1 byte, 8 bytes with and without a sign byte, 10 bytes, 3000 shuffled)
    // added to its own unsorted list
    const t = new Date('2026-03-01T00:00:00Z').getTime();
    const extra: CrlEntry[] = [
      { serial: '7FFFFFFFFFFFFFFA', revokedAt: t, reason: 1 },
      { serial: '5', revokedAt: t, reason: 0 },
      { serial: '123456789ABCDEF01234', revokedAt: t, reason: 5 },
      { serial: 'FEDCBA9876543210', revokedAt: t, reason: 3 },
      ...Array.from({ length: 3000 }, (_, i) => ({
        serial: (((i * 7919) % 3001) + 1000).toString(16),
        revokedAt: t,
        reason: 4,
      })),
    ];
    const own = (await sim.jlis.crls.current(authCa)).entries;
    const crl = await crlWithExtraEntries(sim.jlis, authCa, extra);
    for (const size of [1, 7, 64, 4093, crl.length]) {
      async function* chunks() {
        for (let i = 0; i < crl.length; i += size) yield crl.subarray(i, i + size);
      }
      const index = await buildCrlIndex(chunks(), { trust: validator.trust });
      assert.equal(index.size, extra.length + own);
      assert.equal(index.lookup('7FFFFFFFFFFFFFFA')?.reasonCode, 1);
      assert.equal(index.lookup('5')?.reasonCode, undefined);
      assert.equal(index.lookup('5')?.revokedAt.getTime(), t);
      assert.equal(index.lookup('123456789ABCDEF01234')?.reasonCode, 5);
      assert.equal(index.lookup('FEDCBA9876543210')?.reasonCode, 3);
      assert.equal(index.lookup('3E8')?.reasonCode, 4); // 1000
      assert.equal(index.lookup('4'), undefined);
      assert.equal(index.lookup(revokedSerial('loss', 'auth'))?.reasonCode, 6);
      assert.equal(index.lookup(revokedSerial('emigration', 'auth'))?.reasonCode, 5);
      assert.equal(index.lookup(good.issued.auth.serial), undefined);
    }
    // a web ReadableStream works the same
    const index = await buildCrlIndex(new Blob([crl as Uint8Array<ArrayBuffer>]).stream(), {
      trust: validator.trust,
    });
    assert.equal(index.size, extra.length + own);
  });

  test('a tampered CRL, or one another J-LIS signed, is invalid', async () => {
    const crl = await jlis.crl(authCa);
    assert.ok((await buildCrlIndex(crl, { trust: validator.trust })).lookup(revokedSerial('loss', 'auth')));
    // the lost card's entry now names another certificate
    const serial = Buffer.from(revokedSerial('loss', 'auth'), 'hex');
    const at = Buffer.from(crl).indexOf(Buffer.concat([Buffer.of(0x02, serial.length), serial]));
    assert.ok(at > 0);
    const tampered = crl.slice();
    tampered[at + 1 + serial.length] ^= 1;
    await rejects(buildCrlIndex(tampered, { trust: validator.trust }), 'ERR_JPKI_CRL_INVALID');

    // a second J-LIS, with the very same CA names and serials, revokes our good card's serial
    const rogue = await openSimulator();
    try {
      const victim = await rogue.issue();
      assert.equal(victim.issued.auth.serial, good.issued.auth.serial);
      await rogue.jlis.lifecycle.apply(victim.issued.cardId, { type: 'loss' });
      const forged = await (await rogue.serve()).crl(victim.issued.auth.caId);
      await rejects(buildCrlIndex(forged, { trust: validator.trust }), 'ERR_JPKI_CRL_INVALID');
      const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
      await rejects(source.update(forged), 'ERR_JPKI_CRL_INVALID');
    } finally {
      await rogue.close();
    }
  });

  test('updates swap atomically: a bad or older CRL leaves the current one in use', async () => {
    const source = new CrlRevocationSource({ trust: validator.trust, now: () => sim.clock.now });
    const older = await jlis.crl(authCa);
    await sim.jlis.crls.publish(authCa);
    const first = await source.update(await jlis.crl(authCa));
    const anchor = first.issuer;
    assert.ok(first.crlNumber! > (await buildCrlIndex(older, { trust: validator.trust })).crlNumber!);
    await rejects(source.update(new Uint8Array([0x30, 0x80])), 'ERR_JPKI_MALFORMED');
    await rejects(source.update(older), 'ERR_JPKI_CRL_INVALID');
    assert.equal(source.index(anchor), first);
    // one more revocation: J-LIS publishes the next CRL
    const stolen = await sim.issue();
    await sim.jlis.lifecycle.apply(stolen.issued.cardId, {
      type: 'request',
      purposes: ['auth'],
      reason: 'keyCompromise',
    });
    const newer = await source.update(await jlis.crl(authCa));
    assert.equal(source.index(anchor), newer);
    assert.equal(newer.size, first.size + 1);
    assert.equal(newer.lookup(stolen.issued.auth.serial)?.reasonCode, 1);
  });

  test('a stale CRL, or none, cannot vouch: revocation unknown, unless another source answers', async () => {
    // the relying party kept J-LIS's CRL two days, one past its nextUpdate
    const later = new Date(sim.clock.now.getTime() + 2 * DAY);
    const source = new CrlRevocationSource({ trust: validator.trust, now: () => later });
    const ok = login(good.authKey, good.issued.auth.der, later);
    const opts = { validator, expected: ok.expected, at: later };
    let e = await rejects(
      verifyLogin(ok.input, { ...opts, revocation: source }),
      'ERR_JPKI_REVOCATION_UNKNOWN',
    );
    assert.equal((e.cause as JpkiError).code, 'ERR_JPKI_CRL_INVALID');
    const kept = await source.update(await jlis.crl(authCa));
    assert.ok(kept.nextUpdate! < later);
    e = await rejects(verifyLogin(ok.input, { ...opts, revocation: source }), 'ERR_JPKI_REVOCATION_UNKNOWN');
    assert.equal((e.cause as JpkiError).code, 'ERR_JPKI_CRL_STALE');
    // OCSP unreachable first, then the fresh CRL J-LIS publishes then: the CRL answers
    sim.clock.now = later;
    const fresh = new CrlRevocationSource({ trust: validator.trust, now: () => later });
    assert.ok((await fresh.update(await jlis.crl(authCa))).nextUpdate! > later);
    const unreachable = new OcspClient({ url: 'http://127.0.0.1:9/ocsp', fetch, timeout: 1000 });
    const r = await verifyLogin(ok.input, { ...opts, revocation: [unreachable, fresh] });
    assert.equal(r.revocation.status === 'good' && r.revocation.source, 'crl');
  });

  test('100,000 more entries stream in fixed-size chunks from J-LIS’s encoder', async () => {
    const own = (await sim.jlis.crls.current(authCa)).entries;
    const chunks: Uint8Array[] = [];
    await writeCrlWithExtraEntries(
      sim.jlis,
      authCa,
      syntheticEntries(100_000, new Date('2026-01-01T00:00:00Z')),
      async (c) => {
        chunks.push(c.slice());
      },
    );
    assert.ok(chunks.length > 1);
    async function* source() {
      yield* chunks;
    }
    const index = await buildCrlIndex(source(), { trust: validator.trust });
    assert.equal(index.size, 100_000 + own);
    assert.ok(index.byteLength <= index.size * 13 + 64 * 13, `${index.byteLength} bytes`);
    assert.equal(index.lookup((0x10000000 + 99_999).toString(16))?.reasonCode, SYNTHETIC_REASONS[99_999 % 6]);
    assert.equal(index.lookup((0x10000000 + 99_998).toString(16))?.reasonCode, SYNTHETIC_REASONS[99_998 % 6]);
    assert.equal(index.lookup((0x10000000 + 100_000).toString(16)), undefined);
    assert.equal(index.lookup(revokedSerial('loss', 'auth'))?.reasonCode, 6);
  });
});
