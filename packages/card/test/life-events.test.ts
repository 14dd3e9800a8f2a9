import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createJlisServer } from '@honnin/jlis/http/server';
import { parseCertificate, TEST_POLICIES } from '@honnin/jpki';
import { listen, MemoryState } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { JpkiClient } from '../src/client/jpki-client.ts';
import { CARD_FACE_EF } from '../src/formats/card-face.ts';
import { createCardHost } from '../src/host/server.ts';
import { httpCertifier } from '../src/issuing/certification.ts';
import { applyLifeEvent } from '../src/issuing/life-events.ts';
import { MemoryTransport } from '../src/transports/memory.ts';
import { WebSocketTransport } from '../src/transports/websocket.ts';
import { ADULT, CHILD, type TestCards, testCards } from './support.ts';

const data = new TextEncoder().encode('転居届');
const NEW_ADDRESS = '東京都新宿区西新宿２－８－１';
const serialOf = (der: Uint8Array) => parseCertificate(der, { policies: TEST_POLICIES }).serial;
const verifies = (der: Uint8Array, signature: Uint8Array) =>
  verify('sha256', data, parseCertificate(der, { policies: TEST_POLICIES }).publicKey, signature);

/**
 * What a municipal office does to a card in service — renewal, move, rename —
 * with J-LIS certifying the keys the card generated: the card reads back its
 * new certificates and 4 items through the JPKI client, signs with its new
 * keys, and keeps its PIN counters.
 */
