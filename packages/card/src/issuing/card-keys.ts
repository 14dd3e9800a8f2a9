import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  privateEncrypt,
} from 'node:crypto';
import type { CardKeys } from '../card.ts';

/**
 * The card's private keys (RSA-2048, e = 65537), generated on the card. They are
 * held as KeyObjects in a private field: the only ways out are a signature and,
 * for the card store, the sealed export that it encrypts at rest.
 */
export class CardKeyStore implements CardKeys {
  readonly #keys: Map<string, KeyObject>;

  private constructor(keys: Map<string, KeyObject>) {
    this.#keys = keys;
  }

  static async generate(names: readonly string[]): Promise<CardKeyStore> {
    const keys = new Map<string, KeyObject>();
    await Promise.all(
      names.map(async (n) => {
        keys.set(n, await generateRsaKey());
      }),
    );
    return new CardKeyStore(keys);
  }

  /** Rebuilds the key store from what `sealedExport` gave the card store. */
  static fromSealed(sealed: Record<string, Uint8Array>): CardKeyStore {
    const keys = new Map<string, KeyObject>();
    for (const [n, der] of Object.entries(sealed))
      keys.set(n, createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }));
    return new CardKeyStore(keys);
  }

  /**
   * The same store with new key pairs generated for `names` (what a renewal or
   * a move writes on the card); the other keys are kept, the old ones dropped.
   */
  async replaced(names: readonly string[]): Promise<CardKeyStore> {
    const keys = new Map(this.#keys);
    await Promise.all(
      names.map(async (n) => {
        keys.set(n, await generateRsaKey());
      }),
    );
    return new CardKeyStore(keys);
  }

  has(name: string): boolean {
    return this.#keys.has(name);
  }

  /** SubjectPublicKeyInfo (DER) of a key, for certification. */
  publicKey(name: string): Uint8Array {
    return new Uint8Array(createPublicKey(this.#get(name)).export({ type: 'spki', format: 'der' }));
  }

  /** RSA PKCS#1 v1.5 over whatever DigestInfo the card is given. */
  sign(name: string, digestInfo: Uint8Array): Uint8Array {
    return new Uint8Array(
      privateEncrypt({ key: this.#get(name), padding: constants.RSA_PKCS1_PADDING }, digestInfo),
    );
  }

  /** PKCS#8 of every key, for the card store only (which encrypts it before it is written). */
  sealedExport(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = {};
    for (const [n, k] of this.#keys) out[n] = new Uint8Array(k.export({ type: 'pkcs8', format: 'der' }));
    return out;
  }

  #get(name: string): KeyObject {
    const k = this.#keys.get(name);
    if (!k) throw new RangeError(`the card holds no key ${name}`);
    return k;
  }
}

export function generateRsaKey(): Promise<KeyObject> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 65537 }, (err, _pub, priv) =>
      err ? reject(err) : resolve(priv),
    ),
  );
}
