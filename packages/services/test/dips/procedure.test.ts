import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createMailer, type Kysely, type Mailbox, type Mailer, silentLogger } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import { Accounts } from '../../src/dips/account/accounts.ts';
import { Applications } from '../../src/dips/application/applications.ts';
import { Outbox } from '../../src/dips/mail/outbox.ts';
import { Registrations } from '../../src/dips/staff/registrations.ts';
import type { DipsDB } from '../../src/dips/store/schema.ts';
import { Procedure } from '../../src/dips/verification/procedure.ts';
import { AIRCRAFT, dipsStorage, mailLink, OWNER, startTestMailbox } from './support.ts';

const MINUTE = 60_000;
const CARD = {
  name: '山田　太郎',
  address: '東京都千代田区千代田１－１',
  birthDate: '1990-04-01',
  sex: '1' as const,
};

/** The verification procedure and the staff steps as a state machine, on real storage and real SMTP. */
for (const backend of storageBackends()) {
  describe(`dips verification procedure (${backend.name})`, { skip: backend.skip }, () => {
    const clock = { now: Date.UTC(2026, 10, 22, 1, 0) };
    let store: Awaited<ReturnType<typeof dipsStorage>>;
    let db: Kysely<DipsDB>;
    let mailbox: Mailbox;
    let mailer: Mailer;
    let outbox: Outbox;
    let accounts: Accounts;
    let applications: Applications;
    let procedure: Procedure;
    let registrations: Registrations;
    let n = 0;

    before(async () => {
      store = await dipsStorage(backend, 'dipsproc');
      db = store.db;
      mailbox = await startTestMailbox();
      mailer = createMailer({ smtpUrl: mailbox.smtpUrl, from: 'dips@test' });
      const now = () => clock.now;
      outbox = new Outbox({ db, mailer, clock: now, logger: silentLogger(), messageIdDomain: 'dips.test' });
      accounts = new Accounts(db, now);
      applications = new Applications(db, now);
      procedure = new Procedure({
        db,
        clock: now,
        accounts,
        applications,
        outbox,
        publicUrl: 'http://dips.test',
        authWindowMs: 5 * MINUTE,
      });
      registrations = new Registrations({
        db,
        clock: now,
        applications,
        outbox,
        publicUrl: 'http://dips.test',
      });
    });
    after(async () => {
      await outbox.stop();
      mailer.close();
      await mailbox.close();
      await store.close();
    });

    /** An application through 登録申請, the mail check and ① — at ② signature. */
    async function atSignature(owner: Partial<typeof OWNER> = {}, aircraftCount = 1) {
      const email = `p${++n}@example.jp`;
      const details = { ...OWNER, ...owner, email };
      const created = await accounts.create(
        `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
        details,
        'drone2026',
      );
      assert.ok('account' in created);
      const account = created.account;
      let a = await applications.startOrResume(account.id, details);
      await applications.update(a.id, {
        method: 'mynumber_card',
        user_info: JSON.stringify({ same: 'same' }),
      });
      for (let i = 1; i <= aircraftCount; i++) {
        await applications.addAircraft(a.id, `k${i}`, {
          ...AIRCRAFT,
          serial: `SN-${i}`,
          manufacturingType: 'maker',
          category: 'rotorcraft_multicopter',
          remoteIdType: 'builtin',
          altered: 'no',
        });
      }
      const since = Date.now();
      await procedure.submit(await applications.forOffice(a.id), 'session-x');
      const mail = await mailbox.waitFor(email, { since });
      assert.equal(
        await procedure.confirmMail(mailLink(mail.text, '/mail-check/').split('/').pop()!),
        'confirmed',
      );
      a = await applications.forOffice(a.id);
      await procedure.acceptPrecautions(a);
      return { account, app: await applications.forOffice(a.id), email };
    }

    const sign = async (id: string) => procedure.beginSignature(await applications.forOffice(id));

    /** ② with the card whose items match: on to ④. */
    async function signMatching(id: string, sub: string, reference = 'tx') {
      const s = await sign(id);
      assert.equal(
        await procedure.signatureVerified(id, s.attempt, {
          card: CARD,
          sub,
          digestHex: s.digestHex,
          reference,
        }),
        'user_auth',
      );
    }

    /** ④ starts (within the window). */
    async function startUserAuth(id: string) {
      const started = await procedure.beginUserAuthentication(await applications.forOffice(id));
      assert.ok(typeof started === 'object');
      return started;
    }

    const evidence = (id: string) =>
      db
        .selectFrom('evidence')
        .select(['step', 'method', 'result', 'detail', 'reference', 'certificate_serial', 'document_digest'])
        .where('application_id', '=', id)
        .orderBy('id')
        .execute();

    test('matching items: signature, then user authentication within 5 minutes completes it', async () => {
      const { app, account } = await atSignature();
      assert.equal(app.stage, 'sign');
      assert.match(app.number!, /^20261122-\d{6}$/);
      const s = await sign(app.id);
      assert.equal(
        await procedure.signatureVerified(app.id, s.attempt, {
          card: CARD,
          sub: 'sub-1',
          digestHex: s.digestHex,
          reference: 'tx-1',
          certificateSerial: '1234',
        }),
        'user_auth',
      );
      assert.equal(procedure.windowLeftMs(await applications.forOffice(app.id)), 5 * MINUTE);
      clock.now += 4 * MINUTE;
      const started = await startUserAuth(app.id);
      assert.equal(
        await procedure.signatureVerified(app.id, s.attempt, {
          card: CARD,
          sub: 'sub-1',
          digestHex: 'x',
          reference: 'tx-old',
        }),
        'stale',
      );
      assert.equal(await procedure.userAuthenticated(app.id, started.attempt, { sub: 'sub-1' }), 'completed');
      assert.equal(
        await procedure.userAuthenticated(app.id, started.attempt, { sub: 'sub-1' }),
        'stale',
        'completes once',
      );
      const done = await applications.forOffice(app.id);
      assert.equal(done.status, 'received');
      assert.equal(done.fee_yen, 900);
      const acc = (await accounts.get({ id: account.id }))!;
      assert.equal(acc.platform_sub, 'sub-1');
      assert.equal(acc.sex, null, 'nothing replaced, nothing more kept');
      assert.deepEqual(
        (await evidence(app.id)).map((e) => [e.step, e.method, e.result]),
        [
          ['mail_check', 'email', 'ok'],
          ['signature', 'jpki_signature', 'ok'],
          ['user_auth', 'jpki_user_authentication', 'ok'],
        ],
      );
      const signed = (await evidence(app.id))[1]!;
      assert.equal(signed.certificate_serial, '1234');
      assert.equal(signed.reference, 'tx-1');
      assert.equal(signed.document_digest, s.digestHex);
      assert.match(signed.document_digest!, /^[0-9a-f]{64}$/);
    });

    test('differing items: the card replaces the account and owner data (sex kept), then a second signature', async () => {
      const { app, account } = await atSignature({
        address: '東京都千代田区千代田一丁目1番1号',
        name: '山田 太郎',
      });
      const first = await sign(app.id);
      assert.equal(
        await procedure.signatureVerified(app.id, first.attempt, {
          card: CARD,
          sub: 'sub-2',
          digestHex: first.digestHex,
          reference: 'tx-a',
        }),
        'mismatch',
      );
      await procedure.overwriteWithCard(await applications.forOffice(app.id));
      const after = await applications.forOffice(app.id);
      assert.equal(after.stage, 'resign');
      const owner = JSON.parse(after.owner!);
      assert.equal(owner.address, CARD.address);
      assert.equal(owner.name, CARD.name);
      assert.equal(owner.reading, OWNER.reading, 'the reading is not on the card and stays');
      const acc = (await accounts.get({ id: account.id }))!;
      assert.deepEqual(
        [acc.name, acc.address, acc.birth_date, acc.sex],
        [CARD.name, CARD.address, CARD.birthDate, '1'],
      );
      const second = await sign(app.id);
      assert.notEqual(second.digestHex, first.digestHex, 'the re-made application data is signed');
      assert.equal(
        await procedure.signatureVerified(app.id, second.attempt, {
          card: CARD,
          sub: 'sub-2',
          digestHex: second.digestHex,
          reference: 'tx-b',
        }),
        'user_auth',
      );
      assert.deepEqual(
        (await evidence(app.id)).map((e) => [e.step, e.result, e.detail]),
        [
          ['mail_check', 'ok', null],
          ['signature', 'basic_info_mismatch', 'address'],
          ['signature', 'ok', null],
        ],
      );
    });

    test('the 5-minute window: a PIN entered later sends the citizen back to the signature', async () => {
      const { app } = await atSignature();
      await signMatching(app.id, 'sub-3');
      const started = await startUserAuth(app.id);
      clock.now += 5 * MINUTE + 1000;
      assert.equal(
        await procedure.userAuthenticated(app.id, started.attempt, { sub: 'sub-3' }),
        'window_expired',
      );
      assert.equal((await applications.forOffice(app.id)).stage, 'sign');
      await signMatching(app.id, 'sub-3', 'tx2');
      clock.now += 6 * MINUTE;
      assert.equal(
        await procedure.beginUserAuthentication(await applications.forOffice(app.id)),
        'window_expired',
      );
      assert.deepEqual(
        (await evidence(app.id)).filter((e) => e.step === 'user_auth').map((e) => e.result),
        ['window_expired', 'window_expired'],
      );
    });

    test('another card at ④ than the one that signed is refused', async () => {
      const { app } = await atSignature();
      await signMatching(app.id, 'signer');
      const started = await startUserAuth(app.id);
      assert.equal(
        await procedure.userAuthenticated(app.id, started.attempt, { sub: 'someone-else' }),
        'different_person',
      );
      assert.equal((await applications.forOffice(app.id)).status, 'verifying');
    });

    test('staff: review sends the fee mail, payment, registration numbers once', async () => {
      const { app, email } = await atSignature({}, 2);
      await signMatching(app.id, 'sub-5');
      const started = await startUserAuth(app.id);
      assert.equal(await procedure.userAuthenticated(app.id, started.attempt, { sub: 'sub-5' }), 'completed');
      assert.deepEqual((await registrations.list('received')).map((r) => r.id).includes(app.id), true);

      assert.equal(await registrations.markPaid(app.id), false, 'no payment before the fee is asked for');
      const since = Date.now();
      assert.equal(await registrations.review(app.id), true);
      assert.equal(await registrations.review(app.id), false);
      const fee = await mailbox.waitFor(email, { since, subject: /手数料納付/ });
      const paymentNumber = (await applications.forOffice(app.id)).payment_number!;
      assert.match(paymentNumber, /^\d{16}$/);
      assert.ok(fee.text.includes(paymentNumber));
      assert.match(fee.text, /1,790円（機体 2機）/);
      assert.equal(await registrations.markPaid(app.id), true);
      assert.equal(await registrations.register(app.id), true);
      assert.equal(await registrations.register(app.id), false, 'registered once');
      const numbers = (await applications.aircraft(app.id)).map((r) => r.registration_number);
      assert.equal(numbers.length, 2);
      for (const x of numbers) assert.match(x!, /^JU[0-9A-HJ-NP-Z]{10}$/);
      const done = await mailbox.waitFor(email, { since, subject: /登録完了/ });
      for (const x of numbers) assert.ok(done.text.includes(x!));
    });
  });
}