for (const backend of storageBackends()) {
  describe(`life events of a virtual card on ${backend.name}`, { skip: backend.skip }, () => {
    let t: TestCards;
    before(async () => {
      t = await testCards(backend);
    });
    after(async () => {
      await t?.close();
    });

    const client = async (id: string) =>
      new JpkiClient(new MemoryTransport(await t.store.load(id)), {
        cvRoot: (await t.store.apIssuers()).rootPublicKey,
      });

    test('renewal: new keys and certificates, the old ones superseded, PIN counters kept', async () => {
      const { summary } = await t.issue();
      const before = await client(summary.id);
      const oldAuth = await before.readAuthCertificate();
      const oldSignature = await before.readSignatureCertificate('ABC123');
      await assert.rejects(before.signData('auth', '0000', data), { code: 'card_pin_wrong', triesLeft: 2 });

      const { card, certified } = await applyLifeEvent(t.store, summary.id, { type: 'renewal' }, t.certifier);
      assert.deepEqual(certified.revoked.map((r) => [r.purpose, r.serial, r.reason]).sort(), [
        ['auth', serialOf(oldAuth), 'superseded'],
        ['signature', serialOf(oldSignature), 'superseded'],
      ]);
      assert.equal(card.pins['jpki.auth']!.triesLeft, 2, 'the wrong PIN still counts');

      const after = await client(summary.id);
      const auth = await after.readAuthCertificate();
      assert.equal(serialOf(auth), certified.auth!.serial);
      assert.equal(await after.triesLeft('auth'), 2);
      const authSignature = await after.signData('auth', '1234', data);
      assert.ok(verifies(auth, authSignature), 'the new auth key is the one J-LIS certified');
      assert.ok(!verifies(oldAuth, authSignature), 'the old key is gone from the card');
      const signature = await after.readSignatureCertificate('ABC123');
      assert.equal(serialOf(signature), certified.signature!.serial);
      assert.ok(verifies(signature, await after.signData('signature', 'ABC123', data)));
      assert.equal(parseCertificate(signature, { policies: TEST_POLICIES }).basicInfo!.name, ADULT.name);

      const old = await t.jlis.records.certificate('auth', serialOf(oldAuth));
      assert.equal(old.reason, 'superseded');
      assert.equal(old.successorSerial, certified.auth!.serial, 'J-LIS links old → new');
    });

    test('move: 4 items, integrity record, card face and signature certificate; auth untouched', async () => {
      const { summary, envelope } = await t.issue();
      const before = await client(summary.id);
      const auth = await before.readAuthCertificate();
      const oldSignature = await before.readSignatureCertificate('ABC123');
      const face = await before.readCardFace({ verificationCodeB: envelope.verificationCodeB });

      const { certified } = await applyLifeEvent(
        t.store,
        summary.id,
        { type: 'move', address: NEW_ADDRESS, municipalityCode: '131041' },
        t.certifier,
      );
      assert.equal(certified.auth, undefined);
      assert.deepEqual(certified.revoked, [
        { purpose: 'signature', serial: serialOf(oldSignature), reason: 'affiliationChanged' },
      ]);

      const after = await client(summary.id);
      assert.deepEqual(await after.readAuthCertificate(), auth, 'the auth certificate stays');
      // read back through the integrity record and the face signature (checked by the client)
      assert.deepEqual(await after.readBasicInfo({ pin: '1234' }), {
        name: ADULT.name,
        address: NEW_ADDRESS,
        birthDate: ADULT.birthDate,
        sex: ADULT.sex,
      });
      const moved = await after.readCardFace({ verificationCodeB: envelope.verificationCodeB });
      assert.notDeepEqual(moved.addressImage, face.addressImage, 'the face shows the new address');
      assert.deepEqual(
        [moved.nameImage, moved.photo, moved.expiresOn, moved.securityCodeImage],
        [face.nameImage, face.photo, face.expiresOn, face.securityCodeImage],
      );
      const faceAp = (await t.store.chip(summary.id)).image.applets.find((a) => a.name === 'cardFace')!;
      const apInfo = faceAp.files.get(CARD_FACE_EF.apInfo);
      assert.ok(apInfo?.type === 'binary' && Buffer.from(apInfo.data).includes('131041'), 'new municipality');

      const signature = await after.readSignatureCertificate('ABC123');
      assert.equal(serialOf(signature), certified.signature!.serial);
      assert.equal(parseCertificate(signature, { policies: TEST_POLICIES }).basicInfo!.address, NEW_ADDRESS);
      assert.ok(verifies(signature, await after.signData('signature', 'ABC123', data)));
    });

    test('rename: the new name on the card, its certificate and in the wallet', async () => {
      const { summary, envelope } = await t.issue();
      const face = await (await client(summary.id)).readCardFace({
        verificationCodeB: envelope.verificationCodeB,
      });
      const { card } = await applyLifeEvent(
        t.store,
        summary.id,
        { type: 'rename', name: '両儀　幹也' },
        t.certifier,
      );
      assert.equal(card.holderName, '両儀　幹也');
      const after = await client(summary.id);
      assert.equal((await after.readBasicInfo({ pin: '1234' })).name, '両儀　幹也');
      const renamed = await after.readCardFace({ verificationCodeB: envelope.verificationCodeB });
      assert.notDeepEqual(renamed.nameImage, face.nameImage);
      assert.deepEqual(renamed.photo, face.photo, 'the same person, the same photo');
      const signature = await after.readSignatureCertificate('ABC123');
      assert.equal(parseCertificate(signature, { policies: TEST_POLICIES }).basicInfo!.name, '両儀　幹也');
    });

    test('a card without a signature certificate moves: only its 4 items change', async () => {
      const { summary } = await t.issue({ holder: CHILD, signPassword: undefined });
      const { certified } = await applyLifeEvent(
        t.store,
        summary.id,
        { type: 'move', address: '東京都八王子市元本郷町３－２４－１', municipalityCode: '132012' },
        t.certifier,
      );
      assert.deepEqual(certified, { revoked: [], auth: undefined, signature: undefined });
      const after = await client(summary.id);
      assert.equal(
        (await after.readBasicInfo({ pin: '1234' })).address,
        '東京都八王子市元本郷町３－２４－１',
      );
      assert.deepEqual(await after.readAvailability(), { auth: true, signature: false });
    });

    test('bad input and J-LIS refusals leave the card as it was', async () => {
      const { summary } = await t.issue();
      const auth = await (await client(summary.id)).readAuthCertificate();
      await assert.rejects(applyLifeEvent(t.store, summary.id, { type: 'move', address: ' ' }, t.certifier), {
        code: 'card_event_invalid',
      });
      await assert.rejects(
        applyLifeEvent(
          t.store,
          summary.id,
          { type: 'move', address: NEW_ADDRESS, municipalityCode: '999999' },
          t.certifier,
        ),
        { code: 'jlis_holder_invalid' },
      );
      const jlisCardId = await t.store.jlisCardId(summary.id);
      const record = await t.jlis.records.card(jlisCardId);
      assert.ok(
        record.certificates.every((c) => c.status === 'good'),
        'J-LIS revoked nothing',
      );
      // the card is reported lost: J-LIS certifies nothing more for it
      await t.jlis.lifecycle.apply(jlisCardId, { type: 'loss' });
      await assert.rejects(applyLifeEvent(t.store, summary.id, { type: 'renewal' }, t.certifier), {
        code: 'jlis_card_not_active',
      });
      assert.deepEqual(await (await client(summary.id)).readAuthCertificate(), auth);
    });
  });
}

