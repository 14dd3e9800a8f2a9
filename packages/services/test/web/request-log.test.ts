import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen } from '@honnin/runtime';
import { isolatedStorage, storageBackends } from '@honnin/runtime/testing';
import { hostedCheckoutGateway } from '../../src/payment/gateway.ts';
import { enrollWithOfficialCa } from '../../src/qualifications/certificate/signing-keys.ts';
import { createQualificationsService, type QualificationsService } from '../../src/qualifications/service.ts';
import { startDips } from '../dips/support.ts';
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
  let quals: QualificationsService;
  let qualsUrl: string;
  const qualsStore = isolatedStorage(backend, 'qualifications');

  before(async () => {
    dips = await startDips(backend, { logger: dipsLog.logger });
    quals = await createQualificationsService({
      storage: qualsStore.options,
      publicUrl: 'http://127.0.0.1:0',
      verifyUrl: 'http://127.0.0.1:9',
      issuer: 'http://127.0.0.1:9',
      clientId: 'RP00000002',
      // neither is asked here: no certificate is issued, nothing is paid
      enroll: enrollWithOfficialCa('http://127.0.0.1:9', 'unused-enrollment-token'),
      payments: hostedCheckoutGateway({ baseUrl: 'http://127.0.0.1:9', secretKey: 'unused-secret-key-0' }),
      staffPassword: 'staff-password',
      logger: qualsLog.logger,
    });
    qualsUrl = await listen(quals.app, 0);
  });
  after(async () => {
    await dips?.close();
    await quals?.close();
    await qualsStore.cleanup();
  });

  for (const [service, url, log] of [
    ['DIPS', () => dips.url, dipsLog],
    ['qualifications', () => qualsUrl, qualsLog],
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
