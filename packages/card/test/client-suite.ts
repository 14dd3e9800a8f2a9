import assert from 'node:assert/strict';
import { createHash, verify, X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CardDataInvalidError,
  CardRemovedError,
  NoSignatureCertificateError,
  PinFormatError,
  PinLockedError,
  WrongPinError,
} from '../src/client/errors.ts';
import { JpkiClient } from '../src/client/jpki-client.ts';
import { parseBasicInfo, parseIntegrity } from '../src/formats/card-info.ts';
import { parseCvCertificate } from '../src/formats/cv-certificate.ts';
import { digestInfo, verifyPkcs1 } from '../src/formats/rsa.ts';
import type { CardStore } from '../src/store/card-store.ts';
import type { CardTransport } from '../src/transports/transport.ts';
import { ADULT, CHILD, type TestCards, testCards } from './support.ts';

export interface Connected {
  transport: CardTransport;
  /** takes the card out of the reader */
  remove(): Promise<void>;
}

export interface TransportUnderTest {
  /** set up once (servers, daemons) with the store the cards live in */
  start?(store: CardStore): Promise<void>;
  connect(cardId: string, store: CardStore): Promise<Connected>;
  stop?(): Promise<void>;
}

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());
const png = (b: Uint8Array | undefined) =>
  b !== undefined && Buffer.from(b.subarray(0, 8)).toString('hex') === '89504e470d0a1a0a';

/**
 * The client's behaviour, identical over every transport: certificates,
 * signatures, PINs and their errors, the text and visual APs, card removal.
 */
