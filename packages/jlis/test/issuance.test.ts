import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { toPem as pem } from '@honnin/jpki';
import { decodeBasicInfoSan, OID } from '@honnin/jpki/profile';
import { isolatedStorage, storageBackends, tempDir } from '@honnin/runtime/testing';
import * as asn1js from 'asn1js';
import { openJlis } from '../src/index.ts';

const spki = () =>
  new Uint8Array(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }),
  );

const holder = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1' as const,
  municipalityCode: '131016',
};

for (const backend of storageBackends()) {
  describe(`J-LIS issuance on ${backend.name}`, { skip: backend.skip }, () => {
    test('a card gets a certificate pair that OpenSSL parses and verifies', async () => {
      const { options, cleanup } = isolatedStorage(backend, 'jlis');
      const tmp = tempDir();
      const now = new Date('2026-04-01T03:00:00Z');
      const jlis = await openJlis({ storage: options, now: () => now });
      try {
        const card = await jlis.issuer.issueCard({
          holder,
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        assert.ok(card.signature);
        const sig = new X509Certificate(card.signature.der);
        const auth = new X509Certificate(card.auth.der);
        assert.equal(sig.serialNumber, card.signature.serial);
        assert.ok(sig.verify(new X509Certificate(card.signature.caCertDer).publicKey));
        assert.ok(auth.verify(new X509Certificate(card.auth.caCertDer).publicKey));
        assert.equal(auth.subject.split('\n').length, 1, 'auth subject is a lone CN');
        // valid through the 5th birthday after issue (2031-02-17, end of day in Japan)
        assert.equal(card.signature.notAfter.toISOString(), '2031-02-17T14:59:59.000Z');
        // SAN decodes back to the 4 items, era-coded birth date 3 (昭和)
        const sanExt = sanFrom(card.signature.der);
        const info = decodeBasicInfoSan(sanExt);
        assert.equal(info.name, holder.name);
        assert.equal(info.birthDate, holder.birthDate);
        assert.equal(info.birthDateEra, 3);
        assert.equal(info.hasSubstitutes, false);

        const ca = join(tmp.dir, 'ca.pem');
        const leaf = join(tmp.dir, 'sig.pem');
        writeFileSync(ca, pem(card.signature.caCertDer));
        writeFileSync(leaf, pem(card.signature.der));
        const text = execFileSync('openssl', [
          'x509',
          '-in',
          leaf,
          '-noout',
          '-text',
          '-nameopt',
          'utf8',
        ]).toString();
        assert.match(text, /Digital Signature, Non Repudiation/);
        assert.match(text, new RegExp(OID.policySignatureTest.replaceAll('.', '\\.')));
        assert.match(text, /O\s*=\s*JPKI-TEST/);
        const verified = execFileSync('openssl', [
          'verify',
          '-attime',
          String(now.getTime() / 1000 + 60),
          '-CAfile',
          ca,
          leaf,
        ]).toString();
        assert.match(verified, /OK/);
      } finally {
        await jlis.close();
        await cleanup();
        tmp.cleanup();
      }
    });

    test('no signature certificate under 15; bad holders are refused with reasons', async () => {
      const { options, cleanup } = isolatedStorage(backend, 'jlis');
      const now = new Date('2026-04-01T03:00:00Z');
      const jlis = await openJlis({ storage: options, now: () => now });
      try {
        const child = await jlis.issuer.issueCard({
          holder: { ...holder, birthDate: '2012-06-01' },
          authPublicKey: spki(),
          signaturePublicKey: spki(),
        });
        assert.equal(child.signature, undefined);
        // minors' cards run to the 5th birthday
        assert.equal(child.expiresAt.toISOString(), '2030-06-01T14:59:59.000Z');
        await assert.rejects(
          jlis.issuer.issueCard({
            holder: { ...holder, birthDate: '1980-02-30', municipalityCode: '999999' },
            authPublicKey: spki(),
          }),
          (e: { code: string; message: string }) =>
            e.code === 'jlis_holder_invalid' && /birthDate/.test(e.message) && /municipality/.test(e.message),
        );
        await assert.rejects(jlis.issuer.issueCard({ holder, authPublicKey: new Uint8Array([1, 2, 3]) }), {
          code: 'jlis_public_key_invalid',
        });
      } finally {
        await jlis.close();
        await cleanup();
      }
    });

    test('a rollover issues from the new generation and the old one still verifies', async () => {
      const { options, cleanup } = isolatedStorage(backend, 'jlis');
      const jlis = await openJlis({ storage: options });
      try {
        const before = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        const oldRoot = jlis.ca.active('auth');
        const newRoot = await jlis.ca.rollover('auth');
        assert.notEqual(newRoot.id, oldRoot.id);
        assert.equal(jlis.ca.list('auth').length, 2);
        const after = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
        assert.equal(after.auth.caId, newRoot.id);
        assert.ok(
          new X509Certificate(before.auth.der).verify(new X509Certificate(oldRoot.certDer).publicKey),
        );
        assert.ok(
          !new X509Certificate(before.auth.der).verify(new X509Certificate(newRoot.certDer).publicKey),
        );
        assert.notEqual(before.auth.serial, after.auth.serial, 'serials stay unique across generations');
      } finally {
        await jlis.close();
        await cleanup();
      }
    });
  });
}

function sanFrom(certDer: Uint8Array): Uint8Array {
  const cert = new X509Certificate(certDer);
  assert.ok(cert.subjectAltName !== undefined || true);
  // find extension 2.5.29.17 in the raw DER
  const parsed = asn1js.fromBER(certDer);
  const tbs = (parsed.result as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const extsWrapper = tbs.valueBlock.value.find(
    (b) => b.idBlock.tagClass === 3 && b.idBlock.tagNumber === 3,
  ) as asn1js.Constructed;
  const exts = extsWrapper.valueBlock.value[0] as asn1js.Sequence;
  for (const e of exts.valueBlock.value as asn1js.Sequence[]) {
    const [oid, ...rest] = e.valueBlock.value;
    if ((oid as asn1js.ObjectIdentifier).valueBlock.toString() === OID.subjectAltName) {
      return new Uint8Array((rest[rest.length - 1] as asn1js.OctetString).valueBlock.valueHexView);
    }
  }
  throw new Error('no SAN');
}
