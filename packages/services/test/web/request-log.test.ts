import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { storageBackends } from '@honnin/runtime/testing';
import { startDips } from '../dips/support.ts';
import { startPortal } from '../qualifications/portal-service.ts';
import { capturedLogger } from './log-capture.ts';

const CODE = 'code-9f2c1e7a';
const STATE = 'state-4b8d0c33';

/**
 * The services' request log lines at info level (as `honnin start` logs):
 * the platform's redirect back carries an authorization code and state, which
 * never reach the log — on every route, whatever it is.
 */
describe('request logs of the services keep query strings out', () => {
  const backend = storageBackends()[0]!;
  const dipsLog = capturedLogger();
  const qualsLog = capturedLogger();
  let dips: Awaited<ReturnType<typeof startDips>>;
  let quals: Awaited<ReturnType<typeof startPortal>>;

  before(async () => {
    dips = await startDips(backend, { logger: dipsLog.logger });
    quals = await startPortal(backend, { logger: qualsLog.logger });
  });
  after(async () => {
    await dips?.close();
    await quals?.close();
  });

  for (const [service, url, log] of [
    ['DIPS', () => dips.url, dipsLog],
    ['qualifications', () => quals.url, qualsLog],
  ] as const) {
    test(`${service}: /auth/callback is logged without its code and state`, async () => {
      const res = await fetch(`${url()}/auth/callback?code=${CODE}&state=${STATE}&lang=en`, {
        headers: { accept: 'text/html' },
      });
      assert.equal(res.status, 400, 'no flow of this browser: refused with a page');
      const text = log.text();
      assert.match(text, /"url":"\/auth\/callback\?\[redacted\]"/, 'the request is logged');
      assert.ok(!text.includes(CODE), 'no authorization code in the log');
      assert.ok(!text.includes(STATE), 'no state in the log');
    });
  }
});
