import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toPem } from '@honnin/jpki';
import { listen } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { createJlisServer } from '../src/http/server.ts';
import { type HolderInput, type Jlis, openJlis } from '../src/index.ts';

/** A card-generated key pair: the card keeps the private key, J-LIS sees the SPKI. */
export function cardKey(): { spki: Uint8Array; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })), privateKey };
}

export const spki = (): Uint8Array => cardKey().spki;

export const holder: HolderInput = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1',
  municipalityCode: '131016',
};

/** A settable clock. */
export function clock(start: string): { now: () => Date; set(iso: string): void; advance(ms: number): void } {
  let t = new Date(start);
  return {
    now: () => t,
    set: (iso) => {
      t = new Date(iso);
    },
    advance: (ms) => {
      t = new Date(t.getTime() + ms);
    },
  };
}

/** A J-LIS on a fresh store of the backend; `done` closes and removes it. */
export async function freshJlis(
  backend: StorageBackend,
  now?: () => Date,
): Promise<{ jlis: Jlis; done: () => Promise<void> }> {
  const { options, cleanup } = isolatedStorage(backend, 'jlis');
  const jlis = await openJlis({ storage: options, ...(now ? { now } : {}) });
  return {
    jlis,
    done: async () => {
      await jlis.close();
      await cleanup();
    },
  };
}

/** J-LIS's HTTP server on a free loopback port. */
export async function serve(
  jlis: Jlis,
  adminToken = 'test-admin-token-0123456789',
): Promise<{ url: string; adminToken: string; close: () => Promise<void> }> {
  const app = await createJlisServer(jlis, { adminToken });
  const url = await listen(app, 0);
  return { url, adminToken, close: () => app.close() };
}

/**
 * Runs openssl without blocking the event loop (the server under test runs in
 * this process); returns exit status and both streams (ocsp prints its verdict on stderr).
 */
export async function openssl(args: string[], input?: Uint8Array): Promise<{ status: number; out: string }> {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stdin.end(input);
  const [status] = (await once(child, 'close')) as [number | null];
  return { status: status ?? -1, out };
}

export function writePem(dir: string, name: string, der: Uint8Array, label = 'CERTIFICATE'): string {
  const file = join(dir, name);
  writeFileSync(file, toPem(der, label));
  return file;
}
