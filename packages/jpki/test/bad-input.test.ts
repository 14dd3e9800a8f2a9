import assert from 'node:assert/strict';
import { constants, createHash, privateEncrypt, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  buildCms,
  buildCrlIndex,
  CertificateValidator,
  certIdFor,
  createLoginChallenge,
  createTrustStore,
  decodeLoginChallenge,
  encodeDigestInfo,
  isJpkiError,
  JPKI_ERRORS,
  OcspClient,
  parseCertificate,
  prepareCadesSignature,
  TEST_POLICIES,
  verifyCms,
  verifyLogin,
  verifyOcspResponse,
  verifySignature,
} from '@honnin/jpki';
import fc from 'fast-check';
import { type JlisService, openSimulator, type Simulator, type TestCard } from './support/simulator.ts';

/**
 * Random and mutated certificates, challenges, CMS, CRLs and OCSP responses:
 * every input ends in a result or a typed JpkiError — never another exception,
 * never a hang (each test runs under the runner's timeout).
 */
const RUNS = Number(process.env.HONNIN_FUZZ_RUNS ?? 200);

type Mutation = { kind: 'flip' | 'set' | 'truncate' | 'insert' | 'delete'; at: number; byte: number };
const mutations = fc.array(
  fc.record({
    kind: fc.constantFrom('flip', 'set', 'truncate', 'insert', 'delete'),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
) as fc.Arbitrary<Mutation[]>;

function mutate(base: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Array.from(base);
  for (const m of ms) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'flip') b[at] = (b[at] ?? 0) ^ (1 << (m.byte % 8));
    else if (m.kind === 'set') b[at] = m.byte;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b.splice(at, 0, m.byte);
    else b.splice(at, 1);
  }
  return new Uint8Array(b);
}

/** Bytes that are either random or a mutation of a real artefact. */
const inputsFrom = (real: Uint8Array) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 512 }),
    mutations.map((ms) => mutate(real, ms)),
  );

async function typedOrOk(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isJpkiError(e)) throw new Error(`untyped failure: ${(e as Error)?.stack ?? String(e)}`);
    assert.ok(
      JPKI_ERRORS.some(([cls]) => cls.code === e.code),
      `undocumented code ${e.code}`,
    );
  }
}

describe('bad input ends in typed errors', () => {
  let sim: Simulator;
  let card: TestCard;
  let validator: CertificateValidator;
  let jlis: JlisService;

  before(async () => {
    sim = await openSimulator();
    card = await sim.issue();
    validator = new CertificateValidator({
      trustAnchors: sim.anchors(),
      policies: TEST_POLICIES,
      cacheSize: 0,
    });
    jlis = await sim.serve();
  });
  after(() => sim.close());

  test('certificates', async () => {
    await fc.assert(
      fc.asyncProperty(inputsFrom(card.issued.signature!.der), (der) =>
        typedOrOk(() => parseCertificate(der, { policies: TEST_POLICIES })),
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(inputsFrom(card.issued.auth.caCertDer), (der) =>
        typedOrOk(() => createTrustStore([der])),
      ),
      { numRuns: RUNS },
    );
  });

  test('logins: challenge, signature and certificate', async () => {
    const c = createLoginChallenge({ relyingParty: 'rp', origin: 'https://rp.example', now: sim.clock.now });
    const signature = new Uint8Array(sign('sha256', c.bytes, card.authKey.privateKey));
    const expected = { relyingParty: 'rp', origin: 'https://rp.example', nonce: c.nonce };
    const base = { challenge: c.bytes, signature, certificate: card.issued.auth.der };
    const opts = { validator, expected, at: sim.clock.now };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('challenge', 'signature', 'certificate'),
        mutations,
        async (field, ms) => {
          await typedOrOk(() => verifyLogin({ ...base, [field]: mutate(base[field], ms) }, opts));
        },
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), (s) =>
        typedOrOk(() => decodeLoginChallenge(new TextEncoder().encode(s))),
      ),
      { numRuns: RUNS },
    );
  });

  test('raw signatures and CMS (built here and mutated)', async () => {
    const document = new TextEncoder().encode('document');
    const digest = new Uint8Array(createHash('sha256').update(document).digest());
    const certificate = card.issued.signature!.der;
    const rawSig = new Uint8Array(
      privateEncrypt(
        { key: card.signatureKey.privateKey, padding: constants.RSA_PKCS1_PADDING },
        encodeDigestInfo('sha256', digest),
      ),
    );
    const prepared = prepareCadesSignature({ certificate, content: document, signingTime: sim.clock.now });
    const cadesSig = new Uint8Array(
      privateEncrypt(
        { key: card.signatureKey.privateKey, padding: constants.RSA_PKCS1_PADDING },
        prepared.digestInfo,
      ),
    );
    const cades = buildCms({
      signature: cadesSig,
      certificate,
      signedAttributes: prepared.signedAttributes,
      content: document,
    });
    const plain = buildCms({ signature: rawSig, certificate, content: document, attach: false });
    const opts = { validator, at: sim.clock.now };
    await fc.assert(
      fc.asyncProperty(fc.oneof(inputsFrom(cades), inputsFrom(plain)), (cms) =>
        typedOrOk(() => verifyCms({ cms, content: document }, opts)),
      ),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(inputsFrom(rawSig), inputsFrom(digest), (signature, d) =>
        typedOrOk(() => verifySignature({ digest: d, signature, certificate }, opts)),
      ),
      { numRuns: RUNS },
    );
  });

  test('CRLs, whole and in random chunks', async () => {
    // J-LIS's auth CRL after a loss (certificateHold) and two requests (unspecified: no reason; keyCompromise)
    for (const event of [
      { type: 'loss' },
      { type: 'request' },
      { type: 'request', reason: 'keyCompromise' },
    ] as const) {
      await sim.jlis.lifecycle.apply((await sim.issue()).issued.cardId, event);
    }
    const crl = await jlis.crl(card.issued.auth.caId);
    assert.equal((await buildCrlIndex(crl, { trust: validator.trust })).size, 3);
    await fc.assert(
      fc.asyncProperty(inputsFrom(crl), fc.integer({ min: 1, max: 64 }), (bytes, size) =>
        typedOrOk(async () => {
          async function* chunks() {
            for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
          }
          await buildCrlIndex(chunks(), { trust: validator.trust });
        }),
      ),
      { numRuns: RUNS },
    );
  });

  test('OCSP responses from the simulator, mutated', async () => {
    let captured: Uint8Array | undefined;
    const client = new OcspClient({
      url: jlis.ocspUrl,
      nonce: false,
      headers: jlis.headers,
      now: () => sim.clock.now,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        const body = await res.arrayBuffer();
        captured = new Uint8Array(body);
        return { status: res.status, arrayBuffer: async () => body };
      },
    });
    const { certificate, anchor } = validator.validate(card.issued.auth.der, {
      purpose: 'auth',
      at: sim.clock.now,
    });
    assert.equal((await client.query(certificate, anchor)).status, 'good');
    const expect = {
      certId: certIdFor(certificate.fields, anchor),
      issuer: anchor,
      now: sim.clock.now.getTime(),
      clockSkew: 60_000,
      maxAge: 3_600_000,
    };
    await fc.assert(
      fc.asyncProperty(inputsFrom(captured!), (der) => typedOrOk(() => verifyOcspResponse(der, expect))),
      { numRuns: RUNS },
    );
  });
});
