import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toPem } from '@honnin/jpki';
import { storageBackends, tempDir } from '@honnin/runtime/testing';
import { fromHex } from '../src/apdu/bytes.ts';
import { CardStore } from '../src/store/card-store.ts';
import { ADULT, apdu, CHILD, type TestCards, testCards } from './support.ts';

const SELECT_JPKI = '00A4040C0AD392F000260100000001';
const SELECT = (ef: string) => `00A4020C02${ef}`;
const SHA256_PREFIX = '3031300D060960864801650304020105000420';

/** Reads the current EF as OpenSC does: 4 header bytes, then 256-byte chunks. */
async function readLoop(card: { transmit(b: Uint8Array): Promise<Uint8Array> }) {
  const head = await apdu(card, '00B0000004');
  assert.match(head, /^3082[0-9A-F]{4}9000$/, 'a certificate starts 30 82 LL LL');
  const total = Number.parseInt(head.slice(4, 8), 16) + 4;
  let out = '';
  let last = '';
  for (let off = 0; off < total; off += 256) {
    const r = await apdu(card, `00B0${off.toString(16).padStart(4, '0')}00`);
    assert.equal(r.slice(-4), '9000');
    last = r.slice(0, -4);
    out += last;
  }
  return { der: fromHex(out), total, lastChunk: last.length / 2 };
}

