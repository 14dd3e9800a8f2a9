import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HonninError } from '../errors.ts';

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const m = /^Bearer[ \t]+([\x21-\x7e]+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison of two secrets of any length (their SHA-256 digests are compared). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export interface BearerGuardOptions {
  /** the `realm` of the WWW-Authenticate challenge */
  realm: string;
  /** the error code of the 401 */
  code: string;
  /** what the caller is told (default: which header is needed) */
  message?: string;
}

/**
 * An onRequest/preHandler hook letting through only requests that carry `token`
 * as their bearer token; others get 401 with a Bearer challenge.
 */
export function bearerGuard(token: string, opts: BearerGuardOptions) {
  if (!token) throw new Error('bearerGuard needs a token');
  const expected = digest(token);
  const message = opts.message ?? 'this API needs Authorization: Bearer <token>';
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = bearerToken(req);
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    reply.header('www-authenticate', `Bearer realm="${opts.realm}"`);
    throw new HonninError(opts.code, message, { status: 401 });
  };
}
