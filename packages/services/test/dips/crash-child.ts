// The DIPS service as its own process, for tests that kill it (SIGKILL) and start it again.
// argv[2]: JSON { storage, port, smtpUrl, issuer?, publicUrl? }. Prints "ready <url>" once it listens.
import { listen } from '@honnin/runtime';
import { createDipsService } from '../../src/dips/service.ts';

const o = JSON.parse(process.argv[2]!) as {
  storage: { part: string };
  port: number;
  smtpUrl: string;
  issuer?: string;
  publicUrl?: string;
};
const publicUrl = o.publicUrl ?? `http://127.0.0.1:${o.port}`;
const service = await createDipsService({
  storage: o.storage,
  publicUrl,
  issuer: o.issuer ?? 'http://127.0.0.1:9',
  clientId: 'RP00000001',
  smtpUrl: o.smtpUrl,
  mailFrom: 'DIPS <noreply@dips.test>',
  staffPassword: 'staff-password',
  outboxIntervalMs: 100,
  outboxLeaseMs: 1000,
});
await listen(service.app, o.port, '127.0.0.1');
process.stdout.write(`ready ${publicUrl}\n`);
