import { canonicalJson } from '../../relying-party/canonical-json.ts';
import { sha256 } from '../../relying-party/client.ts';
import type { Application } from './applications.ts';
import type { Aircraft, Owner, UserInfo } from './fields.ts';

/**
 * The application as the citizen signs it: the canonical JSON text of what
 * was entered. Its SHA-256 goes to the platform; the digest is kept as
 * evidence of what was signed.
 */
export interface ApplicationDocument {
  service: 'DIPS-REG';
  procedure: 'new_registration';
  number: string;
  owner: Owner;
  aircraft: Aircraft[];
  user: UserInfo;
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
  const bytes = new TextEncoder().encode(canonicalJson(document));
  const digest = sha256(bytes);
  return { document, bytes, digest, digestHex: Buffer.from(digest).toString('hex') };
}
