import { definePart, HonninError, listen, port, z } from '@honnin/runtime';
import { CrlChecker } from './revocation.ts';
import { createVerificationServer } from './server.ts';
import { CertificateVerifier, httpRegistryClient } from './verifier.ts';

const config = z.object({
  port: port.default(7008),
  /** the qualification system's public API (default: the qualifications part) */
  registryUrl: z.string().url().optional(),
  /** the official-status CA whose root is trusted (default: the gpki part) */
  caUrl: z.string().url().optional(),
  /** longest time a fetched CRL is reused, even when its nextUpdate is later */
  crlMaxAgeSeconds: z.coerce.number().int().min(0).default(60),
});

/** Fetches the CA's root once: the trust anchor for every signing certificate. */
export async function fetchRoot(caUrl: string, fetchFn: typeof fetch = fetch): Promise<Uint8Array> {
  try {
    const res = await fetchFn(`${caUrl}/ca.crt`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new HonninError(
      'ca_unavailable',
      `cannot fetch the CA root from ${caUrl}: ${(e as Error).message}`,
      {
        status: 502,
        cause: e,
      },
    );
  }
}

/** A verifier built on first use (the CA may start after this part). */
export function lazyVerifier(opts: { registryUrl: string; caUrl: string; crlMaxAgeMs: number }) {
  let built: Promise<CertificateVerifier> | undefined;
  return () => {
    built ??= fetchRoot(opts.caUrl).then(
      (rootDer) =>
        new CertificateVerifier({
          registry: httpRegistryClient(opts.registryUrl),
          crl: new CrlChecker({ rootDer, maxAgeMs: opts.crlMaxAgeMs }),
          rootDer,
        }),
    );
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
}

/** The public verification page of digital qualification certificates. */
export const verifyPart = definePart({
  name: 'verify',
  title: 'デジタル資格者証 確認ページ / qualification certificate verification',
  config,
  async start(ctx) {
    const app = createVerificationServer({
      verifier: lazyVerifier({
        registryUrl: ctx.config.registryUrl ?? ctx.urls.qualifications ?? '',
        caUrl: ctx.config.caUrl ?? ctx.urls.gpki ?? '',
        crlMaxAgeMs: ctx.config.crlMaxAgeSeconds * 1000,
      }),
      logger: ctx.logger,
      metrics: ctx.metrics,
    });
    await listen(app, ctx.config.port, ctx.shared.host);
    return {
      name: 'verify',
      urls: { page: `${ctx.urls.verify}/w/` },
      close: () => app.close(),
    };
  },
});