describe('the card host life-event API (J-LIS over HTTP)', () => {
  const ADMIN = 'cards-admin-token-0123456789';
  let t: TestCards;
  let jlisApp: FastifyInstance;
  let app: FastifyInstance;
  let base: string;

  before(async () => {
    t = await testCards();
    jlisApp = await createJlisServer(t.jlis, { adminToken: 'jlis-admin-token-0123456789' });
    const jlisUrl = await listen(jlisApp, 0);
    ({ app } = await createCardHost({
      store: t.store,
      state: new MemoryState('cards'),
      allowedOrigins: [],
      admin: {
        token: ADMIN,
        certifier: () => httpCertifier({ jlisUrl, adminToken: 'jlis-admin-token-0123456789' }),
      },
    }));
    base = await listen(app, 0);
  });
  after(async () => {
    await app?.close();
    await jlisApp?.close();
    await t?.close();
  });

  const post = (id: string, body: unknown, token = ADMIN) =>
    fetch(`${base}/admin/cards/${id}/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });

  test('the admin token, the body and the card are checked first', async () => {
    const { summary } = await t.issue();
    for (const token of ['', 'wrong-token-0123456789']) {
      const r = await post(summary.id, { type: 'renewal' }, token);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: string }).error, 'card_admin_unauthorized');
    }
    const bad = await post(summary.id, { type: 'move' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /address/);
    const unknown = await post('00000000-0000-4000-8000-000000000000', { type: 'renewal' });
    assert.equal(unknown.status, 404);
    const refused = await post(summary.id, {
      type: 'move',
      address: NEW_ADDRESS,
      municipalityCode: '999999',
    });
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, 'jlis_holder_invalid');
  });

  test('a renewal ends open taps; the next tap reads the new certificate', async () => {
    const { summary } = await t.issue();
    const ws = `${base.replace('http', 'ws')}/v1/cards/${summary.id}/tap`;
    const tap = await WebSocketTransport.connect(ws);
    const old = await new JpkiClient(tap).readAuthCertificate();
    const r = await post(summary.id, { type: 'renewal' });
    assert.equal(r.status, 200);
    const body = (await r.json()) as {
      event: string;
      card: { id: string; removed: boolean };
      auth: { serial: string };
      signature: { serial: string };
      revoked: { purpose: string; serial: string; reason: string }[];
    };
    assert.equal(body.event, 'renewal');
    assert.equal(body.card.removed, false, 'back in the reader after the office');
    assert.ok(body.revoked.some((x) => x.purpose === 'auth' && x.serial === serialOf(old)));
    await assert.rejects(new JpkiClient(tap).readAuthCertificate(), { code: 'card_removed' });
    const again = await WebSocketTransport.connect(ws);
    try {
      assert.equal(serialOf(await new JpkiClient(again).readAuthCertificate()), body.auth.serial);
    } finally {
      await again.close();
    }
    assert.ok(!JSON.stringify(body).includes('PRIVATE'), 'no key material in the answer');
  });
});
