import { sha256 } from '../../relying-party/client.ts';
import type { Application } from './applications.ts';
import type { Aircraft, Owner, UserInfo } from './fields.ts';

/**
 * The application as the citizen signs it: a canonical JSON text of what was
 * entered (keys in a fixed order, no whitespace). Its SHA-256 goes to the
 * platform; the digest is kept as evidence of what was signed.
 */
export interface ApplicationDocument {
  service: 'DIPS-REG';
  procedure: 'new_registration';
  number: string;
  owner: Owner;
  aircraft: Aircraft[];
  user: UserInfo;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function applicationDocument(
  app: Application,
  owner: Owner,
  aircraft: Aircraft[],
  user: UserInfo,
): { document: ApplicationDocument; bytes: Uint8Array; digest: Uint8Array; digestHex: string } {
  const document: ApplicationDocument = {
    service: 'DIPS-REG',
    procedure: 'new_registration',
    number: app.number ?? '',
    owner,
    aircraft,
    user,
  };
  const bytes = new TextEncoder().encode(canonical(document));
  const digest = sha256(bytes);
  return { document, bytes, digest, digestHex: Buffer.from(digest).toString('hex') };
}
