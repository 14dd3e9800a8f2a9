import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createLogger, createMetrics, type PartModule, type RunningPart } from '@honnin/runtime';
import { CREDENTIALS, readCredential } from '@honnin/runtime/credentials';
import { freePort, tempDir } from '@honnin/runtime/testing';
import { loadHonninConfig } from '../../cli/src/config.ts';
import { type StartedSystem, startSystem } from '../../cli/src/start.ts';
import { dipsPart } from '../src/dips/part.ts';
import { paymentPart } from '../src/payment/part.ts';
import { officialCaPart } from '../src/qualifications/official-ca/part.ts';
import { qualificationsPart } from '../src/qualifications/part.ts';
import { verifyPart } from '../src/qualifications/verification/part.ts';
import { FormClient, hidden } from './web/client.ts';

/** The fixed demo secrets these parts once fell back to, whatever the mode. */
const OLD_FIXED = ['sk_test_honnin_demo_merchant', 'honnin-demo-gpki-enrollment'];
const SERVICE_PARTS: PartModule[] = [dipsPart, qualificationsPart, paymentPart, verifyPart, officialCaPart];
const PART_NAMES = ['mailbox', 'payment', 'gpki', 'qualifications', 'verify', 'dips'];

/** The services' parts as `honnin start --only …` runs them, on free ports, in `dataDir`. */
async function startParts(dataDir: string, demo: boolean): Promise<StartedSystem> {
  const sections: Record<string, Record<string, unknown>> = {};
  for (const p of PART_NAMES) sections[p] = { port: await freePort() };
  sections.mailbox!.smtpPort = await freePort();
  const config = loadHonninConfig({
    file: null,
    env: {},
    overrides: { dataDir, logLevel: 'silent', demo, ...sections },
  });
  return startSystem(config, { only: PART_NAMES });
}

const bannerOf = (s: StartedSystem, part: string) =>
  (s.parts.find((p) => p.name === part)?.banner ?? []).join('\n');

async function staffLogin(base: string, password: string) {
  const c = new FormClient(base);
  const page = await c.follow('/staff/login');
  return c.post('/staff/login', { _csrf: hidden(page.text, '_csrf'), password });
}

