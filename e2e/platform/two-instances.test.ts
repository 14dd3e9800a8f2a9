import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { platformConfig, platformPart } from '@honnin/platform/part';
import { createMetrics, type RunningPart, silentLogger } from '@honnin/runtime';
import { redisUrlForTests, storageBackends } from '@honnin/runtime/testing';
import { CitizenPhone } from '../support/citizen.ts';
import { registerRelyingParty, tapSession } from '../support/honnin.ts';
import { HttpAgent } from '../support/http-agent.ts';
import { freePort } from '../support/ports.ts';
import { DemoRelyingParty } from '../support/relying-party.ts';
import { type SplitProxy, startSplitProxy } from '../support/split-proxy.ts';
import { EventReader } from '../support/sse.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

const postgres = storageBackends().find((b) => b.name === 'postgres')!;
const redis = redisUrlForTests();

/**
 * Two platform instances behind one address, sharing PostgreSQL (OIDC state,
 * keys, clients) and Redis (flows, live updates): the PC's requests go to one,
 * the phone's to the other, and one flow still completes.
 */
describe('two platform instances on PostgreSQL + Redis', { skip: postgres.skip ?? redis.skip }, () => {
  let system: TestSystem;
  let proxy: SplitProxy;
  const instances: RunningPart[] = [];
  let rp: DemoRelyingParty;

  before(async () => {
    system = await startTestSystem({
      parts: ['jlis', 'cards'],
      databaseUrl: postgres.databaseUrl,
      redisUrl: redis.url,
    });
    const ports = [await freePort(), await freePort()];
    // the phone (a mobile browser) lands on instance 1, everything else on instance 0
    proxy = await startSplitProxy(
      ports.map((p) => `http://127.0.0.1:${p}`),
      (req) => (/Mobile/.test(req.headers['user-agent'] ?? '') ? 1 : 0),
    );
    for (const port of ports) {
      instances.push(
        await platformPart.start({
          shared: {
            dataDir: system.dataDir,
            databaseUrl: system.databaseUrl,
            redisUrl: redis.url,
            logLevel: 'warn',
            host: '127.0.0.1',
            publicHost: 'localhost',
            demo: true,
          },
          config: platformConfig.parse({ port }),
          logger: silentLogger(),
          metrics: createMetrics({ defaultMetrics: false }),
          urls: { ...system.urls, platform: proxy.url },
          smtpUrl: '',
        }),
      );
    }
    rp = await DemoRelyingParty.start(proxy.url, 'RP00000701');
    await registerRelyingParty({ ...system, urls: { ...system.urls, platform: proxy.url } }, rp);
  });
  after(async () => {
    await rp?.close();
    for (const i of instances) await i.close();
    await proxy?.close();
    await system?.close();
  });

  test('the PC on one instance and the phone on the other complete one login', async () => {
    const card = await tapSession(system, 'デモ1');
    const phone = new CitizenPhone(proxy.url);
    await phone.register(card);
    const phoneRequestsBefore = proxy.counts[1]!;

    const pc = new HttpAgent();
    const { url, result } = await rp.authorize();
    const page = await pc.follow(url);
    const events = new EventReader(
      await pc.request(`${page.url.href}/events`, { accept: 'text/event-stream' }),
    );
    const { link } = await events.next('qr');

    const flowId = await phone.openQr(String(link));
    await events.next('flow', (e) => e.stage === 'binding');
    const { bindingNumber } = await phone.unlock(flowId);
    const typed = await pc.request(`${page.url.href}/binding`, {
      json: { number: bindingNumber },
      accept: 'application/json',
    });
    assert.equal(typed.status, 200);
    await phone.readForLogin(flowId, card, { cardInfoPin: card.cardInfoPin });
    await phone.consent(flowId);
    // the PC's instance learns it from the phone's, through Redis
    await events.next('flow', (e) => e.stage === 'done');
    await events.close();
    await pc.submit(`${page.url.href}/finish`, {});
    const r = await result;
    assert.ok(r.ok, `${r.errorCode} ${r.errorDescription}`);
    assert.equal(r.userinfo!.name, '黒桐　幹也');
    assert.ok(proxy.counts[1]! - phoneRequestsBefore >= 5, 'the phone talked to instance 1');
    assert.ok(proxy.counts[0]! >= 5, 'the PC and the relying party talked to instance 0');
  });
});
