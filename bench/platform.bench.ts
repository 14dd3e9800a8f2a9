// The identity platform: logins per second end to end, and p50/p99 latency at
// 50 concurrent flows, against a bare oidc-provider code flow (same client
// authentication, PKCE, ES256) measured in the same run.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocketTransport } from '@honnin/card/client';
import { cardsConfig, openCards } from '@honnin/card/host/part';
import { issueCard } from '@honnin/card/issuing/issue-card';
import { cardTapUrl } from '@honnin/platform/citizen/browser/tap';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { CitizenPhone } from '../e2e/support/citizen.ts';
import { registerRelyingParty } from '../e2e/support/honnin.ts';
import { HttpAgent } from '../e2e/support/http-agent.ts';
import { freePort } from '../e2e/support/ports.ts';
import { DemoRelyingParty } from '../e2e/support/relying-party.ts';
import { startTestSystem } from '../e2e/support/system.ts';
import { heading, percentile, row } from './lib.ts';

const CONCURRENCY = 50;
const SECONDS = 8;

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  logins: number;
}

/** Runs `flow` in `workers` loops for `seconds`; every completed flow's latency is kept. */
async function load(
  workers: number,
  seconds: number,
  flow: (worker: number) => Promise<void>,
): Promise<Figures> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        const t = performance.now();
        await flow(w);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    logins: latencies.length,
  };
}

/** A bare oidc-provider: memory adapter, an interaction that logs in and consents at once. */
async function bareProvider(): Promise<{ url: string; rp: DemoRelyingParty; close(): Promise<void> }> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const key = await generateKeyPair('ES256', { extractable: true });
  const rp = await DemoRelyingParty.start(url, 'bench-rp');
  const provider = new Provider(url, {
    clients: [
      {
        client_id: rp.clientId,
        redirect_uris: [rp.redirectUri],
        jwks_uri: `${rp.url}/.well-known/jwks.json`,
        token_endpoint_auth_method: 'private_key_jwt',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(key.privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] as never },
    pkce: { required: () => true },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    features: { devInteractions: { enabled: false } },
    fetch: (u, init) => {
      const { dispatcher: _guard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(u, options);
    },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  });
  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId: 'bench', clientId: String(details.params.client_id) });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    ctx.respond = false;
    await provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: 'bench' },
      consent: { grantId },
    });
  });
  const server = createServer(provider.callback());
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url,
    rp,
    async close() {
      await rp.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export default async function platformBench(): Promise<void> {
  heading(`platform — logins end to end, ${CONCURRENCY} concurrent flows, ${SECONDS} s each`);

  // baseline: the same client and browser walk through a bare oidc-provider
  const bare = await bareProvider();
  const bareFlow = async () => {
    const agent = new HttpAgent();
    const { url, result } = await bare.rp.authorize({ scope: 'openid' });
    await agent.follow(url);
    const r = await result;
    if (!r.ok) throw new Error(`bare flow failed: ${r.error} ${r.errorDescription}`);
  };
  await bareFlow();
  const baseline = await load(CONCURRENCY, SECONDS, bareFlow);
  await bare.close();

  // honnin: J-LIS, the card host and the platform; one phone and one card per concurrent flow
  const system = await startTestSystem({ parts: ['jlis', 'cards', 'platform'] });
  try {
    const rp = await DemoRelyingParty.start(system.urls.platform!, 'RP00000901');
    await registerRelyingParty(system, rp);
    const cards = await openCards(
      { dataDir: system.dataDir },
      cardsConfig.parse({ port: new URL(system.urls.cards!).port }),
      system.urls.jlis,
    );
    const issuers = await cards.store.apIssuers();
    const phones: { phone: CitizenPhone; session: Parameters<CitizenPhone['register']>[0] }[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const issued = await issueCard(
        {
          holder: {
            name: `負荷　試験${i}`,
            address: '東京都千代田区千代田１－１',
            birthDate: '2014-04-01', // under 15: no signature key to generate
            sex: '9',
            municipalityCode: '131016',
          },
          authPin: '1234',
        },
        { certifier: cards.certifier(), issuers },
      );
      const { id } = await cards.store.save(issued);
      const session = {
        authPin: '1234',
        transport: () => WebSocketTransport.connect(cardTapUrl(system.urls.cards!, id)),
      };
      const phone = new CitizenPhone(system.urls.platform!);
      await phone.register(session);
      phones.push({ phone, session });
    }
    await cards.store.close();

    // phone only: the service opens the app, the card signs, the platform checks it with J-LIS (OCSP)
    const honninFlow = async (w: number) => {
      const { phone, session } = phones[w]!;
      const { url, result } = await rp.authorize({ scope: 'openid' });
      const page = await phone.agent.follow(url);
      const flowId = await phone.openAppSwitch(page.url.href);
      await phone.unlock(flowId);
      const read = await phone.readForLogin(flowId, session);
      if (!read.view) throw new Error(`card read failed: ${JSON.stringify(read.card)}`);
      await phone.returnToService(await phone.consent(flowId));
      const r = await result;
      if (!r.ok) throw new Error(`honnin flow failed: ${r.errorCode} ${r.errorDescription}`);
    };
    await honninFlow(0);
    const measured = await load(CONCURRENCY, SECONDS, honninFlow);
    await rp.close();

    const base = { label: 'bare oidc-provider', value: baseline.perSecond };
    row('bare oidc-provider code flow (PKCE, private_key_jwt, ES256)', baseline.perSecond, 'logins/s');
    row('honnin login (app, passkey, card over WebSocket, OCSP)', measured.perSecond, 'logins/s', base);
    row('bare oidc-provider latency p50', baseline.p50, 'ms');
    row('bare oidc-provider latency p99', baseline.p99, 'ms');
    row('honnin login latency p50', measured.p50, 'ms', { label: 'bare p50', value: baseline.p50 });
    row('honnin login latency p99', measured.p99, 'ms', { label: 'bare p99', value: baseline.p99 });
    process.stdout.write(`  (${baseline.logins} bare and ${measured.logins} honnin logins completed)\n`);
  } finally {
    await system.close();
  }
}
