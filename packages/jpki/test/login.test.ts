import assert from 'node:assert/strict';
import { constants, createHash, privateEncrypt, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CertificateValidator,
  createLoginChallenge,
  decodeLoginChallenge,
  encodeLoginChallenge,
  type JpkiError,
  loginChallengeDigestInfo,
  PRODUCTION_POLICIES,
  TEST_POLICIES,
  toPem,
  verifyLogin,
} from '@honnin/jpki';
import { openSimulator, type Simulator, type TestCard } from './support/simulator.ts';

const RP = 'dips-client';
const ORIGIN = 'https://dips.example.jp';

async function rejects(p: Promise<unknown> | (() => unknown), code: string): Promise<JpkiError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    assert.equal((e as JpkiError).code, code, (e as Error).message);
    return e as JpkiError;
  }
  assert.fail(`expected ${code}`);
}

describe('login verification with J-LIS simulator certificates', () => {
  let sim: Simulator;
  let card: TestCard;
  let validator: CertificateValidator;
  const t0 = new Date('2026-04-01T03:00:00Z');

  before(async () => {
    sim = await openSimulator(t0);
    card = await sim.issue();
    validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
  });
  after(() => sim.close());

  function login(over: { at?: Date; issuedAt?: Date; key?: TestCard['authKey']; cert?: Uint8Array } = {}) {
    const challenge = createLoginChallenge({ relyingParty: RP, origin: ORIGIN, now: over.issuedAt ?? t0 });
    const signature = sign('sha256', challenge.bytes, (over.key ?? card.authKey).privateKey);
    return {
      challenge,
      input: { challenge: challenge.bytes, signature, certificate: over.cert ?? card.issued.auth.der },
      expected: { relyingParty: RP, origin: ORIGIN, nonce: challenge.nonce },
    };
  }

  test('a login signed by the card the way the card signs (raw PKCS#1 over the DigestInfo) verifies', async () => {
    const { challenge, input, expected } = login();
    // the card pads the DigestInfo it is given: privateEncrypt with PKCS#1 type 1 padding
    const digestInfo = await loginChallengeDigestInfo(challenge.bytes);
    const signature = privateEncrypt(
      { key: card.authKey.privateKey, padding: constants.RSA_PKCS1_PADDING },
      digestInfo,
    );
    const r = await verifyLogin(
      { ...input, signature, certificate: toPem(card.issued.auth.der) },
      { validator, expected, at: new Date(t0.getTime() + 10_000) },
    );
    assert.equal(r.serial, card.issued.auth.serial);
    assert.equal(r.certificate.purpose, 'auth');
    assert.equal(r.certificate.basicInfo, undefined);
    assert.equal(r.issuer.purpose, 'auth');
    assert.deepEqual(r.revocation, { status: 'not-checked' });
    assert.equal(r.challenge.origin, ORIGIN);
  });

  test('the challenge must name this relying party, origin and nonce', async () => {
    const { input, expected } = login();
    for (const [field, value] of [
      ['relyingParty', 'other-client'],
      ['origin', 'https://evil.example'],
      ['nonce', 'A'.repeat(43)],
    ] as const) {
      const e = await rejects(
        verifyLogin(input, { validator, expected: { ...expected, [field]: value }, at: t0 }),
        'ERR_JPKI_CHALLENGE_MISMATCH',
      );
      assert.ok(Array.isArray(e.details?.mismatched));
    }
  });

  test('an old challenge or one dated in the future is refused', async () => {
    const old = login({ issuedAt: new Date(t0.getTime() - 301_000) });
    await rejects(
      verifyLogin(old.input, { validator, expected: old.expected, at: t0 }),
      'ERR_JPKI_CHALLENGE_EXPIRED',
    );
    const future = login({ issuedAt: new Date(t0.getTime() + 60_000) });
    await rejects(
      verifyLogin(future.input, { validator, expected: future.expected, at: t0 }),
      'ERR_JPKI_CHALLENGE_EXPIRED',
    );
    const ok = await verifyLogin(old.input, { validator, expected: old.expected, at: t0, maxAge: 600_000 });
    assert.equal(ok.serial, card.issued.auth.serial);
  });

  test('the signature certificate cannot log in', async () => {
    const { input, expected } = login({ key: card.signatureKey, cert: card.issued.signature!.der });
    await rejects(verifyLogin(input, { validator, expected, at: t0 }), 'ERR_JPKI_WRONG_PURPOSE');
  });

  test('a signature by another key, or over other bytes, is a bad signature', async () => {
    const other = login({ key: card.signatureKey });
    await rejects(
      verifyLogin(other.input, { validator, expected: other.expected, at: t0 }),
      'ERR_JPKI_BAD_SIGNATURE',
    );
    const { input, expected } = login();
    const tampered = {
      ...input,
      signature: new Uint8Array(input.signature).map((b, i) => (i === 7 ? b ^ 1 : b)),
    };
    await rejects(verifyLogin(tampered, { validator, expected, at: t0 }), 'ERR_JPKI_BAD_SIGNATURE');
    await rejects(
      verifyLogin({ ...input, signature: new Uint8Array(3) }, { validator, expected, at: t0 }),
      'ERR_JPKI_BAD_SIGNATURE',
    );
  });

  test('validity: before notBefore and after notAfter', async () => {
    const { input, expected } = login({ issuedAt: new Date(t0.getTime() - 120_000) });
    await rejects(
      verifyLogin(input, { validator, expected, at: new Date(t0.getTime() - 60_000) }),
      'ERR_JPKI_CERT_NOT_YET_VALID',
    );
    const late = new Date(card.issued.auth.notAfter.getTime() + 1000);
    const l = login({ issuedAt: late });
    await rejects(
      verifyLogin(l.input, { validator, expected: l.expected, at: late }),
      'ERR_JPKI_CERT_EXPIRED',
    );
  });

  test('a certificate from another J-LIS with the very same CA names is not trusted', async () => {
    const rogue = await openSimulator(t0);
    try {
      const rogueCard = await rogue.issue();
      assert.equal(rogueCard.issued.auth.der.length > 0, true);
      const { input, expected } = login({ key: rogueCard.authKey, cert: rogueCard.issued.auth.der });
      await rejects(verifyLogin(input, { validator, expected, at: t0 }), 'ERR_JPKI_CERT_NOT_TRUSTED');
    } finally {
      await rogue.close();
    }
  });

  test('every CA generation is trusted: a card from before a rollover still logs in', async () => {
    await sim.jlis.ca.rollover('auth');
    const newer = await sim.issue();
    assert.notEqual(newer.issued.auth.caId, card.issued.auth.caId);
    const all = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
    for (const c of [card, newer]) {
      const { input, expected } = login({ key: c.authKey, cert: c.issued.auth.der });
      const r = await verifyLogin(input, { validator: all, expected, at: t0 });
      assert.equal(r.issuer.der.length, c.issued.auth.caCertDer.length);
      assert.deepEqual(r.issuer.der, c.issued.auth.caCertDer);
    }
    // with only the newest generation configured, the older card is not trusted
    const onlyNew = new CertificateValidator({
      trustAnchors: [newer.issued.auth.caCertDer],
      policies: TEST_POLICIES,
    });
    const { input, expected } = login();
    await rejects(verifyLogin(input, { validator: onlyNew, expected, at: t0 }), 'ERR_JPKI_CERT_NOT_TRUSTED');
  });

  test('production policies refuse simulator certificates (test policy on the signature cert)', async () => {
    const prod = new CertificateValidator({ trustAnchors: sim.anchors(), policies: PRODUCTION_POLICIES });
    await rejects(
      () => prod.validate(card.issued.signature!.der, { purpose: 'signature', at: t0 }),
      'ERR_JPKI_NOT_JPKI',
    );
  });

  test('garbage in any field is a typed error', async () => {
    const { input, expected } = login();
    await rejects(
      verifyLogin(
        { ...input, certificate: new Uint8Array([0x30, 0x03, 1, 2]) },
        { validator, expected, at: t0 },
      ),
      'ERR_JPKI_MALFORMED',
    );
    await rejects(
      verifyLogin({ ...input, certificate: card.issued.auth.caCertDer }, { validator, expected, at: t0 }),
      'ERR_JPKI_NOT_JPKI',
    );
    await rejects(
      verifyLogin(
        { ...input, challenge: new TextEncoder().encode('hello') },
        { validator, expected, at: t0 },
      ),
      'ERR_JPKI_MALFORMED',
    );
  });
});

