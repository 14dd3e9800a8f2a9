import { randomBytes } from 'node:crypto';
import { type Jlis, openJlis } from '@honnin/jlis';
import type { StorageOptions } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import type { VirtualCard } from '../src/card.ts';
import { type Certifier, libraryCertifier } from '../src/issuing/certification.ts';
import { type IssueCardInput, issueCard } from '../src/issuing/issue-card.ts';
import { CardStore, type CardSummary } from '../src/store/card-store.ts';

export const ADULT = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1' as const,
  municipalityCode: '131016',
};

export const CHILD = {
  name: '両儀　未那',
  address: '東京都新宿区西新宿２－８－１',
  birthDate: '2014-05-05',
  sex: '2' as const,
  municipalityCode: '131041',
};

export interface TestCards {
  store: CardStore;
  /** the J-LIS that certified the cards (library), and the card side's way to it */
  jlis: Jlis;
  certifier: Certifier;
  /** where the store keeps its data, and its key: to open it again as a restarted host would */
  storageOptions: StorageOptions;
  storageKey: Uint8Array;
  issue(input?: Partial<IssueCardInput>): Promise<{
    summary: CardSummary;
    card: VirtualCard;
    envelope: { verificationCodeB: string; securityCode: string };
  }>;
  close(): Promise<void>;
}

/** A J-LIS (library) and a card store in fresh storage; cards issued through both, as the cards part does. */
export async function testCards(backend: StorageBackend = { name: 'sqlite' }): Promise<TestCards> {
  const jlisStorage = isolatedStorage(backend, 'jlis');
  const cardStorage = isolatedStorage(backend, 'cards');
  const jlis = await openJlis({ storage: jlisStorage.options });
  const storageKey = randomBytes(32);
  const store = await CardStore.open({ storage: cardStorage.options, storageKey });
  const certifier = libraryCertifier(jlis);
  return {
    store,
    jlis,
    certifier,
    storageOptions: cardStorage.options,
    storageKey,
    async issue(input = {}) {
      const issued = await issueCard(
        {
          holder: ADULT,
          authPin: '1234',
          signPassword: 'ABC123',
          securityCode: '2285',
          individualNumber: '123456789018',
          ...input,
        },
        { certifier, issuers: await store.apIssuers() },
      );
      const summary = await store.save(issued);
      return { summary, card: await store.load(summary.id), envelope: issued.envelope };
    },
    async close() {
      await store.close();
      await jlis.close();
      await cardStorage.cleanup();
      await jlisStorage.cleanup();
    },
  };
}

/** Sends hex, returns hex of the response ("9000", "…9000"). */
export async function apdu(
  card: { transmit(b: Uint8Array): Promise<Uint8Array> },
  hexCommand: string,
): Promise<string> {
  const { fromHex, hex } = await import('../src/apdu/bytes.ts');
  return hex(await card.transmit(fromHex(hexCommand)));
}
