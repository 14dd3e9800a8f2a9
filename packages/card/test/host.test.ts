import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { openJlis } from '@honnin/jlis';
import {
  createMetrics,
  createSharedState,
  listen,
  MemoryState,
  sharedConfig,
  silentLogger,
} from '@honnin/runtime';
import { freePort, isolatedStorage, redisUrlForTests, tempDir } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { JpkiClient } from '../src/client/jpki-client.ts';
import { demoBanner, demoCards } from '../src/host/demo-cards.ts';
import { cardsConfig, cardsPart, issueDemoCards } from '../src/host/part.ts';
import { createCardHost } from '../src/host/server.ts';
import { libraryCertifier } from '../src/issuing/certification.ts';
import { WebSocketTransport } from '../src/transports/websocket.ts';
import { type TestCards, testCards } from './support.ts';

const PART_ORIGIN = 'http://localhost:7002';

/** An HTTP request with the Host header we choose (fetch always sends the URL's). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

describe('the card host', () => {
  let t: TestCards;
  let app: FastifyInstance;
  let base: string;
  let ws: string;
  let id: string;

  before(async () => {
    t = await testCards();
    ({ app } = await createCardHost({
      store: t.store,
      state: new MemoryState('cards'),
      allowedOrigins: [PART_ORIGIN],
    }));
    base = await listen(app, 0);
    ws = base.replace('http', 'ws');
    id = (await t.issue({ label: 'テスト <カード>' })).summary.id;
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  test('lists cards with labels and tries, never secrets', async () => {
    const r = await fetch(`${base}/v1/cards`);
    const body = (await r.json()) as { cards: Record<string, unknown>[] };
    const text = JSON.stringify(body);
    assert.equal(body.cards.length, 1);
    assert.equal(body.cards[0]!.label, 'テスト <カード>');
    assert.deepEqual((body.cards[0]!.pins as Record<string, unknown>)['jpki.auth'], {
      triesLeft: 3,
      maxTries: 3,
    });
    for (const secret of ['1234', 'ABC123', '123456789018', '2285', 'PRIVATE'])
      assert.ok(!text.includes(secret), `no ${secret} in the list`);
    assert.equal((await fetch(`${base}/v1/cards/not-a-uuid`)).status, 404);
    const missing = await fetch(`${base}/v1/cards/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'card_not_found');
  });

  test('browsers of the configured origins only', async () => {
    const ok = await fetch(`${base}/v1/cards`, { headers: { origin: PART_ORIGIN } });
    assert.equal(ok.headers.get('access-control-allow-origin'), PART_ORIGIN);
    const other = await fetch(`${base}/v1/cards`, { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const post = await fetch(`${base}/v1/cards/${id}/remove`, {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(post.status, 403);
    // a WebSocket from a foreign page is refused before the upgrade
    const refused = await new Promise<boolean>((resolve) => {
      const s = new WebSocket(`${ws}/v1/cards/${id}/tap`, {
        headers: { origin: 'http://evil.example' },
      } as never);
      s.addEventListener('open', () => resolve(false));
      s.addEventListener('error', () => resolve(true));
    });
    assert.ok(refused);
  });

  test('DNS rebinding: a page whose Host and Origin agree on a foreign name is refused', async () => {
    const port = new URL(base).port;
    const evil = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
    const remove = await raw(base, 'POST', `/v1/cards/${id}/remove`, {
      ...evil,
      'content-type': 'application/json',
    });
    assert.equal(remove.status, 403);
    assert.equal((JSON.parse(remove.body) as { error: string }).error, 'card_host_forbidden');
    assert.equal((await t.store.summary(id)).removed, false, 'the card stays in the reader');
    // nothing is read under a foreign name either, not even without an Origin
    for (const path of ['/v1/cards', `/v1/cards/${id}`, '/']) {
      assert.equal((await raw(base, 'GET', path, { host: evil.host })).status, 403, path);
    }
    // a tap under a foreign name is refused before the upgrade
    const tap = await raw(base, 'GET', `/v1/cards/${id}/tap`, {
      ...evil,
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    assert.equal(tap.status, 403);
    // probes may use any name
    assert.equal((await raw(base, 'GET', '/healthz', { host: evil.host })).status, 200);
  });

  test('the wallet acts on cards from its own origins: the bind address and loopback names', async () => {
    const port = new URL(base).port;
    for (const name of ['127.0.0.1', 'localhost']) {
      const own = { host: `${name}:${port}`, origin: `http://${name}:${port}` };
      const r = await raw(base, 'POST', `/v1/cards/${id}/remove`, {
        ...own,
        'content-type': 'application/json',
      });
      assert.equal(r.status, 200, name);
      assert.equal((JSON.parse(r.body) as { removed: boolean }).removed, true);
      await raw(base, 'POST', `/v1/cards/${id}/insert`, { ...own, 'content-type': 'application/json' });
    }
    // an Origin that is not ours is refused even under our own Host
    const foreign = await raw(base, 'POST', `/v1/cards/${id}/remove`, {
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${Number(port) + 1}`,
      'content-type': 'application/json',
    });
    assert.equal(foreign.status, 403);
    assert.equal((JSON.parse(foreign.body) as { error: string }).error, 'card_origin_forbidden');
    assert.equal((await t.store.summary(id)).removed, false);
  });

  test('taps: unknown card, removed card, a second tap takes the card', async () => {
    await assert.rejects(
      WebSocketTransport.connect(`${ws}/v1/cards/00000000-0000-4000-8000-000000000000/tap`),
      { code: 'card_not_found' },
    );
    const first = await WebSocketTransport.connect(`${ws}/v1/cards/${id}/tap`);
    assert.equal(first.hello.label, 'テスト <カード>');
    assert.equal(Buffer.from(first.hello.atr).toString('hex'), '3be000ff8131fe4514');
    assert.equal(Buffer.from(await first.reset()).toString('hex'), '3be000ff8131fe4514');
    const second = await WebSocketTransport.connect(`${ws}/v1/cards/${id}/tap`);
    await assert.rejects(new JpkiClient(first).readAuthCaCertificate(), { code: 'card_removed' });
    assert.ok((await new JpkiClient(second).readAuthCaCertificate()).length > 500);
    await fetch(`${base}/v1/cards/${id}/remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await assert.rejects(new JpkiClient(second).readAuthCaCertificate(), { code: 'card_removed' });
    await assert.rejects(WebSocketTransport.connect(`${ws}/v1/cards/${id}/tap`), { code: 'card_removed' });
    assert.equal((await t.store.summary(id)).removed, true);
    await fetch(`${base}/v1/cards/${id}/insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const third = await WebSocketTransport.connect(`${ws}/v1/cards/${id}/tap`);
    await third.close();
  });

  test('the wallet page in Japanese and English', async () => {
    const ja = await (await fetch(`${base}/`)).text();
    assert.match(ja, /<html lang="ja">/);
    assert.match(ja, /仮想マイナンバーカード/);
    assert.match(ja, /テスト &#60;カード&#62;/, 'labels are escaped');
    assert.match(ja, /残り 3 回/);
    assert.match(ja, /aria-live="polite"/);
    const en = await (await fetch(`${base}/?lang=en`)).text();
    assert.match(en, /<html lang="en">/);
    assert.match(en, /Remove the card/);
  });

  test('the English wallet names the demo cards in English', async () => {
    const demo = demoCards()[2]!;
    await t.issue({ label: demo.input.label, holder: demo.input.holder, signPassword: undefined });
    const en = await (await fetch(`${base}/?lang=en`)).text();
    assert.match(en, />Demo 3 両儀　未那 \(12 years old, user authentication only\)</);
    assert.doesNotMatch(
      en,
      /歳・利用者証明用のみ|成人・両証明書/,
      'no Japanese card labels on the English page',
    );
    assert.match(en, /<dd lang="ja">両儀　未那<\/dd>/, "the holder's name as on the card, marked Japanese");
    const ja = await (await fetch(`${base}/`)).text();
    assert.match(ja, />デモ3 両儀　未那（12歳・利用者証明用のみ）</);
  });

  test('the CV root is published', async () => {
    const root = (await (await fetch(`${base}/v1/cv-root`)).json()) as { modulus: string; exponent: string };
    assert.equal(Buffer.from(root.modulus, 'base64').length, 256);
    assert.equal(Buffer.from(root.exponent, 'base64').toString('hex'), '010001');
  });
});

test('demo cards: issued once into an empty store, listed in the banner', async () => {
  const t = await testCards();
  const jlisStorage = isolatedStorage({ name: 'sqlite' }, 'jlis');
  const jlis = await openJlis({ storage: jlisStorage.options });
  try {
    const runtime = { store: t.store, certifier: () => libraryCertifier(jlis) };
    const cards = await issueDemoCards(runtime, silentLogger());
    assert.equal(cards.length, demoCards().length);
    assert.deepEqual(
      cards.map((c) => [c.token, c.hasSignature]),
      [
        ['card', true],
        ['card', true],
        ['card', false],
        ['android', true],
      ],
    );
    assert.equal((await issueDemoCards(runtime, silentLogger())).length, 4, 'not issued twice');
    const banner = demoBanner(cards).join('\n');
    assert.match(
      banner,
      /auth PIN 1234 · 署名用パスワード ABC123 · 券面事項入力補助 PIN 1234 · 照合番号B 550217\d{4}2285/,
    );
    assert.doesNotMatch(
      banner.split('\n')[2]!,
      /署名用パスワード/,
      'the 12-year-old has no signature password',
    );
    // the banner's 照合番号B opens the first demo card
    const code = /照合番号B (\d{14})/.exec(banner)![1]!;
    const { MemoryTransport } = await import('../src/transports/memory.ts');
    const c = new JpkiClient(new MemoryTransport(await t.store.load(cards[0]!.id)));
    assert.equal((await c.readBasicInfo({ verificationCodeB: code })).name, '黒桐　幹也');
  } finally {
    await jlis.close();
    await jlisStorage.cleanup();
    await t.close();
  }
});

test('two card host instances share removal through Redis', { skip: redisUrlForTests().skip }, async () => {
  const { url } = redisUrlForTests();
  const t = await testCards();
  const namespace = `cards-test-${Date.now()}`;
  const states = [
    createSharedState({ redisUrl: url, namespace }),
    createSharedState({ redisUrl: url, namespace }),
  ];
  const a = await createCardHost({ store: t.store, state: states[0]!, allowedOrigins: [] });
  const b = await createCardHost({ store: t.store, state: states[1]!, allowedOrigins: [] });
  try {
    const id = (await t.issue()).summary.id;
    const baseA = await listen(a.app, 0);
    const baseB = await listen(b.app, 0);
    const tap = await WebSocketTransport.connect(`${baseA.replace('http', 'ws')}/v1/cards/${id}/tap`);
    const client = new JpkiClient(tap);
    await client.readAuthCaCertificate();
    const r = await fetch(`${baseB}/v1/cards/${id}/remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(r.status, 200);
    // the tap on instance A hears of it
    for (let i = 0; i < 50; i++) {
      try {
        await client.readAuthCaCertificate();
      } catch (e) {
        assert.equal((e as { code: string }).code, 'card_removed');
        return;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.fail('the tap on the other instance never saw the removal');
  } finally {
    await a.app.close();
    await b.app.close();
    for (const s of states) await s.close();
    await t.close();
  }
});

test('the cards part lets the platform drive the cards, not the other parts', async () => {
  const tmp = tempDir('honnin-cards-');
  const port = await freePort();
  const urls = {
    cards: `http://localhost:${port}`,
    platform: 'http://localhost:17002',
    payment: 'http://localhost:17006',
    mailbox: 'http://localhost:17007',
    verify: 'http://localhost:17008',
  };
  const part = await cardsPart.start({
    shared: sharedConfig.parse({ dataDir: tmp.dir, demo: false }),
    config: cardsConfig.parse({ port, allowedOrigins: 'http://reader.example:8080' }),
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    urls,
    smtpUrl: '',
  });
  try {
    const unknownCard = `${urls.cards}/v1/cards/00000000-0000-4000-8000-000000000000/remove`;
    const post = async (origin: string) => {
      const r = await fetch(unknownCard, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: '{}',
      });
      return ((await r.json()) as { error: string }).error;
    };
    // allowed: past the origin check to the card lookup
    for (const origin of [urls.platform, 'http://reader.example:8080', urls.cards])
      assert.equal(await post(origin), 'card_not_found', origin);
    for (const origin of [urls.payment, urls.mailbox, urls.verify])
      assert.equal(await post(origin), 'card_origin_forbidden', origin);
    const cors = async (origin: string) =>
      (await fetch(`${urls.cards}/v1/cards`, { headers: { origin } })).headers.get(
        'access-control-allow-origin',
      );
    assert.equal(await cors(urls.platform), urls.platform);
    assert.equal(await cors(urls.payment), null);
  } finally {
    await part.close();
    tmp.cleanup();
  }
});
