import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import { HonninError, type Logger, type Metrics } from '@honnin/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createWebServer, type Lang, type PageContent, parseLang, renderPage } from '../../web/index.ts';
import { confirmPage, resultPage, scanPage, VERIFY_CSS } from './pages.ts';
import type { CertificateVerifier, Verification } from './verifier.ts';

const SCAN_JS = readFileSync(new URL('./scan.js', import.meta.url), 'utf8');
const SITE = {
  serviceName: { ja: 'デジタル資格者証 確認ページ', en: 'Digital qualification certificate check' },
  tagline: { ja: '国家資格等情報連携・活用システム', en: 'National qualification system' },
  css: VERIFY_CSS,
};

/**
 * The verification page (the real one lives at dqcvs.nqs.go.jp): the QR opens
 * `/w/?c=<record>`; 「検証実施」 posts `checkdata` to `/w/verify`. It keeps no
 * state and needs no login — anyone shown a certificate can check it. Every
 * input, however broken, ends on the result page.
 */
export function createVerificationServer(opts: {
  verifier: () => Promise<CertificateVerifier>;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
}): FastifyInstance {
  const app = createWebServer({
    name: 'verify',
    logger: opts.logger,
    metrics: opts.metrics,
    bodyLimit: 64 * 1024,
  });
  void app.register(formbody);
  // whatever else a client posts is no certificate: the page says so instead of a 415
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, {}));

  // Japanese first; English on ?lang=en, which the page's forms carry along
  const lang = (req: FastifyRequest): Lang => parseLang((req.query as Record<string, unknown>).lang) ?? 'ja';
  const send = (req: FastifyRequest, content: PageContent) =>
    renderPage(SITE, { lang: lang(req), url: req.url, flash: [] }, content);

  app.addHook('onSend', async (_req, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });

  app.get('/', async (_req, reply) => reply.redirect('/w/', 302));
  app.get('/w', async (req, reply) => reply.redirect(`/w/${req.url.slice(2)}`, 301));
  app.get<{ Querystring: { c?: string } }>('/w/', async (req, reply) => {
    const c = typeof req.query.c === 'string' ? req.query.c : '';
    return reply
      .type('text/html; charset=utf-8')
      .send(send(req, c ? confirmPage(lang(req), c) : scanPage(lang(req))));
  });
  // the language switch on a result page: there is nothing to show again without the data
  app.get<{ Querystring: { lang?: string } }>('/w/verify', async (req, reply) =>
    reply.redirect(`/w/${req.query.lang === 'en' ? '?lang=en' : ''}`, 303),
  );
  app.get('/w/scan.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(SCAN_JS));
  app.post<{ Body: { checkdata?: unknown } | undefined }>('/w/verify', async (req, reply) => {
    const checkdata = typeof req.body?.checkdata === 'string' ? req.body.checkdata : '';
    let result: Verification;
    try {
      result = await (await opts.verifier()).verify(checkdata);
    } catch (e) {
      // without the CA's root nothing can be trusted; say so on the page
      if (!(e instanceof HonninError)) throw e;
      result = { valid: false, reason: 'ca_unavailable' };
    }
    req.log.info(
      { valid: result.valid, reason: result.valid ? undefined : result.reason },
      'certificate verified',
    );
    return reply.type('text/html; charset=utf-8').send(send(req, resultPage(lang(req), result)));
  });
  return app;
}
