// Drone registration pages: what a citizen's request costs on the service (session
// from storage, idle-timer touch, CSRF, validation, SQLite write, page render),
// against the same server's /healthz measured in the same run.
import { storageBackends } from '@honnin/runtime/testing';
import { enterApplication, OWNER, signUp, startDips } from '../packages/services/test/dips/support.ts';
import { hidden } from '../packages/services/test/web/client.ts';
import { heading, rate, row } from './lib.ts';

export default async function dipsBench(): Promise<void> {
  heading('dips — drone registration pages (SQLite, one instance)');
  const dips = await startDips(storageBackends()[0]!);
  try {
    const c = dips.client();
    await signUp(c, { email: 'bench@example.jp' });
    const base = await enterApplication(c, { owner: { email: 'bench@example.jp' } });
    const confirm = await c.follow(`${base}/confirm`);
    const csrf = hidden(confirm.text, '_csrf');

    const health = await rate(async () => {
      const r = await fetch(`${dips.url}/healthz`);
      await r.arrayBuffer();
    });
    const baseline = { label: '/healthz', value: health.perSecond };
    row('GET /healthz (no session)', health.perSecond, 'req/s');
    const page = await rate(async () => {
      const r = await c.get(`${base}/confirm`);
      if (r.status !== 200) throw new Error(`confirm: ${r.status}`);
      await r.arrayBuffer();
    });
    row('GET STEP 05 confirmation (session, touch, 4 queries, render)', page.perSecond, 'req/s', baseline);
    const step = await rate(async () => {
      const r = await c.post(`${base}/owner`, { _csrf: csrf, ...OWNER, email: 'bench@example.jp' });
      if (r.status !== 303) throw new Error(`owner: ${r.status}`);
      await r.arrayBuffer();
    });
    row('POST STEP 02 owner (CSRF, validation, write, redirect)', step.perSecond, 'req/s', baseline);
  } finally {
    await dips.close();
  }
}
