import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';

/** The browser scripts: the service's page (QR, binding number) and the citizen's app. */
const ENTRIES = {
  'service-page': join(import.meta.dirname, '../interaction/browser/service-page.ts'),
  app: join(import.meta.dirname, '../citizen/browser/app.ts'),
} as const;
export type BundleName = keyof typeof ENTRIES;

interface Bundle {
  path: string;
  code: string;
}

let cache: Promise<Record<BundleName, Bundle>> | undefined;

/**
 * Bundles the browser code (the app includes the JPKI client of @honnin/card)
 * with esbuild once per process, and serves it under a content-hashed path so
 * browsers may cache it for good.
 */
export function buildBundles(): Promise<Record<BundleName, Bundle>> {
  cache ??= (async () => {
    const out = {} as Record<BundleName, Bundle>;
    for (const [name, entry] of Object.entries(ENTRIES) as [BundleName, string][]) {
      const r = await build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        legalComments: 'none',
        logLevel: 'silent',
      });
      const code = r.outputFiles[0]!.text;
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
      out[name] = { path: `/assets/${name}.${hash}.js`, code };
    }
    return out;
  })();
  cache.catch(() => {
    cache = undefined;
  });
  return cache;
}

export async function serveBundles(app: FastifyInstance): Promise<Record<BundleName, string>> {
  const bundles = await buildBundles();
  const paths = {} as Record<BundleName, string>;
  for (const [name, b] of Object.entries(bundles) as [BundleName, Bundle][]) {
    paths[name] = b.path;
    app.get(b.path, async (_req, reply) =>
      reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(b.code),
    );
  }
  return paths;
}
