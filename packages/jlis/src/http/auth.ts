import { createHash, timingSafeEqual } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Verifier, VerifierRegistry } from '../verifiers/registry.ts';

/** The token of an `Authorization: Bearer …` header. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const m = /^Bearer[ \t]+([\x21-\x7e]+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** onRequest hook of the admin API: the configured admin token, as a bearer token. */
export function adminGuard(adminToken: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(req);
    if (!token || !sameSecret(token, adminToken)) {
      reply.header('www-authenticate', 'Bearer realm="jlis-admin"');
      throw new HonninError(
        'jlis_admin_unauthorized',
        'the admin API needs Authorization: Bearer <adminToken>',
        {
          status: 401,
        },
      );
    }
  };
}

/** The verifier the request's API key belongs to, or undefined. */
export async function verifierOf(
  req: FastifyRequest,
  registry: VerifierRegistry,
): Promise<Verifier | undefined> {
  const token = bearerToken(req);
  return token ? registry.authenticate(token) : undefined;
}

/** Like verifierOf, but a request without a valid verifier key fails with 401. */
export async function requireVerifier(
  req: FastifyRequest,
  reply: FastifyReply,
  registry: VerifierRegistry,
): Promise<Verifier> {
  const v = await verifierOf(req, registry);
  if (!v) {
    reply.header('www-authenticate', 'Bearer realm="jlis"');
    throw new HonninError(
      'jlis_verifier_unauthorized',
      'revocation data and verifier services need Authorization: Bearer <verifier API key>',
      { status: 401 },
    );
  }
  return v;
}
