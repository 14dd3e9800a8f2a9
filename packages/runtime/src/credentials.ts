import { randomBytes } from 'node:crypto';
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
  /** bearer token of the card host's life-event API */
  cardsAdminToken: 'cards-admin-token',
  /** base64 of the 32-byte key sealing the virtual cards at rest */
  cardsStorageKey: 'cards-storage-key',
  /** what the qualification system presents to the official-status CA (gpki and qualifications) */
  gpkiEnrollmentToken: 'gpki-enrollment-token',
  /** the merchant's secret key at the card-payment provider (payment and qualifications) */
  paymentSecretKey: 'payment-secret-key',
  /** staff pages of the drone registration service */
  dipsStaffPassword: 'dips-staff-password',
  /** staff pages of the national qualification system */
  qualificationsStaffPassword: 'qualifications-staff-password',
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

/** 32 random bytes, base64url: a token or key nobody has to type. */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

/**
 * A secret a part needs: the configured one, else the one in the credentials
 * folder, else a new one (from `generate`) written there — so it stays the same
 * across restarts and every part reading the same name agrees. A configured
 * value is never written. The file is created exclusively: when two processes
 * start at once, the second one reads what the first wrote.
 */
export function credential(
  dataDir: string,
  name: string,
  configured?: string | undefined,
  generate: () => string = randomSecret,
): string {
  if (configured) return configured;
  const stored = readCredential(dataDir, name);
  if (stored) return stored;
  const value = generate();
  mkdirSync(join(dataDir, 'credentials'), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(credentialPath(dataDir, name), `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const theirs = readCredential(dataDir, name);
    if (theirs) return theirs;
    // an empty file left behind: replace it
    writeCredential(dataDir, name, value);
  }
  return value;
}
