import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { listen, silentLogger } from '@honnin/runtime';
import { storageBackends } from '@honnin/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { createVerificationServer } from '../../src/qualifications/verification/server.ts';
import { capturedLogger } from '../web/log-capture.ts';
import { type CertificateStack, certificateStackOn } from './stack.ts';

describe('the verification page over HTTP', () => {
  let stack: CertificateStack;
  let app: FastifyInstance;
  let url: string;
  let certUrl: string;
  before(async () => {
    stack = await certificateStackOn(storageBackends()[0]!);
    app = createVerificationServer({ verifier: async () => stack.verifier, logger: silentLogger() });
    url = await listen(app, 0);
    certUrl = (await stack.registerHolder('sub-page', '中村　由美', '0201')).url;
  });
  after(async () => {
    await app?.close();
    await stack?.close();
  });

  const post = (body: string, type = 'application/x-www-form-urlencoded', lang = '') =>
    fetch(`${url}/w/verify${lang}`, { method: 'POST', headers: { 'content-type': type }, body });
  const verdict = async (res: Response) => {
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    return (/id="verdict">(.*?)<\/p>/s.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, '');
  };

  test('the QR URL opens a page with one button that posts checkdata', async () => {
    const c = new URL(certUrl).searchParams.get('c')!;
    const res = await fetch(`${url}/w/?c=${c}`);
    const html = await res.text();
    assert.match(html, /<form method="post" action="\/w\/verify"/);
    assert.ok(html.includes(`name="checkdata" value="${c}"`));
    assert.match(html, /検証実施/);
    assert.equal(await verdict(await post(`checkdata=${c}`)), '有効です');
    assert.equal(
      await verdict(await post(`checkdata=${encodeURIComponent(certUrl)}`, undefined, '?lang=en')),
      'Valid',
    );
  });

  test('the record in the QR URL (name, birth date, registration number) never reaches the log', async () => {
    const log = capturedLogger();
    const logged = createVerificationServer({ verifier: async () => stack.verifier, logger: log.logger });
    try {
      const base = await listen(logged, 0);
      const c = new URL(certUrl).searchParams.get('c')!;
      assert.equal((await fetch(`${base}/w/?c=${c}`)).status, 200);
      assert.equal((await fetch(`${base}/w?c=${c}`, { redirect: 'manual' })).status, 301);
      const res = await fetch(`${base}/w/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `checkdata=${c}`,
      });
      assert.match(await res.text(), /中村　由美/);
      const text = log.text();
      assert.match(text, /"url":"\/w\/\?\[redacted\]"/, 'the page view is logged');
      assert.match(text, /"valid":true,"msg":"certificate verified"/);
      for (const part of [c, c.slice(0, 24), c.slice(-24), '中村'])
        assert.ok(!text.includes(part), `${part} not in the log`);
    } finally {
      await logged.close();
    }
  });

  test('anything else still ends on the result page with a reason', async () => {
    assert.equal(await verdict(await post('')), '無効です（検証するデータがありません）');
    assert.equal(
      await verdict(await post('checkdata=%F0%9F%98%80')),
      '無効です（データの形式が正しくありません）',
    );
    assert.equal(
      await verdict(await post('{"checkdata":42}', 'application/json')),
      '無効です（検証するデータがありません）',
    );
    assert.equal(await verdict(await post('c=abc', 'text/plain')), '無効です（検証するデータがありません）');
    assert.equal(
      await verdict(await post(`checkdata=${'A'.repeat(8000)}`, undefined, '?lang=en')),
      'Invalid (the data is not a signed record)',
    );
  });
});
