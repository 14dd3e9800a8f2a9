import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, privateEncrypt, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildCms,
  CertificateValidator,
  encodeDigestInfo,
  type JpkiError,
  prepareCadesSignature,
  TEST_POLICIES,
  toPem,
  verifyCms,
  verifySignature,
} from '@honnin/jpki';
import { tempDir } from '@honnin/runtime/testing';
import { openSimulator, type Simulator, type TestCard } from './support/simulator.ts';

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<JpkiError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.equal((e as JpkiError).code, code, (e as Error).message);
    return e as JpkiError;
  }
  assert.fail(`expected ${code}`);
}

/** How the card signs: PKCS#1 v1.5 padding of the DigestInfo it is handed. */
const cardSigns = (key: TestCard['signatureKey'], digestInfo: Uint8Array) =>
  new Uint8Array(privateEncrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo));
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

describe('signature verification with J-LIS simulator certificates', () => {
  let sim: Simulator;
  let card: TestCard;
  let validator: CertificateValidator;
  const document = new TextEncoder().encode('飛行許可申請書 — 申請者の署名');
  const tmp = tempDir('honnin-jpki-');

  before(async () => {
    sim = await openSimulator();
    card = await sim.issue({ name: '髙橋　一郎', nameFlags: '10000', birthDate: '1989-01-08' });
    validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
    writeFileSync(
      join(tmp.dir, 'ca.pem'),
      sim
        .anchors()
        .map((d) => toPem(d))
        .join(''),
    );
    writeFileSync(join(tmp.dir, 'sig.pem'), toPem(card.issued.signature!.der));
    writeFileSync(
      join(tmp.dir, 'sig.key'),
      card.signatureKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    writeFileSync(join(tmp.dir, 'doc.txt'), document);
  });
  after(async () => {
    tmp.cleanup();
    await sim.close();
  });

  test('a raw signature over a document, a digest or a DigestInfo gives the signer 4 items', async () => {
    const digestInfo = encodeDigestInfo('sha256', sha256(document));
    const signature = cardSigns(card.signatureKey, digestInfo);
    const certificate = card.issued.signature!.der;
    for (const content of [{ document }, { digest: sha256(document) }, { digestInfo }]) {
      const r = await verifySignature(
        { ...content, signature, certificate },
        { validator, at: sim.clock.now },
      );
      assert.equal(r.serial, card.issued.signature!.serial);
      assert.equal(r.signer.name, '髙橋　一郎');
      assert.equal(r.signer.nameFlags, '10000');
      assert.equal(r.signer.hasSubstitutes, true);
      assert.equal(r.signer.birthDate, '1989-01-08');
      assert.equal(r.signer.birthDateEra, 4); // 平成 starts that day
      assert.equal(r.signer.sex, '1');
      assert.equal(r.signingTime, undefined);
      assert.deepEqual(r.revocation, { status: 'not-checked' });
    }
  });

  test('a raw signature over another document is a bad signature; odd hashes are refused', async () => {
    const signature = cardSigns(card.signatureKey, encodeDigestInfo('sha256', sha256(document)));
    const certificate = card.issued.signature!.der;
    await rejects(
      verifySignature({ document: new Uint8Array([1, 2, 3]), signature, certificate }, { validator }),
      'ERR_JPKI_BAD_SIGNATURE',
    );
    await rejects(
      verifySignature({ document, hash: 'md5' as 'sha256', signature, certificate }, { validator }),
      'ERR_JPKI_UNSUPPORTED',
    );
    await rejects(
      verifySignature({ digestInfo: new Uint8Array(35), signature, certificate }, { validator }),
      'ERR_JPKI_MALFORMED',
    );
  });

  test('a signature with the auth certificate is the wrong purpose', async () => {
    const signature = sign('sha256', document, card.authKey.privateKey);
    await rejects(
      verifySignature({ document, signature, certificate: card.issued.auth.der }, { validator }),
      'ERR_JPKI_WRONG_PURPOSE',
    );
  });

  test('CMS signed by `openssl cms -sign` with a simulator key verifies (attached, detached, CAdES)', async () => {
    for (const flags of [
      ['-nodetach'],
      [],
      ['-nodetach', '-cades'],
      ['-cades'],
      ['-nodetach', '-keyid'],
      ['-nodetach', '-md', 'sha512'],
      ['-nodetach', '-noattr'],
      ['-nodetach', '-nocerts'],
    ]) {
      const out = join(tmp.dir, 'openssl.p7s');
      execFileSync('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-md',
        'sha256',
        ...flags,
        '-in',
        join(tmp.dir, 'doc.txt'),
        '-signer',
        join(tmp.dir, 'sig.pem'),
        '-inkey',
        join(tmp.dir, 'sig.key'),
        '-outform',
        'DER',
        '-out',
        out,
      ]);
      const cms = new Uint8Array(readFileSync(out));
      const attached = flags.includes('-nodetach');
      const content = attached ? undefined : document;
      let certificate: Uint8Array | undefined;
      if (flags.includes('-nocerts')) {
        // the CMS does not carry the signer: the caller must give it
        await rejects(verifyCms({ cms, content }, { validator }), 'ERR_JPKI_MALFORMED');
        certificate = card.issued.signature!.der;
      }
      const r = await verifyCms({ cms, content, certificate }, { validator });
      assert.equal(r.signer.address, '東京都千代田区千代田１－１');
      assert.equal(r.hash, flags.includes('sha512') ? 'sha512' : 'sha256');
      if (flags.includes('-noattr')) assert.equal(r.signingTime, undefined);
      else
        assert.ok(r.signingTime instanceof Date && Math.abs(r.signingTime.getTime() - Date.now()) < 600_000);
      assert.equal(r.cades, flags.includes('-cades'));
      if (attached) assert.deepEqual(r.content, document);
      else await rejects(verifyCms({ cms }, { validator }), 'ERR_JPKI_MALFORMED');
      await rejects(
        verifyCms({ cms, content: new TextEncoder().encode('another document'), certificate }, { validator }),
        'ERR_JPKI_BAD_SIGNATURE',
      );
    }
  });

  test('CMS built here from a raw signature verifies with `openssl cms -verify`', async () => {
    const signature = cardSigns(card.signatureKey, encodeDigestInfo('sha256', sha256(document)));
    const certificate = card.issued.signature!.der;
    for (const attach of [true, false]) {
      const cms = buildCms({ signature, certificate, content: document, attach });
      const file = join(tmp.dir, `raw-${attach}.p7s`);
      writeFileSync(file, cms);
      const args = [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        file,
        '-CAfile',
        join(tmp.dir, 'ca.pem'),
      ];
      const out = execFileSync('openssl', attach ? args : [...args, '-content', join(tmp.dir, 'doc.txt')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.deepEqual(new Uint8Array(out), document);
      const r = await verifyCms({ cms, content: attach ? undefined : document }, { validator });
      assert.equal(r.serial, card.issued.signature!.serial);
    }
    // a signature that is not over this content is refused before anything is built
    await rejects(
      () => buildCms({ signature, certificate, content: new Uint8Array([9]) }),
      'ERR_JPKI_BAD_SIGNATURE',
    );
  });

  test('CAdES-BES built here (card signs the signed attributes) verifies with OpenSSL and here', async () => {
    const signingTime = new Date('2026-04-01T03:04:05Z');
    const certificate = card.issued.signature!.der;
    const prepared = prepareCadesSignature({ certificate, content: document, signingTime });
    const signature = cardSigns(card.signatureKey, prepared.digestInfo);
    const cms = buildCms({
      signature,
      certificate,
      signedAttributes: prepared.signedAttributes,
      digest: sha256(document),
    });
    const file = join(tmp.dir, 'cades.p7s');
    writeFileSync(file, cms);
    execFileSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        file,
        '-CAfile',
        join(tmp.dir, 'ca.pem'),
        '-content',
        join(tmp.dir, 'doc.txt'),
        '-out',
        '/dev/null',
      ],
      { stdio: 'pipe' },
    );
    const printed = execFileSync('openssl', [
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      file,
    ]).toString();
    assert.match(printed, /id-smime-aa-signingCertificateV2/);
    const r = await verifyCms({ cms, content: document }, { validator });
    assert.equal(r.cades, true);
    assert.equal(r.signingTime?.toISOString(), signingTime.toISOString());
    assert.equal(r.signer.name, '髙橋　一郎');
    // the same detached CMS checked against a digest only
    const byDigest = await verifyCms({ cms, digest: sha256(document) }, { validator });
    assert.equal(byDigest.serial, r.serial);
  });

  test('CMS signed with the auth key and certificate is the wrong purpose', async () => {
    const digestInfo = encodeDigestInfo('sha256', sha256(document));
    const signature = new Uint8Array(
      privateEncrypt({ key: card.authKey.privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
    );
    const cms = buildCms({ signature, certificate: card.issued.auth.der, content: document });
    await rejects(verifyCms({ cms }, { validator }), 'ERR_JPKI_WRONG_PURPOSE');
  });
});
