import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
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
