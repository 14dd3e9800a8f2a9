// JPKI verification library: login and CMS verifications per second against raw
// RSA-2048 verification, and CRL parse-and-index against `openssl crl -noout`.
import { spawnSync } from 'node:child_process';
import { constants, createPublicKey, privateEncrypt, sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  buildCms,
  buildCrlIndex,
  CertificateValidator,
  CrlRevocationSource,
  createLoginChallenge,
  prepareCadesSignature,
  TEST_POLICIES,
  verifyCms,
  verifyLogin,
} from '@honnin/jpki';
import { tempDir } from '@honnin/runtime/testing';
import { syntheticEntries, writeCrlWithExtraEntries } from '../packages/jpki/test/support/crl.ts';
import { openSimulator } from '../packages/jpki/test/support/simulator.ts';
import { heading, rate, rateSync, row } from './lib.ts';

const CARDS = 16;

/**
 * The machine is shared: rounds of the baseline and the measured operation
 * alternate and each keeps its best round, so a neighbour's burst does not
 * land on one side only.
 */
async function versus(
  baseline: () => unknown,
  measured: () => unknown,
  rounds = 6,
): Promise<{ baseline: number; measured: number }> {
  let b = 0;
  let m = 0;
  for (let r = 0; r < rounds; r++) {
    b = Math.max(b, rateSync(baseline, 0.4).perSecond);
    m = Math.max(m, (await rate(measured, 0.4)).perSecond);
  }
  return { baseline: b, measured: m };
}

export default async function jpkiBench(): Promise<void> {
  heading('jpki — verification library (one core)');
  const sim = await openSimulator();
  const tmp = tempDir('honnin-jpki-bench-');
  try {
    const cards = [];
    for (let i = 0; i < CARDS; i++) cards.push(await sim.issue());
    const at = sim.clock.now;
    const anchors = sim.anchors();

    // --- logins: the path a platform runs per login ---
    const logins = cards.map((c) => {
      const ch = createLoginChallenge({ relyingParty: 'bench', origin: 'https://rp.example', now: at });
      return {
        input: {
          challenge: ch.bytes,
          signature: sign('sha256', ch.bytes, c.authKey.privateKey),
          certificate: c.issued.auth.der,
        },
        expected: { relyingParty: 'bench', origin: 'https://rp.example', nonce: ch.nonce },
        publicKey: createPublicKey({ key: Buffer.from(c.authKey.spki), format: 'der', type: 'spki' }),
      };
    });
    let i = 0;
    let j = 0;
    const raw = () => {
      const l = logins[j++ % CARDS]!;
      if (!verify('sha256', l.input.challenge, l.publicKey, l.input.signature))
        throw new Error('raw verify failed');
    };
    const rawLabel = 'raw RSA-2048 crypto.verify';
    let baseline = { label: rawLabel, value: 0 };

    const validator = new CertificateValidator({ trustAnchors: anchors, policies: TEST_POLICIES });
    const cold = new CertificateValidator({ trustAnchors: anchors, policies: TEST_POLICIES, cacheSize: 0 });
    const crl = new CrlRevocationSource({ trust: validator.trust, now: () => at });
    // J-LIS's own CRL encoder (no database: 10M rows through SQLite would dominate the run),
    // signed with its auth CA key, listing synthetic revocations
    const authCa = sim.jlis.ca.active('auth').id;
    const crlChunks: Uint8Array[] = [];
    await writeCrlWithExtraEntries(sim.jlis, authCa, syntheticEntries(100_000, at), async (c) => {
      crlChunks.push(c.slice());
    });
    await crl.update(Buffer.concat(crlChunks));
    for (const [name, v, revocation] of [
      ['verifyLogin (certificate cached)', validator, undefined],
      ['verifyLogin + CRL lookup (100k-entry CRL)', validator, crl],
      ['verifyLogin (no cache: parse + chain every time)', cold, undefined],
    ] as const) {
      const r = await versus(raw, () => {
        const l = logins[i++ % CARDS]!;
        return verifyLogin(l.input, { validator: v, expected: l.expected, at, revocation });
      });
      baseline = { label: rawLabel, value: r.baseline };
      row(`${rawLabel} (baseline)`, r.baseline, '/s');
      row(name, r.measured, '/s', baseline);
    }

    // --- CMS ---
    const document = new TextEncoder().encode('申請書'.repeat(200));
    const cmsList = cards.map((c) => {
      const certificate = c.issued.signature!.der;
      const prepared = prepareCadesSignature({ certificate, content: document, signingTime: at });
      const signature = privateEncrypt(
        { key: c.signatureKey.privateKey, padding: constants.RSA_PKCS1_PADDING },
        prepared.digestInfo,
      );
      return buildCms({
        signature,
        certificate,
        signedAttributes: prepared.signedAttributes,
        content: document,
      });
    });
    const cms = await versus(raw, () => verifyCms({ cms: cmsList[i++ % CARDS]! }, { validator, at }));
    baseline = { label: rawLabel, value: cms.baseline };
    row(`${rawLabel} (baseline)`, cms.baseline, '/s');
    row('verifyCms (CAdES-BES, attached, 1.8 kB)', cms.measured, '/s', baseline);

    // --- CRLs ---
    for (const count of [1_000_000, 10_000_000]) {
      const file = join(tmp.dir, `crl-${count}.der`);
      const out = createWriteStream(file, { highWaterMark: 1 << 20 });
      await writeCrlWithExtraEntries(sim.jlis, authCa, syntheticEntries(count, at), async (c) => {
        if (!out.write(c.slice())) await once(out, 'drain');
      });
      await new Promise<void>((r) => out.end(() => r()));
      const size = statSync(file).size;
      const label = `${count / 1e6}M entries`;

      const t0 = performance.now();
      const ossl = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout'], {
        stdio: 'ignore',
      });
      const opensslSeconds = (performance.now() - t0) / 1000;
      if (ossl.status !== 0) throw new Error('openssl crl failed');

      const rssBefore = process.memoryUsage().rss;
      const t1 = performance.now();
      const index = await buildCrlIndex(createReadStream(file, { highWaterMark: 1 << 20 }), {
        trust: validator.trust,
      });
      const seconds = (performance.now() - t1) / 1000;
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      if (index.size !== count) throw new Error(`indexed ${index.size} of ${count}`);
      row(`CRL ${label} (${(size / 1e6).toFixed(0)} MB): openssl crl -noout (baseline)`, opensslSeconds, 's');
      row(`CRL ${label}: stream parse + verify + index`, seconds, 's', {
        label: 'openssl',
        value: opensslSeconds,
      });
      row(`CRL ${label}: index bytes per entry`, index.byteLength / count, 'B');
      row(`CRL ${label}: RSS growth while indexing, per entry`, rssGrowth / count, 'B');
      const probes = Array.from({ length: 4096 }, (_, k) => {
        const s = 0x10000000 + ((k * 2654435761) % (count * 2)); // half hits, half misses
        return new Uint8Array([0, s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff]);
      });
      let k = 0;
      const lookups = rateSync(() => index.lookup(probes[k++ & 4095]!), 1);
      row(`CRL ${label}: lookups (vs one login's RSA verify)`, lookups.perSecond, '/s', baseline);
    }
  } finally {
    tmp.cleanup();
    await sim.close();
  }
}
