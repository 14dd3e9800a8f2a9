import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, tempDir } from '@honnin/runtime/testing';
import { PARTS } from '../src/parts.ts';

const MAIN = join(import.meta.dirname, '../src/main.ts');

/** `honnin start` exactly as `npm start` runs it, on free ports in a temporary data folder. */
async function startHonnin(env: Record<string, string>): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 120 s\n${out}\n${err}`)), 120_000);
    const check = () => {
      if (out.includes('Stop with Ctrl+C.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`honnin start exited with ${code}\n${out}\n${err}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, banner: out };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

type Card = { id: string; label: string };

test('npm start runs every part, issues the demo cards once, and stops cleanly', async () => {
  const tmp = tempDir('honnin-start-');
  const env: Record<string, string> = { HONNIN_DATA_DIR: tmp.dir, LOG_LEVEL: 'warn', HONNIN_DEMO: 'true' };
  const ports: Record<string, number> = {};
  for (const part of PARTS) {
    ports[part.name] = await freePort();
    env[`HONNIN_${part.name.toUpperCase()}_PORT`] = String(ports[part.name]);
  }
  env.HONNIN_MAILBOX_SMTP_PORT = String(await freePort());
  try {
    const first = await startHonnin(env);
    try {
      for (const part of PARTS) {
        assert.ok(first.banner.includes(part.title), `the banner names ${part.title}`);
        const health = await fetch(`http://localhost:${ports[part.name]}/healthz`);
        assert.equal(health.status, 200, `${part.name} answers /healthz`);
      }
      // the demo cards the README lists, with their PINs in the banner
      for (const line of ['デモ1', 'デモ2', 'デモ3', 'デモ4', 'auth PIN 1234', '署名用パスワード ABC123']) {
        assert.ok(first.banner.includes(line), `banner shows ${line}`);
      }
      const cards = (
        (await (await fetch(`http://localhost:${ports.cards}/v1/cards`)).json()) as { cards: Card[] }
      ).cards;
      assert.equal(cards.length, 4);
      // the platform publishes its OpenID configuration at the printed issuer
      const discovery = (await (
        await fetch(`http://localhost:${ports.platform}/.well-known/openid-configuration`)
      ).json()) as {
        issuer: string;
      };
      assert.equal(discovery.issuer, `http://localhost:${ports.platform}`);
      assert.equal(await stop(first.child), 0, 'SIGTERM stops every part and exits 0');

      // a second start keeps the data: the same cards, none issued again
      const second = await startHonnin(env);
      const again = (
        (await (await fetch(`http://localhost:${ports.cards}/v1/cards`)).json()) as { cards: Card[] }
      ).cards;
      assert.deepEqual(again.map((c) => c.id).sort(), cards.map((c) => c.id).sort());
      assert.equal(await stop(second.child), 0);
    } finally {
      first.child.kill('SIGKILL');
    }
  } finally {
    tmp.cleanup();
  }
});

test('a bad configuration stops the start with every problem named', () => {
  const r = spawnSync(process.execPath, [MAIN, 'start'], {
    env: { ...process.env, HONNIN_PLATFORM_PORT: 'seventy', LOG_LEVEL: 'loud' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /platform\.port \(env HONNIN_PLATFORM_PORT\)/);
  assert.match(r.stderr, /logLevel \(env HONNIN_LOG_LEVEL or LOG_LEVEL\)/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, 'no stack trace');
});
