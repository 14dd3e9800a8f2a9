import { bearerToken, HonninError } from '@honnin/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Verifier, VerifierRegistry } from '../verifiers/registry.ts';

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
