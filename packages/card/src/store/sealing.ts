import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { HonninError } from '@honnin/runtime/errors';

/**
 * Encryption at rest for what the chip keeps secret (private keys, PINs, the
 * 個人番号): AES-256-GCM, iv ‖ tag ‖ ciphertext, bound to the row and column it
 * belongs to so a sealed value cannot be moved to another card.
 */
export class Sealer {
  readonly #key: KeyObject;

  constructor(key: Uint8Array) {
    if (key.length !== 32)
      throw new HonninError('card_storage_key_invalid', 'the storage key must be 32 bytes');
    // imported once: a cipher given raw key bytes imports them again on every call
    this.#key = createSecretKey(key);
  }

  seal(plain: Uint8Array, context: string): Uint8Array {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(Buffer.from(context));
    const body = Buffer.concat([c.update(plain), c.final()]);
    return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), body]));
  }

  open(sealed: Uint8Array, context: string): Uint8Array {
    try {
      const b = Buffer.from(sealed);
      const d = createDecipheriv('aes-256-gcm', this.#key, b.subarray(0, 12));
      d.setAAD(Buffer.from(context));
      d.setAuthTag(b.subarray(12, 28));
      return new Uint8Array(Buffer.concat([d.update(b.subarray(28)), d.final()]));
    } catch (e) {
      throw new HonninError(
        'card_storage_key_mismatch',
        'stored card data does not open with this storage key (cards.storageKey or the credentials file changed?)',
        { status: 500, cause: e },
      );
    }
  }
}
