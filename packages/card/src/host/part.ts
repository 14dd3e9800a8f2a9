import { randomBytes } from 'node:crypto';
import { createSharedState, definePart, HonninError, type Logger, listen, port, z } from '@honnin/runtime';
import { CREDENTIALS, credential, credentialPath, readCredential } from '@honnin/runtime/credentials';
import { fromBase64 } from '../apdu/bytes.ts';
import { cardCommands } from '../cli.ts';
import { type Certifier, httpCertifier } from '../issuing/certification.ts';
import { issueCard } from '../issuing/issue-card.ts';
import { CardStore, type CardSummary } from '../store/card-store.ts';
import { demoBanner, demoCards } from './demo-cards.ts';
import { createCardHost } from './server.ts';

/** `cards.*` configuration (README, "Virtual card"). */
export const cardsConfig = z.object({
  port: port.default(7003),
  /** base64 of 32 bytes sealing the chips at rest; generated into <dataDir>/credentials/cards-storage-key when absent */
  storageKey: z.string().optional(),
  /** J-LIS's base URL (default: the jlis part's) */
  jlisUrl: z.string().url().optional(),
  /** J-LIS admin token (default: <dataDir>/credentials/jlis-admin-token, written by the jlis part) */
  jlisAdminToken: z.string().min(16).optional(),
  /** browser origins allowed to act on cards and tap besides the platform's, comma-separated */
  allowedOrigins: z.string().default(''),
  /** bearer token of the life-event API; generated into <dataDir>/credentials/cards-admin-token when absent */
  adminToken: z.string().min(16).optional(),
});
export type CardsConfig = z.infer<typeof cardsConfig>;

function storageKey(dataDir: string, configured: string | undefined): Uint8Array {
  const key = fromBase64(
    credential(dataDir, CREDENTIALS.cardsStorageKey, configured, () => randomBytes(32).toString('base64')),
  );
  if (key.length !== 32)
    throw new HonninError('card_storage_key_invalid', 'cards.storageKey must be base64 of 32 bytes');
  return key;
}

/** The life-event API's token: configured, else the one generated into the credentials folder. */
export const cardsAdminToken = (dataDir: string, config: CardsConfig): string =>
  credential(dataDir, CREDENTIALS.cardsAdminToken, config.adminToken);

/**
 * Where the card host is and who may drive it from a browser: its own public
 * URL, the platform (the app and its PC card-reader page) and cards.allowedOrigins.
 * No other part's pages: a payment or verification page has no business with a card.
 */
export function cardHostOrigins(
  config: CardsConfig,
  urls: Readonly<Record<string, string>>,
  publicHost: string,
): { publicUrl: string; allowedOrigins: string[] } {
  const extra = config.allowedOrigins
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    publicUrl: urls.cards ?? `http://${publicHost}:${config.port}`,
    allowedOrigins: [...(urls.platform ? [urls.platform] : []), ...extra],
  };
}

export interface CardsRuntime {
  store: CardStore;
  /** J-LIS over its admin API (throws card_jlis_unconfigured when no URL or token is known) */
  certifier(): Certifier;
}

/** What both the running part and the CLI need: the store and the way to J-LIS. */
export async function openCards(
  shared: { dataDir: string; databaseUrl?: string | undefined },
  config: CardsConfig,
  jlisUrl: string | undefined,
): Promise<CardsRuntime> {
  const store = await CardStore.open({
    storage: { dataDir: shared.dataDir, databaseUrl: shared.databaseUrl },
    storageKey: storageKey(shared.dataDir, config.storageKey),
  });
  return {
    store,
    certifier() {
      const url = config.jlisUrl ?? jlisUrl;
      const token = config.jlisAdminToken ?? readCredential(shared.dataDir, CREDENTIALS.jlisAdminToken);
      if (!url || !token)
        throw new HonninError(
          'card_jlis_unconfigured',
          'J-LIS is needed to certify a card: start the jlis part (or set cards.jlisUrl and cards.jlisAdminToken)',
          { status: 503 },
        );
      return httpCertifier({ jlisUrl: url, adminToken: token });
    },
  };
}

/** Issues the demo cards once, into an empty store. */
export async function issueDemoCards(cards: CardsRuntime, logger: Logger): Promise<CardSummary[]> {
  const existing = await cards.store.list();
  if (existing.length) return existing;
  const certifier = cards.certifier();
  const issuers = await cards.store.apIssuers();
  for (const demo of demoCards()) {
    await cards.store.save(await issueCard(demo.input, { certifier, issuers }));
    logger.info({ card: demo.key }, 'demo card issued');
  }
  return cards.store.list();
}

export const cardsPart = definePart({
  name: 'cards',
  title: '仮想マイナンバーカード / virtual cards',
  config: cardsConfig,
  async start(ctx) {
    const cards = await openCards(ctx.shared, ctx.config, ctx.urls.jlis);
    const state = createSharedState({ redisUrl: ctx.shared.redisUrl, namespace: 'cards' });
    try {
      let list = await cards.store.list();
      if (ctx.shared.demo && list.length === 0) {
        try {
          list = await issueDemoCards(cards, ctx.logger);
        } catch (e) {
          ctx.logger.warn({ err: e }, 'demo cards not issued');
        }
      }
      const origins = cardHostOrigins(ctx.config, ctx.urls, ctx.shared.publicHost);
      const { app } = await createCardHost({
        store: cards.store,
        state,
        logger: ctx.logger,
        metrics: ctx.metrics,
        ...origins,
        admin: {
          token: cardsAdminToken(ctx.shared.dataDir, ctx.config),
          certifier: () => cards.certifier(),
        },
      });
      await listen(app, ctx.config.port, ctx.shared.host);
      const base = origins.publicUrl;
      return {
        name: 'cards',
        urls: { wallet: `${base}/`, api: `${base}/v1/cards` },
        banner: [
          ...demoBanner(list),
          ctx.config.adminToken
            ? 'life-event API token: cards.adminToken'
            : `life-event API token: ${credentialPath(ctx.shared.dataDir, CREDENTIALS.cardsAdminToken)}`,
        ],
        async close() {
          await app.close();
          await state.close();
          await cards.store.close();
        },
      };
    } catch (e) {
      await state.close();
      await cards.store.close();
      throw e;
    }
  },
  commands: cardCommands,
});
