import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { HonninError, type Storage } from '@honnin/runtime';
import type { PlatformDB } from './schema.ts';

/**
 * Secrets every platform instance must share (cookie keys, HMAC keys for QR
 * codes and pairwise subs, the key that seals released identities). Created on
 * first use in the platform's own store; a racing instance reads the winner's.
 */
export async function sharedSecret(
  storage: Storage<PlatformDB>,
  name: string,
  now: () => number = Date.now,
): Promise<Buffer> {
  await storage.db
    .insertInto('platform_secret')
    .values({ name, value: randomBytes(32).toString('base64url'), created_at: now() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await storage.db
    .selectFrom('platform_secret')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64url');
}

/** AES-256-GCM with a 32-byte key: `iv.tag.ciphertext`, base64url. */
export function seal(key: KeyObject, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.');
}

export function unseal(key: KeyObject, sealed: string): string {
  const [iv, tag, ct] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !ct)
    throw new HonninError('sealed_data_invalid', 'sealed data is malformed', { status: 500 });
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
}
