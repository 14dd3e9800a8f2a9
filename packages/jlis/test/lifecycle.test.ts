import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { EVENT_REVOCATIONS } from '../src/index.ts';
import { clock, freshJlis, holder, spki } from './support.ts';

const rejectsWith = (code: string) => (e: { code?: string }) => e.code === code;

for (const backend of storageBackends()) {
  describe(`J-LIS life events on ${backend.name}`, { skip: backend.skip }, () => {
    test('a move replaces the signature certificate only, with the new 4 items, revoked affiliationChanged and linked', async () => {
      const t = clock('2026-04-01T03:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        t.advance(86_400_000);
        const moved = await jlis.lifecycle.apply(card.cardId, {
          type: 'move',
          holder: { address: '神奈川県横浜市中区本町６－５０－１０', municipalityCode: '141003' },
          signaturePublicKey: spki(),
        });
        assert.ok(moved.signature);
        assert.equal(moved.auth, undefined, 'the auth certificate is untouched');
        assert.deepEqual(
          moved.revoked.map((r) => [r.purpose, r.serial, r.reason]),
          [['signature', card.signature!.serial, 'affiliationChanged']],
        );
        const cert = new X509Certificate(moved.signature.der);
        assert.match(cert.subject, /L=Kanagawa-ken\nL=Yokohama-shi/);
        assert.match(Buffer.from(moved.signature.der).toString('utf8'), /横浜市中区本町/);

        const old = await jlis.records.certificate('signature', card.signature!.serial);
        assert.equal(old.status, 'revoked');
        assert.equal(old.event, 'move');
        assert.equal(old.successorSerial, moved.signature.serial);
        const fresh = await jlis.records.certificate('signature', moved.signature.serial);
        assert.equal(fresh.predecessorSerial, card.signature!.serial);
        assert.equal(fresh.municipalityCode, '141003');
        const auth = await jlis.records.certificate('auth', card.auth.serial);
        assert.equal(auth.status, 'good');
        assert.equal(auth.successorSerial, undefined);
      } finally {
        await done();
      }
    });

    test('a rename without a new key revokes the signature certificate; a later renewal links the new one to it', async () => {
      const t = clock('2026-04-01T03:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const renamed = await jlis.lifecycle.apply(card.cardId, {
          type: 'rename',
          holder: { name: '両儀　幹也' },
        });
        assert.equal(renamed.signature, undefined);
        assert.equal(renamed.revoked[0]?.reason, 'affiliationChanged');
        const renewed = await jlis.lifecycle.apply(card.cardId, {
          type: 'renewal',
          signaturePublicKey: spki(),
        });
        assert.ok(renewed.signature);
        assert.equal(renewed.revoked.length, 0, 'nothing valid was left to supersede');
        const fresh = await jlis.records.certificate('signature', renewed.signature.serial);
        assert.equal(fresh.predecessorSerial, card.signature!.serial);
        assert.match(Buffer.from(renewed.signature.der).toString('utf8'), /両儀/);
      } finally {
        await done();
      }
    });

    test('renewal supersedes both certificates and links old to new', async () => {
      const t = clock('2026-04-01T03:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        t.set('2030-12-01T00:00:00Z');
        const renewed = await jlis.lifecycle.apply(card.cardId, {
          type: 'renewal',
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        assert.ok(renewed.auth && renewed.signature);
        assert.deepEqual(renewed.revoked.map((r) => r.reason).sort(), ['superseded', 'superseded']);
        for (const purpose of ['auth', 'signature'] as const) {
          const old = await jlis.records.certificate(purpose, card[purpose]!.serial);
          assert.equal(old.reason, 'superseded');
          assert.equal(old.successorSerial, renewed[purpose]!.serial);
        }
        // the new certificates run to the 5th birthday after renewal, capped by the card (2036-02-17)
        assert.equal(renewed.auth.notAfter.toISOString(), '2035-02-17T14:59:59.000Z');
      } finally {
        await done();
      }
    });

    test('loss puts both certificates on hold and the lost card gets no new ones', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const lost = await jlis.lifecycle.apply(card.cardId, { type: 'loss' });
        assert.deepEqual(
          lost.revoked.map((r) => r.reason),
          ['certificateHold', 'certificateHold'],
        );
        assert.equal((await jlis.records.card(card.cardId)).status, 'lost');
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, { type: 'renewal', authPublicKey: spki() }),
          rejectsWith('jlis_card_not_active'),
        );
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, { type: 'loss' }),
          rejectsWith('jlis_card_not_active'),
        );
      } finally {
        await done();
      }
    });

    test('death revokes every certificate of every card (affiliationChanged); the holder is deceased', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const result = await jlis.lifecycle.apply(card.cardId, { type: 'death' });
        assert.equal(result.revoked.length, 2);
        assert.ok(result.revoked.every((r) => r.reason === EVENT_REVOCATIONS.death.reason));
        assert.equal(EVENT_REVOCATIONS.death.reason, 'affiliationChanged');
        const rec = await jlis.records.card(card.cardId);
        assert.equal(rec.holderStatus, 'deceased');
        assert.equal(rec.status, 'revoked');
        assert.ok(rec.certificates.every((c) => c.status === 'revoked' && c.event === 'death'));
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, { type: 'renewal', authPublicKey: spki() }),
          rejectsWith('jlis_holder_not_resident'),
        );
      } finally {
        await done();
      }
    });

    test('emigration revokes both with cessationOfOperation', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const result = await jlis.lifecycle.apply(card.cardId, { type: 'emigration' });
        assert.deepEqual(
          result.revoked.map((r) => r.reason),
          ['cessationOfOperation', 'cessationOfOperation'],
        );
        assert.equal((await jlis.records.card(card.cardId)).holderStatus, 'emigrated');
      } finally {
        await done();
      }
    });

    test('a holder request stops the chosen certificates; a leaked key is keyCompromise', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const leaked = await jlis.lifecycle.apply(card.cardId, {
          type: 'request',
          purposes: ['signature'],
          reason: 'keyCompromise',
        });
        assert.deepEqual(
          leaked.revoked.map((r) => [r.purpose, r.reason]),
          [['signature', 'keyCompromise']],
        );
        const rest = await jlis.lifecycle.apply(card.cardId, { type: 'request' });
        assert.deepEqual(
          rest.revoked.map((r) => [r.purpose, r.reason]),
          [['auth', 'unspecified']],
        );
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, { type: 'request' }),
          rejectsWith('jlis_no_live_certificate'),
        );
        // the card itself stays usable: a renewal issues new certificates
        const renewed = await jlis.lifecycle.apply(card.cardId, { type: 'renewal', authPublicKey: spki() });
        assert.ok(renewed.auth);
      } finally {
        await done();
      }
    });

    test('an administrator revokes one certificate with a reason; twice or unknown is refused', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const r = await jlis.lifecycle.revoke('auth', card.auth.serial, 'keyCompromise');
        assert.equal(r.reason, 'keyCompromise');
        assert.equal((await jlis.records.certificate('auth', card.auth.serial)).event, 'revoke');
        await assert.rejects(
          jlis.lifecycle.revoke('auth', card.auth.serial, 'unspecified'),
          rejectsWith('jlis_certificate_revoked'),
        );
        await assert.rejects(
          jlis.lifecycle.revoke('auth', 'FFFFFFF', 'unspecified'),
          rejectsWith('jlis_certificate_unknown'),
        );
      } finally {
        await done();
      }
    });

    test('an expired card gets no new certificates; a minor moving keeps the auth certificate only', async () => {
      const t = clock('2026-04-01T03:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      try {
        const child = await jlis.issuer.issueCard({
          holder: { ...holder, birthDate: '2014-05-05' },
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        const moved = await jlis.lifecycle.apply(child.cardId, {
          type: 'move',
          holder: { address: '東京都新宿区西新宿２－８－１', municipalityCode: '131041' },
          signaturePublicKey: spki(),
        });
        assert.equal(moved.signature, undefined, 'no signature certificate under 15');
        assert.equal(moved.revoked.length, 0);
        t.set('2031-06-01T00:00:00Z'); // the minor's card ran to the 5th birthday (2031-05-05)
        await assert.rejects(
          jlis.lifecycle.apply(child.cardId, { type: 'renewal', authPublicKey: spki() }),
          rejectsWith('jlis_card_expired'),
        );
      } finally {
        await done();
      }
    });

    test('a re-issued card (after a loss) supersedes the old card and links each certificate to its predecessor', async () => {
      const t = clock('2026-04-01T03:00:00Z');
      const { jlis, done } = await freshJlis(backend, t.now);
      try {
        const first = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        await jlis.lifecycle.apply(first.cardId, { type: 'loss' });
        t.advance(7 * 86_400_000);
        const second = await jlis.lifecycle.reissueCard({
          holderId: first.holderId,
          token: 'iphone',
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        assert.equal(second.holderId, first.holderId);
        assert.equal(second.revoked.length, 0, 'the lost card was already on hold');
        for (const purpose of ['auth', 'signature'] as const) {
          const old = await jlis.records.certificate(purpose, first[purpose]!.serial);
          assert.equal(old.reason, 'certificateHold', 'the hold stays the reason');
          assert.equal(old.successorSerial, second[purpose]!.serial);
          assert.equal(
            (await jlis.records.certificate(purpose, second[purpose]!.serial)).predecessorSerial,
            old.serial,
          );
        }
        assert.equal((await jlis.records.card(first.cardId)).status, 'revoked');
        assert.equal((await jlis.records.card(second.cardId)).token, 'iphone');

        // re-issuing while a card is valid supersedes its certificates
        const third = await jlis.lifecycle.reissueCard({ holderId: first.holderId, authPublicKey: spki() });
        assert.deepEqual(third.revoked.map((r) => [r.purpose, r.reason]).sort(), [
          ['auth', 'superseded'],
          ['signature', 'superseded'],
        ]);
        assert.equal(third.signature, undefined);
        assert.equal(
          (await jlis.records.certificate('auth', second.auth.serial)).successorSerial,
          third.auth.serial,
        );
        // later events act on the new card only
        const moved = await jlis.lifecycle.apply(third.cardId, {
          type: 'move',
          holder: { address: '沖縄県那覇市泉崎１－２－２', municipalityCode: '471011' },
          signaturePublicKey: spki(),
        });
        assert.equal(
          (await jlis.records.certificate('signature', moved.signature!.serial)).predecessorSerial,
          second.signature!.serial,
          'the signature chain continues across cards',
        );

        await assert.rejects(
          jlis.lifecycle.reissueCard({
            holderId: '00000000-0000-4000-8000-000000000000',
            authPublicKey: spki(),
          }),
          rejectsWith('jlis_holder_unknown'),
        );
        await jlis.lifecycle.apply(third.cardId, { type: 'death' });
        await assert.rejects(
          jlis.lifecycle.reissueCard({ holderId: first.holderId, authPublicKey: spki() }),
          rejectsWith('jlis_holder_not_resident'),
        );
      } finally {
        await done();
      }
    });

    test('bad input changes nothing: a bad key, a move without a new address, an unknown card', async () => {
      const { jlis, done } = await freshJlis(backend);
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, {
            type: 'move',
            holder: { address: '大阪府大阪市北区１', municipalityCode: '271004' },
            signaturePublicKey: new Uint8Array([48, 3, 2, 1, 0]),
          }),
          rejectsWith('jlis_public_key_invalid'),
        );
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, {
            type: 'move',
            holder: { municipalityCode: '999999', address: 'x' },
          }),
          rejectsWith('jlis_holder_invalid'),
        );
        await assert.rejects(
          jlis.lifecycle.apply(card.cardId, { type: 'move', holder: {} }),
          rejectsWith('jlis_event_invalid'),
        );
        await assert.rejects(
          jlis.lifecycle.apply('00000000-0000-0000-0000-000000000000', { type: 'loss' }),
          rejectsWith('jlis_card_unknown'),
        );
        const rec = await jlis.records.card(card.cardId);
        assert.ok(rec.certificates.every((c) => c.status === 'good'));
        assert.equal(rec.certificates.length, 2);
      } finally {
        await done();
      }
    });
  });
}
