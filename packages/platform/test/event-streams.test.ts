import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '@honnin/runtime';
import { redisUrlForTests, storageBackends } from '@honnin/runtime/testing';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { DemoRelyingParty } from '../../../e2e/support/relying-party.ts';
import { type EventStream, EventStreams } from '../src/web/event-stream.ts';
import { startTestPlatform, type TestPlatform } from './support.ts';

/** Waits for a condition the server reaches on its own (a socket's close), giving up after a while. */
async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await ok()) return;
    await sleep(25);
  }
  assert.fail(`never: ${what}`);
}

/** A GET the client drops after `ms` (0: as soon as it is sent). */
function dropAfter(url: string, headers: Record<string, string>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { headers });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end(() => setTimeout(() => req.destroy(), ms));
  });
}

describe('event streams', () => {
  test('a clean-up registered after the browser left runs at once', async () => {
    const app = Fastify();
    const streams = new EventStreams(app);
    let stream: EventStream | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let routeDone!: () => void;
    const done = new Promise<void>((r) => {
      routeDone = r;
    });
    let cleanedUp = 0;
    app.get('/events', async (req, reply) => {
      stream = streams.open(req, reply);
      await gate; // a route awaiting (a subscription) while the browser leaves
      stream.onClose(() => cleanedUp++);
      routeDone();
    });
    const url = await listen(app, 0);
    try {
      const dropped = dropAfter(`${url}/events`, {}, 0);
      await until('the stream opened', () => stream !== undefined);
      await dropped;
      await until('the server saw the browser leave', () => stream!.closed);
      release();
      await done;
      assert.equal(cleanedUp, 1);
      stream!.onClose(() => cleanedUp++);
      assert.equal(cleanedUp, 2, 'every late clean-up runs');
    } finally {
      await app.close();
    }
  });
});

const redis = redisUrlForTests();
const [sqlite] = storageBackends();

/**
 * The service's page follows its flow over server-sent events, each one a
 * subscription to the flow's channel in Redis. Browsers that come and go —
 * also in the middle of the stream's set-up — leave no subscription behind.
 */
describe('the service page’s live progress on redis', { skip: redis.skip }, () => {
  let t: TestPlatform;
  let rp: DemoRelyingParty;
  let watcher: Redis;

  before(async () => {
    t = await startTestPlatform(sqlite!, { redisUrl: redis.url });
    rp = await DemoRelyingParty.start(t.url, 'RP00000311');
    await t.platform.clients.put(rp.registration());
    watcher = new Redis(redis.url!);
  });
  after(async () => {
    watcher?.disconnect();
    await rp?.close();
    await t?.close();
  });

  test('many connects and disconnects end with no subscriber', async () => {
    // the PC's browser: follow the authorization request to the service's page, keeping its cookies
    const jar = new Map<string, string>();
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let url = new URL((await rp.authorize()).url);
    for (;;) {
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: cookie(), accept: 'text/html' },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        jar.set(pair!.slice(0, i), pair!.slice(i + 1));
      }
      await res.arrayBuffer();
      const next = res.headers.get('location');
      if (!next) break;
      url = new URL(next, url);
    }
    const uid = url.pathname.split('/')[2]!;
    const flowId = (await t.platform.state.get(`flow-of:${uid}`))!;
    const channel = `honnin:${t.platform.storage.part}:flow:${flowId}`;
    const subscribers = async () => {
      const [, n] = (await watcher.pubsub('NUMSUB', channel)) as [string, number];
      return Number(n);
    };

    const headers = { cookie: cookie(), accept: 'text/event-stream' };
    for (let i = 0; i < 40; i++) await dropAfter(`${url.href}/events`, headers, i % 8);
    // several at once, some leaving while others are being set up
    await Promise.all(Array.from({ length: 20 }, (_, i) => dropAfter(`${url.href}/events`, headers, i % 5)));
    await until('every stream was cleaned up', async () => (await subscribers()) === 0);

    // and a stream that stays is a subscriber until it goes
    const ac = new AbortController();
    const open = await fetch(`${url.href}/events`, { headers, signal: ac.signal });
    assert.equal(open.status, 200);
    // the headers may go out before the subscription is in place
    await until('the open stream subscribed', async () => (await subscribers()) === 1);
    ac.abort();
    await until('the last stream was cleaned up', async () => (await subscribers()) === 0);
  });
});
