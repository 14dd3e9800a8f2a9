import type { Kysely } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RelyingParty } from './client.ts';
import { RelyingPartyKeys } from './keys.ts';
import { RelyingPartyError } from './outcomes.ts';
import type { RelyingPartyDB } from './store.ts';

/**
 * A service's relying-party client, wired into its app: the keys (generated
 * once, kept in the service's storage) served at `/.well-known/jwks.json`,
 * the platform's redirect back registered as `<publicUrl>/auth/callback`, and
 * an hourly sweep of old authorizations while the app runs.
 */
export async function installRelyingParty(
  app: FastifyInstance,
  o: {
    /** the service's storage, migrated with `relyingPartyMigrations` */
    storage: { readonly db: unknown };
    issuer: string;
    clientId: string;
    publicUrl: string;
    clock?: (() => number) | undefined;
  },
): Promise<RelyingParty> {
  const keys = await RelyingPartyKeys.load(o.storage.db as Kysely<RelyingPartyDB>, o.clock);
  keys.route(app);
  const rp = new RelyingParty({
    issuer: o.issuer,
    clientId: o.clientId,
    redirectUri: `${o.publicUrl}/auth/callback`,
    storage: o.storage,
    keys,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  const sweeper = setInterval(() => void rp.sweep().catch(() => {}), 3600_000);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));
  return rp;
}

/**
 * Sends the browser to the platform (an authorization `start` returns); when
 * the flow cannot start (the platform unreachable, a refused transaction), the
 * citizen is sent `back` and reads why there.
 */
export async function redirectToPlatform(
  req: FastifyRequest,
  reply: FastifyReply,
  back: string,
  start: () => Promise<URL>,
): Promise<FastifyReply> {
  try {
    return reply.redirect((await start()).toString(), 303);
  } catch (e) {
    if (!(e instanceof RelyingPartyError)) throw e;
    req.log.warn({ err: e }, 'platform flow could not start');
    await req.session.flash('error', e.text);
    return reply.redirect(back, 303);
  }
}
