import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Credentials one part hands another on a development machine, as files under
 * `<dataDir>/credentials/` (folder 0700, files 0600). A part that is not given a
 * secret in its configuration generates it on first start and writes it here;
 * the part that needs it reads it from here when its own configuration is silent.
 */
export const CREDENTIALS = {
  /** bearer token of J-LIS's admin API (written by jlis) */
  jlisAdminToken: 'jlis-admin-token',
  /** the platform operator's J-LIS verifier API key (written by jlis in demo mode, read by platform) */
  jlisVerifierPlatform: 'jlis-verifier-platform',
} as const;

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function credentialPath(dataDir: string, name: string): string {
  if (!NAME.test(name)) throw new Error(`bad credential name ${name}`);
  return join(dataDir, 'credentials', name);
}

/** The credential's value (trimmed), or undefined when the file does not exist. */
export function readCredential(dataDir: string, name: string): string | undefined {
  try {
    const v = readFileSync(credentialPath(dataDir, name), 'utf8').trim();
    return v || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function writeCredential(dataDir: string, name: string, value: string): string {
  const dir = join(dataDir, 'credentials');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = credentialPath(dataDir, name);
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // mode applies only when the file is created
  return file;
}
