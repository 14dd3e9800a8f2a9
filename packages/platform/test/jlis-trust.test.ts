import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { JlisConnection } from '../src/verification/jlis.ts';
import { startJlis, verifierWorld } from './jlis-world.ts';

const [sqlite] = storageBackends();

/**
 * J-LIS's CA list is fetched once and kept; a certificate from an issuer not
 * in it (a new CA generation — or a forgery) may have it fetched again, but
 * not more than once a minute, so unknown certificates cannot make the
 * platform hammer J-LIS.
 */
describe('the CA list from J-LIS', () => {
  let w: Awaited<ReturnType<typeof verifierWorld>>;
  let elsewhere: Awaited<ReturnType<typeof startJlis>>;
  before(async () => {
    w = await verifierWorld(sqlite!);
    elsewhere = await startJlis(sqlite!);
  });
  after(async () => {
    await elsewhere?.close();
    await w?.close();
  });

  const listFetches = () => w.requests.filter((p) => p === '/ca').length;

  test('certificates from an unknown issuer are refused without fetching the list for each', async () => {
    const genuine = await w.card();
    await w.login(genuine.auth.der, genuine.authKey);
    assert.equal(listFetches(), 1, 'the first verification fetches the list');

    const forged = await elsewhere.card();
    for (let i = 0; i < 5; i++)
      await assert.rejects(w.login(forged.auth.der, forged.authKey), { code: 'certificate_invalid' });
    await Promise.all(
      Array.from({ length: 5 }, () =>
        assert.rejects(w.login(forged.auth.der, forged.authKey, 1), { code: 'certificate_invalid' }),
      ),
    );
    await assert.rejects(w.signature(forged.signature!.der, forged.signatureKey), {
      code: 'certificate_invalid',
    });
    // instance 0 fetched once at start; instance 1 fetches its own list once (no refetch within a minute)
    assert.equal(listFetches(), 2);
    assert.equal((await w.login(genuine.auth.der, genuine.authKey)).serial.length > 0, true);
    assert.equal(listFetches(), 2);
  });

  test('kept for the refresh period; an unknown issuer refetches at most once per gap', async () => {
    let clock = 1_000_000;
    let failing = false;
    const fetched: string[] = [];
    const jlis = new JlisConnection({
      url: w.jlis.url,
      apiKey: 'unused: the CA list is public',
      now: () => clock,
      trustCaching: { refreshMs: 3_600_000, minGapMs: 60_000 },
      fetch: async (url, init) => {
        const path = new URL(String(url)).pathname;
        if (path === '/ca') fetched.push(path);
        if (failing) throw new Error('J-LIS is down');
        return globalThis.fetch(url, init);
      },
    });
    const first = await jlis.trust();
    assert.ok(first.generations.length >= 2);
    await Promise.all([jlis.trust(), jlis.trust(true), jlis.trust(true)]);
    assert.equal(fetched.length, 1, 'within the gap an unknown issuer does not refetch');

    clock += 60_000;
    await Promise.all([jlis.trust(true), jlis.trust(true), jlis.trust()]);
    assert.equal(fetched.length, 2, 'after the gap: one refetch, shared');
    await jlis.trust(true);
    assert.equal(fetched.length, 2);

    clock += 3_599_999;
    await jlis.trust();
    assert.equal(fetched.length, 2, 'still fresh');
    clock += 1;
    await jlis.trust();
    assert.equal(fetched.length, 3, 'stale after the refresh period');

    // J-LIS unreachable at a refresh: the list in hand stays, and is asked for again after the gap
    failing = true;
    clock += 3_600_000;
    assert.equal((await jlis.trust()).generations.length, first.generations.length);
    assert.equal(fetched.length, 4);
    await jlis.trust(true);
    assert.equal(fetched.length, 4);
    failing = false;
    clock += 60_000;
    await jlis.trust();
    assert.equal(fetched.length, 5);
  });

  test('with no list yet, a failed fetch is tried again by the next verification', async () => {
    let failing = true;
    let fetched = 0;
    const jlis = new JlisConnection({
      url: w.jlis.url,
      apiKey: 'unused',
      fetch: async (url, init) => {
        fetched++;
        if (failing) throw new Error('J-LIS is down');
        return globalThis.fetch(url, init);
      },
    });
    await assert.rejects(jlis.trust(), { code: 'revocation_unavailable' });
    failing = false;
    assert.ok((await jlis.trust()).generations.length >= 2);
    assert.ok(fetched >= 2);
  });
});
