import { HonninError } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from '../certificate/signing-keys.ts';
import type { Certificates } from './certificates.ts';

/**
 * The registry's public API, what the verification page asks: a certificate's
 * status by its id (DN), and the official-status certificate of a key id.
 * Neither reveals personal data.
 */
export function registerRegistryApi(
  app: FastifyInstance,
  deps: { certificates: Certificates; keys: SigningKeys },
) {
  app.get<{ Params: { id: string } }>('/api/v1/certificates/:id/status', async (req, reply) => {
    const status = await deps.certificates.status(req.params.id);
    if (!status) throw new HonninError('certificate_unknown', 'no such certificate', { status: 404 });
    return reply.header('cache-control', 'no-store').send(status);
  });
  app.get<{ Params: { keyId: string } }>('/api/v1/signing-keys/:keyId/certificate', async (req, reply) => {
    const der = await deps.keys.certificate(req.params.keyId);
    if (!der) throw new HonninError('signing_key_unknown', 'no such key id', { status: 404 });
    return reply.type('application/pkix-cert').send(Buffer.from(der));
  });
}
