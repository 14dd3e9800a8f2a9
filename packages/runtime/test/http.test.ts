import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HonninError } from '../src/errors.ts';
import { bearerGuard, createHttpServer, createMetrics, listen } from '../src/http/index.ts';

test('errors are JSON with stable codes and never leak stack traces', async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createHttpServer({ name: 't', metrics, logLevel: 'silent' });
  app.post('/echo', async (req) => ({ got: req.body }));
  app.get('/typed', async () => {
    throw new HonninError('thing_missing', 'no such thing', { status: 404 });
  });
  app.get('/crash', async () => {
    throw new Error('secret internals at /srv/x.ts:12');
  });
  const base = await listen(app, 0);
  try {
    let r = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{bad',
    });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error, 'malformed_body');
    r = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-nope' },
      body: 'x',
    });
    assert.equal(r.status, 415);
    assert.equal((await r.json()).error, 'unsupported_media_type');
    r = await fetch(`${base}/typed`);
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { error: 'thing_missing', message: 'no such thing' });
    r = await fetch(`${base}/crash`);
    assert.equal(r.status, 500);
    const text = await r.text();
    assert.doesNotMatch(text, /secret internals|\.ts:/);
    r = await fetch(`${base}/nowhere`);
    assert.equal(r.status, 404);
    assert.equal((await r.json()).error, 'not_found');
    r = await fetch(`${base}/healthz`);
    assert.deepEqual(await r.json(), { status: 'ok', part: 't' });
    r = await fetch(`${base}/metrics`);
    const m = await r.text();
    assert.match(m, /honnin_http_requests_total\{part="t",method="GET",route="\/typed",status="404"\} 1/);
  } finally {
    await app.close();
  }
});

test('bearerGuard: only the token, compared in constant time, 401 with a Bearer challenge otherwise', async () => {
  const app = createHttpServer({ name: 't', logLevel: 'silent' });
  app.get(
    '/guarded',
    { onRequest: bearerGuard('the-right-token-0123', { realm: 'demo', code: 'demo_unauthorized' }) },
    async () => ({ ok: true }),
  );
  const base = await listen(app, 0);
  try {
    const call = (authorization?: string) =>
      fetch(`${base}/guarded`, authorization ? { headers: { authorization } } : {});
    for (const ok of ['Bearer the-right-token-0123', 'bearer the-right-token-0123']) {
      const r = await call(ok);
      assert.equal(r.status, 200, ok);
      assert.deepEqual(await r.json(), { ok: true });
    }
    for (const wrong of [
      undefined,
      'Bearer the-right-token-012',
      'Bearer the-right-token-01234',
      'Basic dGhlLXJpZ2h0',
      'Bearer ',
    ]) {
      const r = await call(wrong);
      assert.equal(r.status, 401, String(wrong));
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="demo"');
      assert.equal(((await r.json()) as { error: string }).error, 'demo_unauthorized');
    }
  } finally {
    await app.close();
  }
});

test('escapeHtml lives in runtime/html and neutralises markup and attribute quotes', async () => {
  const { escapeHtml } = await import('../src/html.ts');
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
  );
  assert.equal((await import('../src/index.ts')).escapeHtml, escapeHtml, 're-exported from @honnin/runtime');
});
