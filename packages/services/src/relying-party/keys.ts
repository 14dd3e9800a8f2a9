import type { Kysely } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { RelyingPartyDB } from './store.ts';

/** The algorithms of the two keys: ES256 client assertions, RSA-OAEP-256 for JWE results. */
export const KEY_ALGS = { sig: 'ES256', enc: 'RSA-OAEP-256' } as const;

export interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The relying party's own key pairs, generated on first start and kept in the
 * service's storage so every instance and every restart uses the same ones
 * (the platform fetches them from the JWKS URL it has registered).
 */
export class RelyingPartyKeys {
  readonly signing: KeyPair;
  readonly encryption: KeyPair;

  private constructor(signing: KeyPair, encryption: KeyPair) {
    this.signing = signing;
    this.encryption = encryption;
  }

  static async load(db: Kysely<RelyingPartyDB>, clock: () => number = Date.now): Promise<RelyingPartyKeys> {
    return new RelyingPartyKeys(await loadOrCreate(db, 'sig', clock), await loadOrCreate(db, 'enc', clock));
  }

  /** The public JWKS: what `/.well-known/jwks.json` serves. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.signing.publicJwk, this.encryption.publicJwk] };
  }

  /** Serves the JWKS at `/.well-known/jwks.json` (the jwks_uri registered with the platform). */
  route(app: FastifyInstance): void {
    app.get('/.well-known/jwks.json', async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return this.jwks();
    });
  }
}

async function loadOrCreate(
  db: Kysely<RelyingPartyDB>,
  use: 'sig' | 'enc',
  clock: () => number,
): Promise<KeyPair> {
  const alg = KEY_ALGS[use];
  const existing = await db
    .selectFrom('rp_key')
    .selectAll()
    .where('use', '=', use)
    // the first key ever stored wins, so instances starting together agree
    .orderBy('created_at')
    .orderBy('kid')
    .executeTakeFirst();
  if (existing)
    return toPair(existing.kid, alg, JSON.parse(existing.private_jwk), JSON.parse(existing.public_jwk));

  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const pub: JWK = { ...publicJwk, kid, use, alg };
  await db
    .insertInto('rp_key')
    .values({
      kid,
      use,
      alg,
      private_jwk: JSON.stringify(await exportJWK(privateKey)),
      public_jwk: JSON.stringify(pub),
      created_at: clock(),
    })
    .execute();
  return loadOrCreate(db, use, clock);
}

async function toPair(kid: string, alg: string, privateJwk: JWK, publicJwk: JWK): Promise<KeyPair> {
  const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
  return { kid, alg, privateKey, publicJwk };
}
