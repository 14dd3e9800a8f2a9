import type { FastifyRequest } from 'fastify';
import { type Flow, sha256 } from './flow.ts';

/**
 * The app's right to act on one flow: a random token in a cookie of the device
 * that opened the QR link (or was switched to), stored only hashed in the flow.
 */
export function appCapabilityCookie(flow: Flow, token: string, maxAgeMs: number): string {
  return `hf_${flow.id}=${token}; Path=/app; HttpOnly; SameSite=Lax; Max-Age=${Math.ceil(maxAgeMs / 1000)}`;
}

export function holdsCapability(req: FastifyRequest, flow: Flow): boolean {
  const m = new RegExp(`(?:^|;\\s*)hf_${flow.id}=([A-Za-z0-9_-]+)`).exec(req.headers.cookie ?? '');
  return !!m && !!flow.appTokenHash && sha256(m[1]!) === flow.appTokenHash;
}
