import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { isOutcomeCode, OUTCOME_DESCRIPTION } from '../outcomes.ts';
import type { SigningKeys } from './signing-keys.ts';

/** Paths oidc-provider answers (its default routes, discovery included). */
const OIDC_PATHS = [
  '/auth',
  '/auth/*',
  '/token',
  '/token/*',
  '/me',
  '/jwks',
  '/request',
  '/session/*',
  '/.well-known/*',
];

/**
 * Holds the running oidc-provider and swaps it for a fresh one when the
 * signing keys rotate (oidc-provider fixes its key set at construction). All
 * state lives in the store, so requests in flight on the old one complete.
 */
export class ProviderHost {
  readonly #build: (jwks: JWK[]) => Provider;
  readonly #keys: SigningKeys;
  /** the provider and its request handler (Koa composes its middleware on each callback()) */
  #current: { provider: Provider; handle: ReturnType<Provider['callback']> } | undefined;
  #version = '';

  constructor(keys: SigningKeys, build: (jwks: JWK[]) => Provider) {
    this.#keys = keys;
    this.#build = build;
  }

  get provider(): Provider {
    return this.#running().provider;
  }

  #running() {
    if (!this.#current) throw new Error('ProviderHost.refresh() was not called');
    return this.#current;
  }

  /** Applies the key schedule; rebuilds the provider when the key set changed. */
  async refresh(): Promise<void> {
    const set = await this.#keys.current();
    if (set.version === this.#version && this.#current) return;
    const provider = this.#build(set.keys);
    provider.use(splitOutcomeCode);
    this.#current = { provider, handle: provider.callback() };
    this.#version = set.version;
  }

  /**
   * Routes oidc-provider's paths to it, untouched: Fastify must not read the
   * body (the provider parses its own), so these routes live in a context
   * whose only content-type parser leaves the stream alone.
   */
  mount(app: FastifyInstance): void {
    app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      const handler = (req: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        this.#running().handle(req.raw, reply.raw);
      };
      for (const path of OIDC_PATHS) scope.all(path, handler);
    });
  }
}

/**
 * oidc-provider carries only `error` and `error_description` to the redirect
 * URI. Flows end with descriptions "<error_code> txn=<id>: <text>"; this puts
 * the code and the transaction id in their own parameters, as documented.
 */
async function splitOutcomeCode(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const location = ctx.status >= 300 && ctx.status < 400 ? ctx.response.get('location') : '';
  if (!location?.includes('error=')) return;
  const url = new URL(location);
  const description = url.searchParams.get('error_description') ?? '';
  const m = OUTCOME_DESCRIPTION.exec(description);
  if (!m || !isOutcomeCode(m[1])) return;
  url.searchParams.set('error_code', m[1]);
  if (m[2]) url.searchParams.set('txn', m[2]);
  url.searchParams.set('error_description', m[3]!);
  ctx.redirect(url.href);
}
