import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { skipUnless } from '@honnin/runtime/testing';
import { pcscAvailable } from '../src/transports/pcsc.ts';

/**
 * pcscd with Debian's vpcd driver for the tests: started here (as root) when
 * none runs, left alone when another run already has one, stopped only if this
 * process started it.
 */
export const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

export function pcscdSkip(): string | undefined {
  const root = process.getuid?.() === 0;
  return (
    skipUnless(
      existsSync('/usr/sbin/pcscd') && existsSync(VPCD_DRIVER),
      'pcscd: apt-get install pcscd vsmartcard-vpcd',
    ) ??
    skipUnless(root, 'pcscd: the tests start pcscd and must run as root') ??
    skipUnless(pcscAvailable(), 'pcsc: the optional @pokusew/pcsclite did not build')
  );
}

const sh = promisify(execFile);

async function running(): Promise<boolean> {
  try {
    await sh('pgrep', ['-x', 'pcscd']);
    return true;
  } catch {
    return false;
  }
}

let started: ChildProcess | undefined;

export async function ensurePcscd(): Promise<void> {
  if (await running()) return;
  started = spawn('/usr/sbin/pcscd', ['--foreground'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await readersListed()); i++) await new Promise((r) => setTimeout(r, 100));
}

export async function stopPcscd(): Promise<void> {
  const p = started;
  started = undefined;
  if (!p || p.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

async function readersListed(): Promise<boolean> {
  try {
    return /Virtual PCD/.test((await sh('opensc-tool', ['--list-readers'])).stdout);
  } catch {
    return false;
  }
}

/** Runs a PC/SC command-line tool without blocking the event loop (the card answers from this process). */
export async function tool(cmd: string, args: string[]): Promise<string> {
  const r = await sh(cmd, args, { timeout: 30_000 });
  return r.stdout + r.stderr;
}
