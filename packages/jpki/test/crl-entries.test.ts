import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { openJlis } from '@honnin/jlis';
import { buildCrlIndex, createTrustStore } from '@honnin/jpki';
import { isolatedStorage } from '@honnin/runtime/testing';

const spki = () =>
  new Uint8Array(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }),
  );

test("a CRL index lists its entries with J-LIS's serials, times and reasons", async () => {
  const storage = isolatedStorage({ name: 'sqlite' }, 'jlis');
  const jlis = await openJlis({ storage: storage.options });
  const start = Math.floor(Date.now() / 1000) * 1000; // CRLs carry whole seconds
  try {
    const holder = {
      name: '黒桐　幹也',
      address: '東京都千代田区千代田１－１',
      birthDate: '1980-02-17',
      sex: '1' as const,
      municipalityCode: '131016',
    };
    const renewed = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
    const lost = await jlis.issuer.issueCard({
      holder: { ...holder, name: '蒼崎　橙子' },
      authPublicKey: spki(),
    });
    await jlis.lifecycle.apply(renewed.cardId, { type: 'renewal', authPublicKey: spki() });
    await jlis.lifecycle.apply(lost.cardId, { type: 'loss' });
    const trust = createTrustStore(jlis.ca.list().map((g) => g.certDer));
    const index = await buildCrlIndex(await jlis.crls.der(renewed.auth.caId), { trust });

    const entries = [...index.entries()];
    assert.equal(entries.length, index.size);
    const bySerial = new Map(entries.map((e) => [e.serial, e]));
    assert.equal(bySerial.get(renewed.auth.serial)?.reasonCode, 4, 'superseded');
    assert.equal(bySerial.get(lost.auth.serial)?.reasonCode, 6, 'certificateHold');
    for (const e of entries) {
      assert.match(e.serial, /^[1-9A-F][0-9A-F]*$/);
      assert.deepEqual(index.lookup(e.serial), { revokedAt: e.revokedAt, reasonCode: e.reasonCode });
      assert.ok(e.revokedAt.getTime() >= start && e.revokedAt.getTime() <= Date.now(), 'revocation time');
    }
  } finally {
    await jlis.close();
    await storage.cleanup();
  }
});
