// `npm run bench -- jlis`: CRL generation at 1,000,000 revoked entries (time and
// peak memory, each in a child process of its own, against hashing the same
// bytes; once more with V8's heap capped to show memory stays bounded), and
// OCSP answers per second over loopback HTTP with concurrent clients (server in
// a child process), against raw RSA-2048 signatures per second.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { toPem } from '@honnin/jpki';
import { listen } from '@honnin/runtime';
import { createJlisServer } from '../packages/jlis/src/http/server.ts';
import { openJlis } from '../packages/jlis/src/jlis.ts';
import { openSqlite } from '../packages/runtime/src/storage/sqlite.ts';
import { heading, rateSync, row } from './lib.ts';

const spki = () =>
  new Uint8Array(
    generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }),
  );
const holder = {
  name: '試験　太郎',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-01-01',
  sex: '1' as const,
  municipalityCode: '131016',
};

/** Child 1: a J-LIS store whose auth generation has `n` revoked certificates (raw inserts, for speed). */
async function populate(dir: string, n: number): Promise<void> {
  const jlis = await openJlis({ storage: { dataDir: dir } });
  const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
  await jlis.close();
  const db = openSqlite(join(dir, 'jlis.sqlite')).raw;
  const insert = db.prepare(
    `INSERT INTO certificate (purpose, serial, ca_id, card_id, holder_id, municipality_code, der, not_before,
       not_after, issued_at, revoked_at, revocation_reason, revocation_event)
     VALUES ('auth', ?, ?, ?, ?, '131016', X'00', ?, ?, ?, ?, ?, 'revoke')`,
  );
  const now = Date.now();
  db.exec('BEGIN');
  for (let i = 0; i < n; i++) {
    insert.run(
      (0x10000000 + i).toString(16).toUpperCase(),
      card.auth.caId,
      card.cardId,
      card.holderId,
      now - 86_400_000,
      now + 365 * 86_400_000,
      now - 86_400_000,
      now - 3_600_000 + (i % 3_000_000),
      [0, 1, 3, 4, 5, 6][i % 6]!,
    );
  }
  db.prepare('UPDATE ca SET revocations = revocations + ? WHERE id = ?').run(n, card.auth.caId);
  db.exec('COMMIT');
  db.close();
  process.stdout.write(JSON.stringify({ caId: card.auth.caId }));
}

/** Child 2: one CRL publication; reports time, size and the process's peak RSS before and after. */
async function generate(dir: string, caId: string): Promise<void> {
  const jlis = await openJlis({ storage: { dataDir: dir } });
  const rssBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const crl = await jlis.crls.publish(caId);
  const ms = performance.now() - t0;
  const rssAfter = process.resourceUsage().maxRSS;
  // baseline in the same process: SHA-256 over as many bytes as the CRL has
  const block = new Uint8Array(1 << 20);
  const h0 = performance.now();
  const hash = createHash('sha256');
  for (let left = crl.size; left > 0; left -= block.length)
    hash.update(left >= block.length ? block : block.subarray(0, left));
  hash.digest();
  const hashMs = performance.now() - h0;
  await jlis.close();
  process.stdout.write(
    JSON.stringify({ ms, hashMs, entries: crl.entries, size: crl.size, rssBefore, rssAfter }),
  );
}

function child(mode: string, args: string[], nodeFlags: string[] = []): Record<string, number & string> {
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, fileURLToPath(import.meta.url), '--child', mode, ...args],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const ENTRIES = 1_000_000;
/** V8's old space capped far below the CRL's size: the run only succeeds if memory stays bounded */
const CAPPED = ['--max-old-space-size=48', '--max-semi-space-size=4'];

async function crlBench(): Promise<void> {
  heading(
    `jlis — CRL of ${ENTRIES.toLocaleString('en')} revoked entries (streamed DER, SQLite; fresh processes)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'honnin-bench-crl-'));
  try {
    const { caId } = child('populate', [dir, String(ENTRIES)]);
    for (const [label, flags] of [
      ['default heap', []],
      ['V8 old space capped at 48 MiB', CAPPED],
    ] as const) {
      const g = child('generate', [dir, caId], [...flags]);
      row(`generate, sign, store ${(g.size / 1e6).toFixed(1)} MB (${label})`, g.ms / 1000, 's', {
        label: 'SHA-256 of as many bytes',
        value: g.hashMs / 1000,
      });
      row(`  peak RSS while generating (${label})`, g.rssAfter / 1024, 'MiB', {
        label: 'RSS after opening the store',
        value: g.rssBefore / 1024,
      });
      row(`  entries per second (${label})`, g.entries / (g.ms / 1000), 'entries/s');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Child 3: a J-LIS HTTP server with one verifier and one card; prints how to reach it, serves until killed. */
async function ocspServer(dir: string): Promise<void> {
  const jlis = await openJlis({ storage: { dataDir: dir } });
  const app = await createJlisServer(jlis, { adminToken: 'bench-admin-token-0123456789' });
  const url = await listen(app, 0);
  const v = await jlis.verifiers.add('bench');
  const card = await jlis.issuer.issueCard({ holder, authPublicKey: spki() });
  const ca = join(dir, 'ca.pem');
  const leaf = join(dir, 'leaf.pem');
  writeFileSync(ca, toPem(card.auth.caCertDer));
  writeFileSync(leaf, toPem(card.auth.der));
  execFileSync('openssl', [
    'ocsp',
    '-issuer',
    ca,
    '-cert',
    leaf,
    '-no_nonce',
    '-reqout',
    join(dir, 'req.der'),
  ]);
  process.stdout.write(`${JSON.stringify({ url, apiKey: v.apiKey })}\n`);
}

async function ocspBench(): Promise<void> {
  heading('jlis — OCSP answers per second (POST over loopback HTTP; server in its own process, SQLite)');
  const dir = mkdtempSync(join(tmpdir(), 'honnin-bench-ocsp-'));
  const server = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', 'ocsp-server', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
    const { url, apiKey } = JSON.parse(line) as { url: string; apiKey: string };
    const body = new Uint8Array(readFileSync(join(dir, 'req.der')));
    const post = async () => {
      const res = await fetch(`${url}/ocsp`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/ocsp-request', authorization: `Bearer ${apiKey}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`OCSP answered ${res.status}`);
    };
    await post(); // creates the delegated responder
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const data = new Uint8Array(200);
    const rsa = rateSync(() => sign('sha256', data, key), 2).perSecond;
    row('raw RSA-2048 signatures (crypto.sign, one thread)', rsa, 'sig/s');
    for (const clients of [1, 8, 32]) {
      let done = 0;
      const end = performance.now() + 4000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < end) {
            await post();
            done++;
          }
        }),
      );
      const perSecond = done / ((performance.now() - t0) / 1000);
      row(`OCSP responses, ${clients} concurrent client${clients > 1 ? 's' : ''}`, perSecond, 'resp/s', {
        label: 'raw RSA signing',
        value: rsa,
      });
    }
  } finally {
    server.kill();
    await once(server, 'close');
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function jlisBench(): Promise<void> {
  await crlBench();
  await ocspBench();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  const [mode, dir, arg] = process.argv.slice(3) as [string, string, string];
  if (mode === 'populate') await populate(dir, Number(arg));
  else if (mode === 'generate') await generate(dir, arg);
  else if (mode === 'ocsp-server') await ocspServer(dir);
}