export function clientSuite(
  name: string,
  make: () => TransportUnderTest,
  opts: { skip?: string | undefined } = {},
) {
  describe(`JPKI client over ${name}`, { skip: opts.skip }, () => {
    let t: TestCards;
    let under: TransportUnderTest;
    let adult: string;
    let child: string;
    const open: Connected[] = [];
    const client = async (id: string) => {
      const c = await under.connect(id, t.store);
      open.push(c);
      return { client: new JpkiClient(c.transport), connected: c };
    };

    before(async () => {
      t = await testCards();
      under = make();
      await under.start?.(t.store);
      adult = (await t.issue({ holder: ADULT })).summary.id;
      child = (await t.issue({ holder: CHILD, signPassword: undefined, individualNumber: '987654321093' }))
        .summary.id;
    });
    after(async () => {
      for (const c of open) await c.transport.close().catch(() => {});
      await under?.stop?.();
      await t?.close();
    });

    test('certificates, token and availability', async () => {
      const { client: c } = await client(adult);
      const auth = new X509Certificate(await c.readAuthCertificate());
      const authCa = new X509Certificate(await c.readAuthCaCertificate());
      assert.ok(auth.verify(authCa.publicKey));
      const sig = new X509Certificate(await c.readSignatureCertificate('abc123'));
      assert.ok(sig.verify(new X509Certificate(await c.readSignatureCaCertificate()).publicKey));
      assert.match(sig.issuer, /JPKI for digital signature/);
      assert.deepEqual(await c.readToken(), { token: 'card', label: 'JPKIAPICCTOKEN2' });
      assert.deepEqual(await c.readAvailability(), { auth: true, signature: true });
    });

    test('signing with either key, checked with the certificate', async () => {
      const { client: c } = await client(adult);
      const data = new TextEncoder().encode('ログイン challenge');
      for (const [key, credential] of [
        ['auth', '1234'],
        ['signature', 'ABC123'],
      ] as const) {
        const cert =
          key === 'auth' ? await c.readAuthCertificate() : await c.readSignatureCertificate(credential);
        const signature = await c.signData(key, credential, data);
        assert.equal(signature.length, 256);
        assert.ok(verify('sha256', data, new X509Certificate(cert).publicKey, signature), key);
      }
      const digest = createHash('sha1').update(data).digest();
      const sha1 = await c.signDigest('auth', '1234', 'SHA-1', digest);
      const cert = new X509Certificate(await c.readAuthCertificate());
      assert.ok(verify('sha1', data, cert.publicKey, sha1));
    });

    test('wrong PIN tells the tries left; success resets; the lock is typed', async () => {
      const { summary } = await t.issue({ holder: ADULT });
      const { client: c } = await client(summary.id);
      await assert.rejects(
        c.readSignatureCertificate('WRONG1'),
        (e: unknown) => e instanceof WrongPinError && e.triesLeft === 4 && e.code === 'card_pin_wrong',
      );
      assert.equal(await c.triesLeft('signature'), 4);
      await c.readSignatureCertificate('ABC123');
      assert.equal(await c.triesLeft('signature'), 5);
      await assert.rejects(c.sign('auth', '12a4', new Uint8Array(35)), PinFormatError);
      assert.equal(await c.triesLeft('auth'), 3, 'a malformed PIN never reaches the card');
      for (const left of [2, 1])
        await assert.rejects(
          c.signData('auth', '0000', new Uint8Array(1)),
          (e: unknown) => e instanceof WrongPinError && e.triesLeft === left,
        );
      await assert.rejects(
        c.signData('auth', '0000', new Uint8Array(1)),
        (e: unknown) => e instanceof PinLockedError && e.code === 'card_pin_locked',
      );
      await assert.rejects(c.signData('auth', '1234', new Uint8Array(1)), PinLockedError);
      assert.equal(await c.triesLeft('auth'), 0);
      assert.equal((await t.store.summary(summary.id)).pins['jpki.auth']?.triesLeft, 0);
    });

    test('changing the PIN, the password and the card-info PIN', async () => {
      const { summary } = await t.issue({ holder: ADULT });
      const { client: c } = await client(summary.id);
      await c.changePin('auth', '1234', '9876');
      await assert.rejects(c.changePin('auth', '1234', '1111'), WrongPinError);
      await c.signData('auth', '9876', new Uint8Array(3));
      await c.changePin('signature', 'abc123', 'newpass99');
      await c.readSignatureCertificate('NEWPASS99');
      await assert.rejects(c.changePin('cardInfo', '1234', '12'), PinFormatError);
      await c.changePin('cardInfo', '1234', '4321');
      assert.equal((await c.readIndividualNumber({ pin: '4321' })).length, 12);
    });

    test('個人番号 and the 4 items, checked against the integrity record', async () => {
      const { client: c } = await client(adult);
      assert.deepEqual(await c.readCardInfo({ pin: '1234' }), {
        individualNumber: '123456789018',
        basicInfo: { name: ADULT.name, address: ADULT.address, birthDate: ADULT.birthDate, sex: ADULT.sex },
      });
      assert.deepEqual(await c.readCardInfo({ verificationCodeA: '123456789018' }), {
        individualNumber: '123456789018',
      });
      const b = await c.readCardInfo({ verificationCodeB: '55021720362285' });
      assert.equal(b.individualNumber, undefined, '照合番号B does not open the 個人番号');
      assert.equal(b.basicInfo?.name, ADULT.name);
      await assert.rejects(
        c.readBasicInfo({ verificationCodeB: '55021720360000' }),
        (e: unknown) => e instanceof WrongPinError && e.triesLeft === 9,
      );
      assert.equal(await c.triesLeft('verificationCodeB'), 9);
      // the raw files a verifier checks itself: the integrity record covers the 4 items it got
      const files = await c.readCardInfoFiles({ pin: '1234' });
      const integrity = parseIntegrity(files.integrity);
      const cv = parseCvCertificate(files.cvCertificate);
      assert.ok(
        verifyPkcs1(cv.publicKey, digestInfo('SHA-256', sha256(integrity.signed)), integrity.signature),
      );
      assert.deepEqual(sha256(parseBasicInfo(files.basicInfo).hashed), integrity.basicInfoHash);
    });

    test('the card face, checked against its signature and the CV root', async () => {
      const issuers = await t.store.apIssuers();
      const root = parseCvCertificate(issuers.rootCertificate).publicKey;
      const transport = (await under.connect(adult, t.store)).transport;
      try {
        const c = new JpkiClient(transport, { cvRoot: root });
        const face = await c.readCardFace({ verificationCodeB: '55021720362285' });
        assert.equal(face.birthDate, ADULT.birthDate);
        assert.equal(face.sex, '1');
        assert.equal(face.expiresOn.slice(0, 4), '2036');
        assert.ok(png(face.nameImage) && png(face.addressImage) && png(face.securityCodeImage));
        assert.equal(
          Buffer.from(face.photo.subarray(4, 12)).toString('latin1'),
          'jP  \r\n\x87\n',
          'a JPEG 2000 file',
        );
        assert.equal(face.individualNumberImage, undefined);
        const withA = await c.readCardFace({ verificationCodeA: '123456789018' });
        assert.ok(png(withA.individualNumberImage));
        const info = await c.readCardInfo({ pin: '1234' });
        assert.equal(info.individualNumber, '123456789018');
        const stranger = new JpkiClient(transport, {
          cvRoot: { modulus: root.modulus.map((x) => x ^ 1), exponent: root.exponent },
        });
        await assert.rejects(
          stranger.readCardFace({ verificationCodeA: '123456789018' }),
          CardDataInvalidError,
        );
        await assert.rejects(stranger.readCardInfo({ pin: '1234' }), CardDataInvalidError);
      } finally {
        await transport.close();
      }
    });

    test('a card under 15 has no signature certificate', async () => {
      const { client: c } = await client(child);
      assert.deepEqual(await c.readAvailability(), { auth: true, signature: false });
      await assert.rejects(
        c.readSignatureCertificate('ABC123'),
        (e: unknown) =>
          e instanceof NoSignatureCertificateError &&
          (e as NoSignatureCertificateError).code === 'card_no_signature_certificate',
      );
      await assert.rejects(c.signData('signature', 'ABC123', new Uint8Array(1)), NoSignatureCertificateError);
      assert.equal((await c.readAuthCertificate()).length > 500, true);
    });

    test('card removed is a typed error', async () => {
      const { client: c, connected } = await client(adult);
      await c.readAuthCaCertificate();
      await connected.remove();
      await assert.rejects(
        c.readAuthCertificate(),
        (e: unknown) => e instanceof CardRemovedError && (e as CardRemovedError).code === 'card_removed',
      );
    });
  });
}
