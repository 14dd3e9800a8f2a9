import { WebSocketTransport } from '@honnin/card/client';
import { createBridge } from '@honnin/card/transports/bridge';
import { cardTapUrl } from '@honnin/platform/citizen/browser/tap';
import { listen } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { createDipsService, type DipsService } from '../../packages/services/src/dips/service.ts';
import { credential, demoCard } from '../support/honnin.ts';
import { freePort } from '../support/ports.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

export const STAFF_PASSWORD = 'dips-staff-e2e';

/**
 * The whole story of the drone registration: the built-in mailbox, J-LIS, the
 * card host and the identity platform as `honnin start` runs them (the demo
 * client RP00000001 registered for this DIPS), the local bridge of a PC with a
 * card reader (the reader holds a demo card), and DIPS itself in this process
 * so the tests can move its clock (the 5-minute window, the 60-minute rule).
 */
export interface DipsSystem {
  system: TestSystem;
  dips: DipsService;
  urls: { dips: string; platform: string; cards: string; jlis: string; mailbox: string };
  /** DIPS's clock: real time plus what the test added */
  advance(ms: number): void;
  /** puts the demo card (label prefix, e.g. 'デモ1') in the PC's card reader */
  insertIntoReader(card: string): Promise<void>;
  /** the platform's sandbox for DIPS: its test-response screen instead of a card */
  testMode(on: boolean): Promise<void>;
  /** a life event at J-LIS for the card of the demo holder living in `municipalityCode` */
  lifeEvent(municipalityCode: string, event: { type: string }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The demo client RP00000001 at the platform, at the address of this DIPS, as a
 * service provider (it gets the verification result, no certificate); its
 * sandbox (the test-response screen instead of a card) when `testMode`.
 */
export async function registerDips(system: TestSystem, dipsUrl: string, o: { testMode: boolean }) {
  const res = await fetch(`${system.urls.platform}/admin/clients/RP00000001`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${credential(system, 'platform-admin-token')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      clientId: 'RP00000001',
      name: 'ドローン登録システム（DIPS）',
      nameEn: 'Drone registration system (DIPS)',
      redirectUris: [`${dipsUrl}/auth/callback`],
      jwksUri: `${dipsUrl}/.well-known/jwks.json`,
      scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'],
      certifiedVerifier: false,
      testMode: o.testMode,
    }),
  });
  if (!res.ok) throw new Error(`registering DIPS: ${res.status} ${await res.text()}`);
}

export async function startDipsSystem(backend: StorageBackend): Promise<DipsSystem> {
  const dipsPort = await freePort();
  const bridgePort = await freePort();
  const system = await startTestSystem({
    parts: ['mailbox', 'jlis', 'cards', 'platform'],
    databaseUrl: backend.databaseUrl,
    config: { platform: { readerBridgeUrl: `http://127.0.0.1:${bridgePort}` } },
  });
  let offset = 0;
  const urls = {
    dips: `http://localhost:${dipsPort}`,
    platform: system.urls.platform!,
    cards: system.urls.cards!,
    jlis: system.urls.jlis!,
    mailbox: system.urls.mailbox!,
  };
  const smtpUrl = system.system.parts.find((p) => p.name === 'mailbox')!.urls.smtp!;
  // the PC's card reader: the local bridge, its one reader holding a demo card of the card host
  let inReader = '';
  const bridge = await createBridge({
    allowedOrigins: [urls.platform],
    readers: async () => [{ name: 'Virtual PC/SC Reader 0', present: inReader !== '' }],
    open: () => WebSocketTransport.connect(cardTapUrl(urls.cards, inReader)),
  });
  await listen(bridge, bridgePort, '127.0.0.1');
  const register = (o: { testMode: boolean }) => registerDips(system, urls.dips, o);
  const store = isolatedStorage(backend, 'dips');
  let dips: DipsService | undefined;
  try {
    dips = await createDipsService({
      storage: store.options,
      publicUrl: urls.dips,
      issuer: urls.platform,
      clientId: 'RP00000001',
      smtpUrl,
      mailFrom: 'ドローン登録システム <noreply@dips.localhost>',
      staffPassword: STAFF_PASSWORD,
      clock: () => Date.now() + offset,
      outboxIntervalMs: 500,
    });
    await listen(dips.app, dipsPort, '127.0.0.1');
    await register({ testMode: false });
  } catch (e) {
    await dips?.close();
    await bridge.close();
    await system.close();
    await store.cleanup();
    throw e;
  }
  const jlisAdmin = async (path: string, body?: unknown) => {
    const res = await fetch(`${urls.jlis}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${credential(system, 'jlis-admin-token')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`J-LIS ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  return {
    system,
    dips: dips!,
    urls,
    advance: (ms) => {
      offset += ms;
    },
    testMode: (on) => register({ testMode: on }),
    async insertIntoReader(card) {
      inReader = (await demoCard(system, card)).id;
    },
    async lifeEvent(municipalityCode, event) {
      const { cards } = (await jlisAdmin('/admin/cards')) as {
        cards: {
          cardId: string;
          certificates: { municipalityCode?: string; municipality_code?: string }[];
        }[];
      };
      const card = cards.find((c) =>
        c.certificates.some((x) => (x.municipalityCode ?? x.municipality_code) === municipalityCode),
      );
      if (!card) throw new Error(`no J-LIS card in ${municipalityCode}`);
      await jlisAdmin(`/admin/cards/${card.cardId}/events`, event);
    },
    async close() {
      await dips!.close();
      await bridge.close();
      await system.close();
      await store.cleanup();
    },
  };
}
