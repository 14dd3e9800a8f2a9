import { createHash, timingSafeEqual } from 'node:crypto';
import { createHttpServer, HonninError, type Logger, type Metrics } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { OfficialCa } from './authority.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The CA's public face: its root certificate, its CRL, and enrollment (a
 * PKCS#10 request, base64 in JSON, from a subscriber holding the enrollment token).
 */
export function createOfficialCaServer(opts: {
  ca: OfficialCa;
  enrollmentToken: string;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
}): FastifyInstance {
  const app = createHttpServer({ name: 'gpki', logger: opts.logger, metrics: opts.metrics });
  const expected = digest(opts.enrollmentToken);

  app.get('/ca.crt', async (_req, reply) =>
    reply.type('application/pkix-cert').send(Buffer.from(opts.ca.rootDer)),
  );
  app.get('/crl', async (_req, reply) =>
    reply
      .type('application/pkix-crl')
      .header('cache-control', 'no-cache')
      .send(Buffer.from(await opts.ca.crl())),
  );
  app.post<{ Body: { csr?: unknown } }>('/certificates', async (req, reply) => {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!timingSafeEqual(digest(token), expected)) {
      throw new HonninError('ca_enrollment_denied', 'a valid enrollment token is required', { status: 401 });
    }
    const csr = req.body?.csr;
    if (typeof csr !== 'string' || !csr)
      throw new HonninError('ca_csr_invalid', 'body must be {"csr": base64 DER}');
    const der = await opts.ca.issueFromCsr(new Uint8Array(Buffer.from(csr, 'base64')));
    return reply.status(201).type('application/pkix-cert').send(Buffer.from(der));
  });
  return app;
}