describe('the services parts as honnin start runs them', () => {
  const dirs: { cleanup: () => void }[] = [];
  after(() => {
    for (const d of dirs) d.cleanup();
  });

  test('demo=false: random secrets shared through the credentials folder, kept across a restart', async () => {
    const dir = tempDir('honnin-parts-');
    dirs.push(dir);
    let system = await startParts(dir.dir, false);
    const secrets: Record<string, string> = {};
    try {
      for (const name of [
        CREDENTIALS.dipsStaffPassword,
        CREDENTIALS.qualificationsStaffPassword,
        CREDENTIALS.gpkiEnrollmentToken,
        CREDENTIALS.paymentSecretKey,
      ]) {
        const v = readCredential(dir.dir, name);
        assert.ok(v && v.length >= 12, `${name} generated`);
        assert.ok(!OLD_FIXED.includes(v), `${name} is not a fixed string`);
        secrets[name] = v;
      }
      // the fixed strings open nothing
      const pay = system.urls.payment!;
      const asMerchant = (key: string) =>
        fetch(`${pay}/v1/payments/nothing`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal((await asMerchant('sk_test_honnin_demo_merchant')).status, 401);
      assert.equal((await asMerchant(secrets[CREDENTIALS.paymentSecretKey]!)).status, 404, 'known key');
      const enroll = await fetch(`${system.urls.gpki}/certificates`, {
        method: 'POST',
        headers: { authorization: 'Bearer honnin-demo-gpki-enrollment', 'content-type': 'application/json' },
        body: JSON.stringify({ csr: 'AA==' }),
      });
      assert.equal(enroll.status, 401);
      // qualifications enrolled its signing key with the token the gpki part generated
      assert.match(bannerOf(system, 'qualifications'), /signing key: P-000001/);
      // a real installation's banner names where the secret is, not the secret
      for (const [part, name] of [
        ['dips', CREDENTIALS.dipsStaffPassword],
        ['qualifications', CREDENTIALS.qualificationsStaffPassword],
        ['payment', CREDENTIALS.paymentSecretKey],
      ] as const) {
        const banner = bannerOf(system, part);
        assert.ok(!banner.includes(secrets[name]!), `${part} banner shows no secret`);
        assert.ok(banner.includes(join(dir.dir, 'credentials', name)), `${part} banner names the file`);
      }
      assert.equal(
        (await staffLogin(system.urls.dips!, secrets[CREDENTIALS.dipsStaffPassword]!)).status,
        303,
      );
    } finally {
      await system.close();
    }

    system = await startParts(dir.dir, false);
    try {
      for (const [name, v] of Object.entries(secrets)) assert.equal(readCredential(dir.dir, name), v, name);
      assert.equal(
        (await staffLogin(system.urls.dips!, secrets[CREDENTIALS.dipsStaffPassword]!)).status,
        303,
      );
      const quals = secrets[CREDENTIALS.qualificationsStaffPassword]!;
      assert.equal((await staffLogin(system.urls.qualifications!, quals)).status, 303);
      assert.match(
        bannerOf(system, 'qualifications'),
        /signing key: P-000001/,
        'the same key, not a new one',
      );
    } finally {
      await system.close();
    }
  });

  test('demo: the banner prints the staff passwords it keeps; every URL README links for these parts answers 200', async () => {
    const dir = tempDir('honnin-parts-');
    dirs.push(dir);
    const system = await startParts(dir.dir, true);
    try {
      const dips = readCredential(dir.dir, CREDENTIALS.dipsStaffPassword)!;
      assert.match(bannerOf(system, 'dips'), new RegExp(`staff password: ${dips}$`));
      assert.match(bannerOf(system, 'payment'), /merchant secret key: sk_test_/);

      // README's links to the default ports of these parts, on the ports this test gave them
      const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
      const byPort = new Map(
        SERVICE_PARTS.map((p) => [String((p.config.parse({}) as { port: number }).port), p.name]),
      );
      const links = [...readme.matchAll(/https?:\/\/localhost:(\d+)(\/[^\s)`|<>"']*)?/g)]
        .filter((m) => byPort.has(m[1]!))
        .map((m) => ({ part: byPort.get(m[1]!)!, path: m[2] ?? '/' }));
      assert.ok(
        links.some((l) => l.part === 'payment'),
        'README links the payment part',
      );
      assert.deepEqual(new Set(links.map((l) => l.part)), new Set(SERVICE_PARTS.map((p) => p.name)));
      for (const { part, path } of links) {
        const r = await fetch(new URL(path, system.urls[part]), { headers: { accept: 'text/html' } });
        assert.equal(r.status, 200, `${part} ${path}`);
        await r.arrayBuffer();
      }
      const pay = await fetch(`${system.urls.payment}/`, { headers: { accept: 'text/html' } });
      const ja = await pay.text();
      assert.match(ja, /カード決済（シミュレータ）/);
      assert.match(ja, /4000 0000 0000 0002/);
      const en = await (await fetch(`${system.urls.payment}/?lang=en`)).text();
      assert.match(en, /Test card numbers/);
    } finally {
      await system.close();
    }
  });

  test('a part whose port is taken fails to start and leaves its storage closed', async () => {
    const dir = tempDir('honnin-parts-');
    dirs.push(dir);
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const config = loadHonninConfig({
        file: null,
        env: {},
        overrides: { dataDir: dir.dir, logLevel: 'silent', demo: false },
      });
      for (const part of [officialCaPart, dipsPart] as PartModule[]) {
        const start = part.start({
          shared: config,
          config: part.config.parse({ port }),
          logger: createLogger('silent'),
          metrics: createMetrics(),
          urls: {},
          smtpUrl: 'smtp://127.0.0.1:9',
        });
        await assert.rejects(start as Promise<RunningPart>, { code: 'EADDRINUSE' }, part.name);
        const file = join(dir.dir, `${part.name}.sqlite`);
        assert.ok(existsSync(file), `${part.name} opened its storage`);
        // SQLite removes the write-ahead log when the last connection closes
        assert.equal(existsSync(`${file}-wal`), false, `${part.name} closed its storage`);
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
