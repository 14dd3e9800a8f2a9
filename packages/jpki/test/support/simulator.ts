import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type HolderInput, type IssuedCard, type Jlis, openJlis } from '@honnin/jlis';

/** A key pair as the card would hold it (tests sign with the private key the way the card does). */
export interface CardKey {
  privateKey: KeyObject;
  spki: Uint8Array;
}

export function cardKey(): CardKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
}

export const HOLDER: HolderInput = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1',
  municipalityCode: '131016',
};

export interface TestCard {
  issued: IssuedCard;
  authKey: CardKey;
  signatureKey: CardKey;
}

/** The J-LIS simulator in memory with a movable clock: the source of every real artefact in these tests. */
export interface Simulator {
  jlis: Jlis;
  clock: { now: Date };
  issue(holder?: Partial<HolderInput>): Promise<TestCard>;
  /** DER of every root of every generation, both purposes */
  anchors(): Uint8Array[];
  close(): Promise<void>;
}

export async function openSimulator(start = new Date('2026-04-01T03:00:00Z')): Promise<Simulator> {
  const clock = { now: start };
  const jlis = await openJlis({ storage: { dataDir: ':memory:' }, now: () => clock.now });
  return {
    jlis,
    clock,
    async issue(holder = {}) {
      const authKey = cardKey();
      const signatureKey = cardKey();
      const issued = await jlis.issuer.issueCard({
        holder: { ...HOLDER, ...holder },
        authPublicKey: authKey.spki,
        signaturePublicKey: signatureKey.spki,
      });
      return { issued, authKey, signatureKey };
    },
    anchors: () => jlis.ca.list().map((g) => g.certDer),
    close: () => jlis.close(),
  };
}
