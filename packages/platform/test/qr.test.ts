import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Flow } from '../src/flows/flow.ts';
import { bindingNumber, QrCodes } from '../src/flows/qr.ts';

const T0 = 1_700_000_000_000;
const codes = new QrCodes(randomBytes(32), { lifetimeMs: 30_000, stepMs: 1000, toleranceSteps: 5 });
const flow = (issuedAt = T0) => ({ id: 'flow-1', qr: { id: 'qr-1', issuedAt } }) as Flow;
const params = (url: string) =>
  Object.fromEntries(new URL(url).searchParams) as { q: string; t: string; c: string };

test('the QR link changes every second and stops after 30 seconds', () => {
  const a = codes.link('http://localhost:7002', flow(), T0)!;
  const b = codes.link('http://localhost:7002', flow(), T0 + 1000)!;
  assert.notEqual(a.url, b.url);
  assert.equal(a.secondsLeft, 30);
  assert.equal(codes.link('http://localhost:7002', flow(), T0 + 29_999)!.secondsLeft, 1);
  assert.equal(codes.link('http://localhost:7002', flow(), T0 + 30_000), undefined);
  assert.match(a.url, /^http:\/\/localhost:7002\/app\/pair\?f=flow-1&q=qr-1&t=0&c=/);
});

test('an opened link is checked: genuine, current QR, fresh, within its lifetime', () => {
  const link = params(codes.link('http://x', flow(), T0 + 2000)!.url);
  codes.check(flow(), link, T0 + 3000);
  const fails = (p: object, now: number, code: string) =>
    assert.throws(
      () => codes.check(flow(), p as never, now),
      (e: { code?: string }) => e.code === code,
    );
  const tampered = link.c.slice(0, -1) + (link.c.endsWith('A') ? 'B' : 'A'); // always a different code
  fails({ ...link, c: tampered }, T0 + 3000, 'qr_invalid');
  fails({ ...link, t: '3' }, T0 + 3000, 'qr_invalid');
  fails({ ...link, q: 'another' }, T0 + 3000, 'qr_invalid');
  fails(link, T0 + 9000, 'qr_expired'); // a relayed screenshot, 7 s later
  fails(link, T0 + 31_000, 'qr_expired');
  // a refreshed QR makes the old one useless
  assert.throws(() => codes.check({ ...flow(), qr: { id: 'qr-2', issuedAt: T0 } } as Flow, link, T0 + 3000));
});

test('binding numbers are 6 digits', () => {
  const seen = new Set(Array.from({ length: 50 }, bindingNumber));
  for (const n of seen) assert.match(n, /^\d{6}$/);
  assert.ok(seen.size > 40);
});
