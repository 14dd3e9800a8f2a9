import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  type CertificateRevokedError,
  CertificateValidator,
  createLoginChallenge,
  type JpkiError,
  OcspClient,
  type OcspFetch,
  TEST_POLICIES,
  verifyLogin,
  verifySignature,
} from '@honnin/jpki';
import {
  cardKey,
  type JlisService,
  openSimulator,
  type Simulator,
  type TestCard,
} from './support/simulator.ts';

async function rejects(p: Promise<unknown>, code: string): Promise<JpkiError> {
  try {
    await p;
  } catch (e) {
    assert.equal((e as JpkiError).code, code, (e as Error).message);
    return e as JpkiError;
  }
  assert.fail(`expected ${code}`);
}

/** Someone between us and J-LIS who answers every request after the first with J-LIS's first answer. */
function replaying(): OcspFetch {
  let first: ArrayBuffer | undefined;
  return async (url, init) => {
    if (!first) first = await (await fetch(url, init)).arrayBuffer();
    const body = first;
    return { status: 200, arrayBuffer: async () => body };
  };
}

/** A TCP peer that accepts connections and never says a word. */
async function silentResponder(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/ocsp`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('OCSP client against J-LIS’s own HTTP server', () => {
  let sim: Simulator;
  let jlis: JlisService;
  let validator: CertificateValidator;
  const document = new TextEncoder().encode('口座開設申込書');

  before(async () => {
    sim = await openSimulator();
    jlis = await sim.serve();
    validator = new CertificateValidator({ trustAnchors: sim.anchors(), policies: TEST_POLICIES });
  });
  after(() => sim.close());

  const client = (over: Partial<ConstructorParameters<typeof OcspClient>[0]> = {}) =>
    new OcspClient({
      url: jlis.ocspUrl,
      fetch,
      headers: jlis.headers,
      now: () => sim.clock.now,
      ...over,
    });

  function login(card: TestCard) {
    const c = createLoginChallenge({ relyingParty: 'rp', origin: 'https://rp.example', now: sim.clock.now });
    return {
      input: {
        challenge: c.bytes,
        signature: sign('sha256', c.bytes, card.authKey.privateKey),
        certificate: card.issued.auth.der,
      },
      expected: { relyingParty: 'rp', origin: 'https://rp.example', nonce: c.nonce },
    };
  }
  const signed = (card: TestCard) => ({
    document,
    signature: sign('sha256', document, card.signatureKey.privateKey),
    certificate: card.issued.signature!.der,
  });

  test('a fresh card is good; the answer is cached until nextUpdate', async () => {
    const card = await sim.issue();
    const ocsp = client();
    const { input, expected } = login(card);
    const before = await jlis.ocspAnswers();
    const r = await verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: ocsp });
    assert.equal(r.revocation.status, 'good');
    assert.ok(r.revocation.status === 'good' && r.revocation.source === 'ocsp' && r.revocation.nextUpdate);
    await verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: ocsp });
    assert.equal(await jlis.ocspAnswers(), before + 1, 'the second login is answered from the cache');
    const s = await verifySignature(signed(card), { validator, at: sim.clock.now, revocation: ocsp });
    assert.equal(s.revocation.status, 'good');
    assert.equal(await jlis.ocspAnswers(), before + 2, 'J-LIS metered one answer per certificate');
  });

  test('a move revokes the signature certificate (affiliationChanged: 4 items changed) but not the auth one', async () => {
    const card = await sim.issue();
    await sim.jlis.lifecycle.apply(card.issued.cardId, {
      type: 'move',
      holder: { address: '東京都新宿区西新宿２－８－１', municipalityCode: '131041' },
      signaturePublicKey: cardKey().spki,
    });
    const e = (await rejects(
      verifySignature(signed(card), { validator, at: sim.clock.now, revocation: client() }),
      'ERR_JPKI_CERT_REVOKED',
    )) as CertificateRevokedError;
    assert.equal(e.revocation.reason, 'affiliationChanged');
    assert.equal(e.revocation.reasonCode, 3);
    assert.ok(e.revocation.events.includes('basicInfoChanged'));
    assert.match(e.revocation.meaning.ja, /転居/);
    // asked to report rather than fail: who signed, and that the 4 items have changed since
    const reported = await verifySignature(signed(card), {
      validator,
      at: sim.clock.now,
      revocation: client(),
      onRevoked: 'report',
    });
    assert.equal(reported.signer.address, '東京都千代田区千代田１－１');
    assert.equal(reported.revocation.status, 'revoked');
    assert.ok(
      reported.revocation.status === 'revoked' && reported.revocation.events.includes('basicInfoChanged'),
    );
    const { input, expected } = login(card);
    const r = await verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: client() });
    assert.equal(r.revocation.status, 'good');
  });

  test('a lost card: both certificates revoked certificateHold (card lost)', async () => {
    const card = await sim.issue();
    await sim.jlis.lifecycle.apply(card.issued.cardId, { type: 'loss' });
    const { input, expected } = login(card);
    const e = (await rejects(
      verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: client() }),
      'ERR_JPKI_CERT_REVOKED',
    )) as CertificateRevokedError;
    assert.equal(e.revocation.reason, 'certificateHold');
    assert.deepEqual(e.revocation.events, ['cardLost']);
    assert.equal(e.status, 400);
  });

  test('a replayed answer (nonce not echoed) is refused', async () => {
    const card = await sim.issue();
    const ocsp = client({ cacheSize: 0, fetch: replaying() });
    const { input, expected } = login(card);
    const first = await verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: ocsp });
    assert.equal(first.revocation.status, 'good');
    const e = await rejects(
      verifyLogin(input, { validator, expected, at: sim.clock.now, revocation: ocsp }),
      'ERR_JPKI_REVOCATION_UNKNOWN',
    );
    assert.equal((e.cause as JpkiError).code, 'ERR_JPKI_OCSP_RESPONSE_INVALID');
    assert.match((e.cause as Error).message, /nonce/);
  });

  test('a responder the CA did not authorise is refused (another J-LIS answering)', async () => {
    const rogue = await openSimulator();
    try {
      const rogueJlis = await rogue.serve();
      const card = await sim.issue();
      const ocsp = client({ url: rogueJlis.ocspUrl, headers: rogueJlis.headers });
      const { certificate, anchor } = validator.validate(card.issued.auth.der, {
        purpose: 'auth',
        at: sim.clock.now,
      });
      await rejects(ocsp.check(certificate, anchor), 'ERR_JPKI_OCSP_RESPONSE_INVALID');
    } finally {
      await rogue.close();
    }
  });

  test('freshness: an answer past its nextUpdate or dated in the future is stale', async () => {
    const card = await sim.issue();
    const { certificate, anchor } = validator.validate(card.issued.auth.der, {
      purpose: 'auth',
      at: sim.clock.now,
    });
    const late = client({ now: () => new Date(sim.clock.now.getTime() + 2 * 3600_000) });
    await rejects(late.check(certificate, anchor), 'ERR_JPKI_OCSP_STALE');
    // J-LIS's clock runs 10 minutes ahead of ours (its responder certificate is older than that)
    const ours = sim.clock.now;
    sim.clock.now = new Date(ours.getTime() + 10 * 60_000);
    try {
      await rejects(client({ now: () => ours }).check(certificate, anchor), 'ERR_JPKI_OCSP_STALE');
      const tolerant = client({ now: () => ours, clockSkew: 15 * 60_000 });
      assert.equal((await tolerant.check(certificate, anchor)).status, 'good');
    } finally {
      sim.clock.now = ours;
    }
  });

  test('without a registered verifier’s API key J-LIS answers unauthorized, and meters nothing', async () => {
    const card = await sim.issue();
    const { certificate, anchor } = validator.validate(card.issued.auth.der, {
      purpose: 'auth',
      at: sim.clock.now,
    });
    const before = await jlis.ocspAnswers();
    const keys: Record<string, string>[] = [{}, { authorization: 'Bearer jlisv_not-a-registered-key' }];
    for (const headers of keys) {
      const e = await rejects(client({ headers }).check(certificate, anchor), 'ERR_JPKI_OCSP_ERROR_RESPONSE');
      assert.equal(e.details?.responseStatus, 'unauthorized');
      assert.equal(e.status, 502);
    }
    assert.equal(await jlis.ocspAnswers(), before);
  });

  test('unreachable and silent responders: OCSP unavailable, the login fails as revocation unknown', async () => {
    const card = await sim.issue();
    const { input, expected } = login(card);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const e = await rejects(
      verifyLogin(input, {
        validator,
        expected,
        at: sim.clock.now,
        revocation: client({ url: `http://127.0.0.1:${port}/ocsp` }),
      }),
      'ERR_JPKI_REVOCATION_UNKNOWN',
    );
    assert.equal(e.status, 503);
    assert.deepEqual(
      (e.details!.failures as { code: string }[]).map((f) => f.code),
      ['ERR_JPKI_OCSP_UNAVAILABLE'],
    );
    const silent = await silentResponder();
    try {
      const { certificate, anchor } = validator.validate(card.issued.auth.der, {
        purpose: 'auth',
        at: sim.clock.now,
      });
      const t = await rejects(
        client({ url: silent.url, timeout: 200 }).check(certificate, anchor),
        'ERR_JPKI_OCSP_UNAVAILABLE',
      );
      assert.match(t.message, /did not answer within 200 ms/);
    } finally {
      await silent.close();
    }
  });
});
