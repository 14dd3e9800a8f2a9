import assert from 'node:assert/strict';
import { verify, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createHttpServer, listen, MemoryState } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { browserSkip, launchBrowser, phoneContext } from '../../../e2e/support/browser.ts';
import { createCardHost } from '../src/host/server.ts';
import { type TestCards, testCards } from './support.ts';

// The citizen's app bundles `@honnin/card/client`: it must build for a browser and read a card from Chromium.
const skip = browserSkip();
let t: TestCards;
let host: FastifyInstance;
let page: FastifyInstance;
let hostUrl = '';
let pageUrl = '';
let bundle = '';
let id = '';

before(async () => {
  if (skip) return;
  const { build } = await import('esbuild');
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../src/client/index.ts', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    logLevel: 'silent',
  });
  bundle = out.outputFiles[0]!.text;
  t = await testCards();
  id = (await t.issue()).summary.id;
  page = createHttpServer({ name: 'app-page' });
  page.get('/client.js', async (_req, reply) => reply.type('text/javascript').send(bundle));
  page.get('/', async (_req, reply) => reply.type('text/html').send('<!doctype html><title>app</title>'));
  pageUrl = await listen(page, 0);
  ({ app: host } = await createCardHost({
    store: t.store,
    state: new MemoryState('cards'),
    allowedOrigins: [pageUrl],
  }));
  hostUrl = await listen(host, 0);
});
after(async () => {
  await host?.close();
  await page?.close();
  await t?.close();
});

test('the client bundle has no Node built-ins and reads the card from Chromium over the tap', {
  skip,
}, async () => {
  assert.doesNotMatch(bundle, /from\s*["']node:|require\(["']/);
  assert.doesNotMatch(bundle, /\bBuffer\./);
  const browser = await launchBrowser();
  try {
    const tab = await (await phoneContext(browser)).newPage();
    await tab.goto(pageUrl);
    const result = await tab.evaluate(
      async ({ tapUrl, rootUrl, bundleUrl }) => {
        const m = await import(bundleUrl);
        const root = await (await fetch(rootUrl)).json();
        const transport = await m.WebSocketTransport.connect(tapUrl);
        const cvRoot = { modulus: m.fromBase64(root.modulus), exponent: m.fromBase64(root.exponent) };
        const card = new m.JpkiClient(transport, { cvRoot });
        const data = new TextEncoder().encode('challenge from the page');
        const out = {
          certificate: m.hex(await card.readAuthCertificate()),
          signature: m.hex(await card.signData('auth', '1234', data)),
          info: await card.readCardInfo({ pin: '1234' }),
          wrong: '',
        };
        try {
          await card.readSignatureCertificate('wrong1');
        } catch (e) {
          out.wrong = `${(e as { code: string }).code}:${(e as { triesLeft: number }).triesLeft}`;
        }
        await transport.close();
        return out;
      },
      {
        tapUrl: `${hostUrl.replace('http', 'ws')}/v1/cards/${id}/tap`,
        rootUrl: `${hostUrl}/v1/cv-root`,
        bundleUrl: '/client.js',
      },
    );
    const cert = new X509Certificate(Buffer.from(result.certificate, 'hex'));
    assert.ok(
      verify(
        'sha256',
        Buffer.from('challenge from the page'),
        cert.publicKey,
        Buffer.from(result.signature, 'hex'),
      ),
    );
    assert.equal(result.info.individualNumber, '123456789018');
    assert.equal(result.info.basicInfo.name, '黒桐　幹也');
    assert.equal(result.wrong, 'card_pin_wrong:4');
  } finally {
    await browser.close();
  }
});

test('the wallet page: remove and put back a card with the keyboard, progress announced', {
  skip,
}, async () => {
  const browser = await launchBrowser();
  try {
    const tab = await (await phoneContext(browser)).newPage();
    await tab.goto(`${hostUrl}/`);
    assert.equal(await tab.locator('h1').textContent(), '仮想マイナンバーカード');
    const button = tab.getByRole('button', { name: 'カードを取り出す' });
    await button.focus();
    await tab.keyboard.press('Enter');
    await tab.getByRole('status').filter({ hasText: 'カードを取り出しました。' }).waitFor();
    assert.equal((await t.store.summary(id)).removed, true);
    await tab.getByRole('button', { name: 'カードを戻す' }).click();
    await tab.getByRole('status').filter({ hasText: 'カードを戻しました。' }).waitFor();
    assert.equal((await t.store.summary(id)).removed, false);
    await tab.goto(`${hostUrl}/?lang=en`);
    assert.equal(await tab.locator('html').getAttribute('lang'), 'en');
    assert.ok(await tab.getByRole('button', { name: 'Remove the card' }).isVisible());
  } finally {
    await browser.close();
  }
});
