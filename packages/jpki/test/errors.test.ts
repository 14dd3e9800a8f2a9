import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  CertificateValidator,
  CrlRevocationSource,
  createLoginChallenge,
  createTrustStore,
  JPKI_ERRORS,
  type JpkiError,
  OcspClient,
  TEST_POLICIES,
  verifyLogin,
} from '@honnin/jpki';
import { createHttpServer, listen, silentLogger } from '@honnin/runtime';
import { openSimulator, type Simulator, type TestCard } from './support/simulator.ts';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: JpkiError) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('the error list', () => {
  test('one documented class per stable code', () => {
    const codes = JPKI_ERRORS.map(([cls]) => cls.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const [cls, doc] of JPKI_ERRORS) {
      assert.match(cls.code, /^ERR_JPKI_[A-Z_]+$/);
      assert.ok(doc.length > 10);
      const e = new cls('x', {
        reason: 'unspecified',
        reasonCode: 0,
        revokedAt: '',
        events: [],
        meaning: { ja: '', en: '' },
      } as never);
      assert.equal(e.code, cls.code);
      assert.ok(e.status >= 400 && e.status < 600);
      assert.equal(e.name, cls.name);
    }
  });
});

describe('errors with J-LIS simulator artefacts', () => {
  let sim: Simulator;
  let card: TestCard;

  before(async () => {
    sim = await openSimulator();
    card = await sim.issue();
  });
  after(() => sim.close());

  test('options that cannot work are ERR_JPKI_INVALID_OPTIONS', () => {
    throwsCode(() => createTrustStore([]), 'ERR_JPKI_INVALID_OPTIONS');
    // a card certificate is no trust anchor
    throwsCode(() => createTrustStore([card.issued.auth.der]), 'ERR_JPKI_INVALID_OPTIONS');
    throwsCode(() => createTrustStore('no PEM here'), 'ERR_JPKI_INVALID_OPTIONS');
    throwsCode(
      () => new OcspClient({ url: 'http://x', fetch: undefined as never }),
      'ERR_JPKI_INVALID_OPTIONS',
    );
    throwsCode(() => new CrlRevocationSource({ trust: undefined as never }), 'ERR_JPKI_INVALID_OPTIONS');
  });

  test('an honnin HTTP server answers a failed verification with its stable code, no stack', async () => {
    const validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
    const app = createHttpServer({ name: 'jpki-test', logger: silentLogger() });
    const c = createLoginChallenge({ relyingParty: 'rp', origin: 'https://rp.example', now: sim.clock.now });
    const signature = sign('sha256', c.bytes, card.authKey.privateKey);
    app.post('/login', async (req) => {
      const { nonce } = req.body as { nonce: string };
      const r = await verifyLogin(
        { challenge: c.bytes, signature, certificate: card.issued.auth.der },
        {
          validator,
          expected: { relyingParty: 'rp', origin: 'https://rp.example', nonce },
          at: sim.clock.now,
        },
      );
      return { serial: r.serial };
    });
    const url = await listen(app, 0);
    try {
      const ok = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nonce: c.nonce }),
      });
      assert.deepEqual(await ok.json(), { serial: card.issued.auth.serial });
      const bad = await fetch(`${url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nonce: 'x'.repeat(43) }),
      });
      assert.equal(bad.status, 400);
      const body = (await bad.json()) as { error: string; message: string; stack?: string };
      assert.equal(body.error, 'ERR_JPKI_CHALLENGE_MISMATCH');
      assert.equal(body.stack, undefined);
      assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+/);
    } finally {
      await app.close();
    }
  });
});
