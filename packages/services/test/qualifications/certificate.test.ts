import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { Encoder, Tag } from 'cbor-x';
import { coseVerify } from 'cose-kit';
import fc from 'fast-check';
import {
  decodePayload,
  openRecord,
  recordUrl,
  signRecord,
} from '../../src/qualifications/certificate/record.ts';
import type { IssuedCertificate } from '../../src/qualifications/registry/certificates.ts';
import { CrlChecker } from '../../src/qualifications/verification/revocation.ts';
import { CertificateVerifier, httpRegistryClient } from '../../src/qualifications/verification/verifier.ts';
import { type CertificateStack, certificateStackOn } from './stack.ts';

const cbor = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false });
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

for (const backend of storageBackends()) {
  describe(`digital qualification certificate (${backend.name})`, { skip: backend.skip }, () => {
    let stack: CertificateStack;
    let cert: IssuedCertificate;
    before(async () => {
      stack = await certificateStackOn(backend);
      cert = await stack.registerHolder('sub-holder-1');
    });
    after(async () => stack?.close());

    test('the record has the format of services.md: tag 18, PS256, text key id, two-letter keys', () => {
      assert.equal(cert.record[0], 0xd2);
      const opened = openRecord(cert.record);
      assert.equal(opened.keyId, 'P-000001');
      assert.deepEqual([...opened.protectedBytes], [0xa1, 0x01, 0x38, 0x24]); // {1: -37}
      const fields = decodePayload(opened.payload);
      assert.equal(fields.qualificationName, '社会福祉士');
      assert.equal(fields.holderName, '山田　花子');
      assert.equal(fields.holderBirthDate, '1985-06-15');
      assert.equal(fields.registrationNumber, '123456');
      assert.equal(fields.registrationDate, '2012-04-01');
      assert.match(fields.issueDate, /^\d{4}-\d{2}-\d{2}$/);
      assert.equal(fields.issuingBody, '厚生労働大臣');
      assert.equal(fields.qualificationId, '0101');
      assert.equal(fields.certificateId, cert.id);
      assert.match(cert.id, /^DQ[0-9A-F]{16}$/);
      assert.equal(fields.typeCode, '01');
      assert.equal(cert.url, `http://verify.test/w/?c=${b64(cert.record)}`);
    });

    test('an independent COSE implementation (cose-kit) verifies the record with the signing certificate', async () => {
      const der = await stack.registry.keys.certificate('P-000001');
      const signer = new X509Certificate(der!);
      assert.ok(signer.checkIssued(new X509Certificate(stack.rootDer)));
      // cose-kit decodes the tagged bytes with its own CBOR reader and checks PS256 through jose
      const { isValid, decoded } = await coseVerify(cert.record, signer.publicKey);
      assert.equal(isValid, true);
      assert.equal(decoded.alg, -37); // PS256
      const tampered = await coseVerify(flip(cert.record, 60), signer.publicKey);
      assert.equal(tampered.isValid, false);
    });

    test('a fresh certificate verifies: 有効です', async () => {
      const r = await stack.verifier.verify(cert.url);
      assert.equal(r.valid, true);
      assert.equal(r.record?.holderName, '山田　花子');
      // the base64 alone, in the standard alphabet with padding, as a pasted checkdata
      const r2 = await stack.verifier.verify(Buffer.from(cert.record).toString('base64'));
      assert.equal(r2.valid, true);
    });

    test('bad input gives a precise reason, never an exception', async () => {
      const opened = openRecord(cert.record);
      const tamperedPayload = cbor.encode(
        new Tag(
          [opened.protectedBytes, new Map([[4, opened.keyId]]), flip(opened.payload, 40), opened.signature],
          18,
        ),
      );
      const wrongKid = cbor.encode(
        new Tag([opened.protectedBytes, new Map([[4, 'P-999999']]), opened.payload, opened.signature], 18),
      );
      const noKid = cbor.encode(
        new Tag([opened.protectedBytes, new Map(), opened.payload, opened.signature], 18),
      );
      const es256 = cbor.encode(
        new Tag(
          [cbor.encode(new Map([[1, -7]])), new Map([[4, opened.keyId]]), opened.payload, opened.signature],
          18,
        ),
      );
      const cases: [string, string][] = [
        ['', 'empty'],
        ['https://example.com/some/page', 'not_our_qr'],
        ['WIFI:S:cafe;T:WPA;P:secret;;', 'not_our_qr'],
        ['http://verify.test/w/?c=%%%', 'not_base64'],
        ['not base64 at all!', 'not_base64'],
        [b64(cert.record.subarray(0, 200)), 'not_cbor'],
        [b64(new Uint8Array([0xd2, 0x84, 0x41])), 'not_cbor'],
        [b64(cbor.encode('just a string')), 'not_cose_sign1'],
        [b64(cbor.encode(new Tag([1, 2], 98))), 'not_cose_sign1'],
        [b64(es256), 'unsupported_algorithm'],
        [b64(noKid), 'key_id_missing'],
        [b64(wrongKid), 'unknown_key_id'],
        [b64(tamperedPayload), 'signature_invalid'],
        [b64(flip(cert.record, cert.record.length - 5)), 'signature_invalid'],
      ];
      for (const [input, reason] of cases) {
        const r = await stack.verifier.verify(input);
        assert.equal(r.valid, false, input);
        assert.equal(r.valid ? '' : r.reason, reason, `input ${input.slice(0, 40)}`);
      }
    });

    test("any text, and any change to a record's bytes, is 無効です with a reason (property)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
          const r = await stack.verifier.verify(text);
          return !r.valid && typeof r.reason === 'string';
        }),
        { numRuns: 150 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: cert.record.length - 1 }),
          fc.integer({ min: 1, max: 255 }),
          fc.nat({ max: cert.record.length - 1 }),
          async (at, xor, cut) => {
            const changed = new Uint8Array(cert.record);
            changed[at]! ^= xor;
            for (const bytes of [changed, cert.record.subarray(0, cut)]) {
              const r = await stack.verifier.verifyBytes(bytes);
              if (r.valid) return false;
            }
            return true;
          },
        ),
        { numRuns: 150 },
      );
    });

    test('a registry that cannot be reached is said so, not taken as valid', async () => {
      const offline = new CertificateVerifier({
        registry: httpRegistryClient('http://127.0.0.1:9'),
        crl: new CrlChecker({ rootDer: stack.rootDer, maxAgeMs: 0 }),
        rootDer: stack.rootDer,
      });
      const r = await offline.verify(cert.url);
      assert.equal(r.valid ? '' : r.reason, 'registry_unavailable');
    });

    test('a record signed with a real key for a certificate the registry never issued is unknown', async () => {
      const key = await stack.registry.keys.active();
      const forged = signRecord(
        { ...decodePayload(openRecord(cert.record).payload), certificateId: 'DQ0000000000000000' },
        key.keyId,
        key.privateKey,
      );
      const r = await stack.verifier.verify(recordUrl('http://verify.test', forged));
      assert.equal(r.valid ? '' : r.reason, 'unknown_certificate');
    });

    test('revoke, suspend, resume, delete and reissue change what the verifier says', async () => {
      const c = await stack.registerHolder('sub-holder-2', '佐藤　一郎', '0102');
      const reason = async (url: string) => {
        const r = await stack.verifier.verify(url);
        return r.valid ? 'valid' : r.reason;
      };
      assert.equal(await reason(c.url), 'valid');
      await stack.registry.certificates.act(c.id, 'suspend');
      assert.equal(await reason(c.url), 'suspended');
      await stack.registry.certificates.act(c.id, 'resume');
      assert.equal(await reason(c.url), 'valid');
      const next = await stack.registry.certificates.reissue(c.id);
      assert.equal(await reason(c.url), 'replaced');
      assert.equal(await reason(next.url), 'valid');
      await stack.registry.certificates.act(next.id, 'revoke');
      assert.equal(await reason(next.url), 'revoked');
      await stack.registry.certificates.act(next.id, 'delete');
      assert.equal(await reason(next.url), 'deleted');
      await assert.rejects(stack.registry.certificates.act(next.id, 'resume'), {
        code: 'certificate_status_conflict',
      });
    });

    test('a revoked signing certificate makes every record it signed invalid, until a new key signs', async () => {
      const c = await stack.registerHolder('sub-holder-3', '鈴木　次郎', '0201');
      const old = await stack.registry.keys.active();
      await stack.ca.revoke(old.certificate.serialNumber, 'keyCompromise');
      const r = await stack.verifier.verify(c.url);
      assert.equal(r.valid ? '' : r.reason, 'signer_revoked');
      const fresh = await stack.registry.keys.rotate();
      assert.equal(fresh.keyId, 'P-000002');
      const reissued = await stack.registry.certificates.reissue(c.id);
      assert.equal(openRecord(reissued.record).keyId, 'P-000002');
      assert.equal((await stack.verifier.verify(reissued.url)).valid, true);
    });
  });
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[at]! ^= 0x01;
  return copy;
}
