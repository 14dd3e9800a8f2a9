import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { HonninError, type Storage } from '@honnin/runtime';
import type { PlatformDB } from './schema.ts';

/**
 * Secrets every platform instance must share (cookie keys, HMAC keys for QR
 * codes and pairwise subs). Created on first use in the platform's own store;
 * a racing instance reads the winner's. Not the seal key: that one protects
 * what is in the store, so it lives outside it (see `openSealKey`).
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

/** Where older versions kept the seal key: in the store it protects. */
const LEGACY_SEAL_KEY = 'seal-key';

/**
 * The key sealing personal data at rest, given or chosen by `source` — which
 * is handed the key an older version kept in the store, so data sealed with it
 * still opens. That copy is deleted once the key in use is the same (now kept
 * outside the store); a different key leaves it there (`legacyKept`).
 */
export async function openSealKey(
  storage: Storage<PlatformDB>,
  source: Uint8Array | ((legacy: Buffer | undefined) => Uint8Array),
): Promise<{ key: KeyObject; legacyKept: boolean }> {
  const row = await storage.db
    .selectFrom('platform_secret')
    .select('value')
    .where('name', '=', LEGACY_SEAL_KEY)
    .executeTakeFirst();
  const legacy = row ? Buffer.from(row.value, 'base64url') : undefined;
  const key = Buffer.from(typeof source === 'function' ? source(legacy) : source);
  if (key.length !== 32)
    throw new HonninError(
      'platform_seal_key_invalid',
      'the seal key must be 32 bytes (platform.sealKey: base64)',
      {
        status: 500,
      },
    );
  const adopted = !!legacy && legacy.equals(key);
  if (adopted) await storage.db.deleteFrom('platform_secret').where('name', '=', LEGACY_SEAL_KEY).execute();
  return { key: createSecretKey(key), legacyKept: !!legacy && !adopted };
}