describe('login challenge format', () => {
  test('round-trips exactly and is readable text', () => {
    const c = createLoginChallenge({
      relyingParty: RP,
      origin: ORIGIN,
      now: new Date('2026-04-01T03:00:00Z'),
    });
    assert.equal(
      c.text,
      `honnin-jpki-login/1\nrp:${RP}\norigin:${ORIGIN}\nnonce:${c.nonce}\nissued:2026-04-01T03:00:00.000Z`,
    );
    assert.equal(c.nonce.length, 43);
    const d = decodeLoginChallenge(c.bytes);
    assert.equal(d.text, c.text);
    assert.equal(d.issuedAt.getTime(), c.issuedAt.getTime());
  });

  test('non-canonical encodings are refused', async () => {
    const c = createLoginChallenge({ relyingParty: RP, origin: ORIGIN });
    const variants = [
      `${c.text}\n`,
      c.text.replace('origin:https://dips.example.jp', 'origin:https://DIPS.example.jp'),
      c.text.replace('origin:https://dips.example.jp', 'origin:https://dips.example.jp/'),
      c.text.replace(/issued:.*/, 'issued:2026-04-01T03:00:00Z'),
      c.text.replace('\n', '\r\n'),
      c.text.replace('rp:', 'rp: '),
    ];
    for (const v of variants)
      await rejects(() => decodeLoginChallenge(new TextEncoder().encode(v)), 'ERR_JPKI_MALFORMED');
    await rejects(() => encodeLoginChallenge({ ...c, origin: 'javascript:alert(1)' }), 'ERR_JPKI_MALFORMED');
    await rejects(() => encodeLoginChallenge({ ...c, nonce: 'short' }), 'ERR_JPKI_MALFORMED');
  });

  test('the challenge encoder and DigestInfo bundle for a browser (no Node built-ins)', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [fileURLToPath(new URL('../src/login/challenge.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    assert.doesNotMatch(code, /from\s+["']node:|require\(/);
    // and the bundle works: a challenge's DigestInfo equals SHA-256 over its bytes behind the prefix
    const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
    const c = mod.createLoginChallenge({ relyingParty: RP, origin: ORIGIN });
    const di: Uint8Array = await mod.loginChallengeDigestInfo(c.bytes);
    assert.deepEqual(di.subarray(19), new Uint8Array(createHash('sha256').update(c.bytes).digest()));
  });

  test('the expected origin may be given in any URL spelling of the same origin', async () => {
    const sim = await openSimulator();
    try {
      const card = await sim.issue();
      const validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
      const at = sim.clock.now;
      const c = createLoginChallenge({ relyingParty: RP, origin: ORIGIN, now: at });
      const r = await verifyLogin(
        {
          challenge: c.bytes,
          signature: sign('sha256', c.bytes, card.authKey.privateKey),
          certificate: card.issued.auth.der,
        },
        {
          validator,
          expected: { relyingParty: RP, origin: 'https://DIPS.example.jp:443/path', nonce: c.nonce },
          at,
        },
      );
      assert.equal(r.serial, card.issued.auth.serial);
    } finally {
      await sim.close();
    }
  });
});