describe('JPKI AP, byte by byte', () => {
  let t: TestCards;
  before(async () => {
    t = await testCards();
  });
  after(() => t.close());

  test('SELECT, READ BINARY chunking and the end of the file', async () => {
    const { card } = await t.issue();
    assert.equal(await apdu(card, SELECT_JPKI), '9000');
    assert.equal(await apdu(card, SELECT('000A')), '9000');
    const { der, total, lastChunk } = await readLoop(card);
    assert.equal(der.length, total);
    assert.ok(lastChunk < 256 && lastChunk === total % 256, 'the last READ returns fewer bytes');
    assert.match(new X509Certificate(der).issuer, /JPKI for user authentication/);
    const end = total.toString(16).padStart(4, '0');
    assert.equal(await apdu(card, `00B0${end}00`), '6B00', 'reading at the end of the file');
    assert.equal(await apdu(card, '00B07FFF01'), '6B00', 'offset far past the end');
    // short-EF form selects and reads in one go
    assert.equal((await apdu(card, '00B08B0004')).slice(0, 4), '3082');
    // token info and availability are free
    const token = await apdu(card, '00B0860000');
    assert.equal(token.length, 160 * 2 + 4);
    assert.equal(
      Buffer.from(token.slice(0, 64), 'hex').toString('latin1'),
      'JPKIAPICCTOKEN2'.padEnd(32, ' '),
    );
    assert.equal(await apdu(card, '00B0880000'), '8F8F009000');
  });

  test('status words of unknown files, applications and commands', async () => {
    const { card } = await t.issue();
    assert.equal(await apdu(card, SELECT('000A')), '6A82', 'no AP selected yet');
    assert.equal(await apdu(card, '00A4040C0AD392F000260100000009'), '6A82', 'unknown AID');
    assert.equal(await apdu(card, SELECT_JPKI), '9000');
    assert.equal(await apdu(card, '00B0000004'), '6986', 'READ with no current EF');
    assert.equal(await apdu(card, SELECT('0099')), '6A82');
    assert.equal(await apdu(card, '00A4020C0300000A'), '6700', 'EF id of 3 bytes');
    assert.equal(await apdu(card, '00A4010C02000A'), '6A86', 'SELECT P1 01');
    assert.equal(await apdu(card, SELECT('0018')), '9000');
    assert.equal(await apdu(card, '00B0000004'), '6981', 'a PIN EF is not readable');
    assert.equal(await apdu(card, '00CA000000'), '6D00');
    assert.equal(await apdu(card, '80B0000004'), '6D00', 'READ BINARY is not a proprietary command');
    assert.equal(await apdu(card, 'A0B0000004'), '6E00');
    assert.equal(await apdu(card, '01B0000004'), '6881', 'logical channel 1');
    assert.equal(await apdu(card, '00B000'), '6700', 'truncated header');
    assert.equal(await apdu(card, '00A4040C05D392F00026'), '6A82');
    assert.equal(await apdu(card, '00A4040C0AD392F0002601000000'), '6700', 'Lc longer than the data');
    const challenge = await apdu(card, '0084000008');
    assert.match(challenge, /^[0-9A-F]{16}9000$/);
    assert.equal(await apdu(card, '0084000108'), '6A86');
  });

  test('VERIFY: tries left, empty VERIFY consumes nothing, 63C0 then 6984, success resets', async () => {
    const { card, summary } = await t.issue();
    await apdu(card, SELECT_JPKI);
    await apdu(card, SELECT('0018'));
    assert.equal(await apdu(card, '00200080'), '63C3');
    assert.equal(await apdu(card, '002000800439393939'), '63C2');
    assert.equal(await apdu(card, '00200080'), '63C2', 'empty VERIFY consumes nothing');
    assert.equal(await apdu(card, '002000800431323334'), '9000');
    assert.equal(await apdu(card, '00200080'), '63C3', 'success resets; empty VERIFY never says "verified"');
    assert.equal(await apdu(card, '002000800430303030'), '63C2');
    assert.equal(await apdu(card, '002000800430303030'), '63C1');
    assert.equal(await apdu(card, '002000800430303030'), '63C0');
    assert.equal(await apdu(card, '002000800431323334'), '6984', 'locked: the right PIN no longer works');
    assert.equal(await apdu(card, '00200080'), '6984');
    // re-select, reset and reload from the store give nothing back
    await apdu(card, SELECT_JPKI);
    card.reset();
    const again = await t.store.load(summary.id);
    await apdu(again, SELECT_JPKI);
    assert.equal(await apdu(again, '00200098'), '6984', 'P2 80|SFI names the PIN without a SELECT');
    assert.deepEqual((await t.store.summary(summary.id)).pins['jpki.auth'], { triesLeft: 0, maxTries: 3 });
    // the municipal office unblocks
    await t.store.unblock(summary.id, 'jpki.auth');
    const unblocked = await t.store.load(summary.id);
    await apdu(unblocked, SELECT_JPKI);
    assert.equal(await apdu(unblocked, '00200098'), '63C3');
  });

  test('the signature password guards the signature certificate; re-selecting the AP logs out', async () => {
    const { card } = await t.issue();
    await apdu(card, SELECT_JPKI);
    assert.equal(await apdu(card, SELECT('0001')), '9000');
    assert.equal(await apdu(card, '00B0000004'), '6982');
    assert.equal(await apdu(card, '00B0020004'), '6982', 'CA certificate is free, the certificate is not');
    assert.equal(await apdu(card, SELECT('001B')), '9000');
    assert.equal(await apdu(card, '00200080'), '63C5');
    assert.equal(await apdu(card, '002000800641424331323300'.slice(0, -2)), '9000');
    await apdu(card, SELECT('0001'));
    const { der } = await readLoop(card);
    assert.match(new X509Certificate(der).subject, /CN=/);
    await apdu(card, SELECT_JPKI);
    await apdu(card, SELECT('0001'));
    assert.equal(await apdu(card, '00B0000004'), '6982', 'logged out by the re-select');
  });

  test('COMPUTE DIGITAL SIGNATURE over a DigestInfo, checked by OpenSSL', async () => {
    const { card } = await t.issue();
    const dir = tempDir();
    try {
      const digest = createHash('sha256').update('本人').digest('hex');
      const info = `${SHA256_PREFIX}${digest}`;
      await apdu(card, SELECT_JPKI);
      await apdu(card, SELECT('0017'));
      assert.equal(await apdu(card, `802A008033${info}00`), '6982', 'no PIN yet');
      await apdu(card, SELECT('0018'));
      await apdu(card, '002000800431323334');
      assert.equal(await apdu(card, SELECT('000A')), '9000');
      assert.equal(await apdu(card, `802A008033${info}00`), '6A88', 'the current EF is no key');
      await apdu(card, SELECT('0017'));
      assert.equal(await apdu(card, `802A018033${info}00`), '6A86', 'P1 01');
      assert.equal(await apdu(card, `802A0080F6${'00'.repeat(246)}00`), '6700', 'longer than k − 11');
      const sig = await apdu(card, `802A008033${info}00`);
      assert.equal(sig.length, 512 + 4);
      assert.equal(sig.slice(-4), '9000');
      assert.equal(await apdu(card, `802A009733${info}00`), sig, 'P2 80|SFI names the key');
      // OpenSSL: the signature checks out against the auth certificate's key
      await apdu(card, SELECT('000A'));
      const { der } = await readLoop(card);
      writeFileSync(join(dir.dir, 'cert.pem'), toPem(der));
      writeFileSync(join(dir.dir, 'data'), '本人');
      writeFileSync(join(dir.dir, 'sig'), Buffer.from(sig.slice(0, -4), 'hex'));
      const pub = execFileSync('openssl', ['x509', '-in', join(dir.dir, 'cert.pem'), '-noout', '-pubkey']);
      writeFileSync(join(dir.dir, 'pub.pem'), pub);
      const out = execFileSync('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        join(dir.dir, 'pub.pem'),
        '-signature',
        join(dir.dir, 'sig'),
        join(dir.dir, 'data'),
      ]).toString();
      assert.match(out, /Verified OK/);
    } finally {
      dir.cleanup();
    }
  });

  test('CHANGE REFERENCE DATA after VERIFY', async () => {
    const { card, summary } = await t.issue();
    await apdu(card, SELECT_JPKI);
    await apdu(card, SELECT('0018'));
    assert.equal(await apdu(card, '002401800435363738'), '6982', 'not verified');
    await apdu(card, '002000800431323334');
    assert.equal(await apdu(card, '002401800335363738'.slice(0, -2)), '6A80', '3 digits');
    assert.equal(await apdu(card, '002400800435363738'), '6A86', 'P1 00 (old and new) is not supported');
    assert.equal(await apdu(card, '002401800435363738'), '9000');
    const reloaded = await t.store.load(summary.id);
    await apdu(reloaded, SELECT_JPKI);
    await apdu(reloaded, SELECT('0018'));
    assert.equal(await apdu(reloaded, '002000800431323334'), '63C2', 'the old PIN is gone');
    assert.equal(await apdu(reloaded, '002000800435363738'), '9000');
  });

  test('a holder under 15 has no signature certificate', async () => {
    const { card, summary } = await t.issue({ holder: CHILD, signPassword: 'ABC123' });
    assert.equal(summary.hasSignature, false);
    await apdu(card, SELECT_JPKI);
    assert.equal(await apdu(card, '00B0880000'), '008F009000');
    assert.equal(await apdu(card, SELECT('0001')), '6A82');
    assert.equal(await apdu(card, SELECT('001B')), '6A82');
    assert.equal(await apdu(card, SELECT('000A')), '9000');
  });

  test('smartphone tokens: their label, and the auth certificate needs the PIN', async () => {
    for (const [token, label] of [
      ['android', 'JPKIAPGPSETOKEN'],
      ['iphone', 'JPKIAPIOSTOKEN'],
    ] as const) {
      const { card } = await t.issue({ token });
      await apdu(card, SELECT_JPKI);
      const info = await apdu(card, '00B0860020');
      assert.equal(Buffer.from(info.slice(0, 64), 'hex').toString('latin1').trimEnd(), label);
      await apdu(card, SELECT('000A'));
      assert.equal(await apdu(card, '00B0000004'), '6982');
      await apdu(card, '00200098' + '0431323334');
      assert.equal((await apdu(card, '00B0000004')).slice(0, 4), '3082');
      assert.equal(await apdu(card, '00A4040C0AD3921000310001010408'), '6A82', 'no text AP on a phone');
    }
  });
});

for (const backend of storageBackends()) {
  test(`PIN counters survive a restart of the host (${backend.name})`, { skip: backend.skip }, async () => {
    const t = await testCards(backend);
    try {
      const { summary, card } = await t.issue({ holder: ADULT });
      await apdu(card, SELECT_JPKI);
      await apdu(card, SELECT('001B'));
      assert.equal(await apdu(card, '0020008006585858585858'), '63C4');
      // a second store on the same data stands for the restarted host
      const restarted = await CardStore.open({ storage: t.storageOptions, storageKey: t.storageKey });
      try {
        assert.equal((await restarted.summary(summary.id)).pins['jpki.signature']?.triesLeft, 4);
        const fresh = await restarted.load(summary.id);
        await apdu(fresh, SELECT_JPKI);
        assert.equal(await apdu(fresh, '0020009B'), '63C4');
      } finally {
        await restarted.close();
      }
      // another key does not open the sealed chip
      const wrongKey = await CardStore.open({ storage: t.storageOptions, storageKey: randomBytes(32) });
      try {
        await assert.rejects(wrongKey.load(summary.id), { code: 'card_storage_key_mismatch' });
      } finally {
        await wrongKey.close();
      }
    } finally {
      await t.close();
    }
  });
}
