import { createHash } from 'node:crypto';
import { toPem } from '@honnin/jpki';
import { caName, dnToString } from '@honnin/jpki/profile';
import { z } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import type { Jlis } from '../jlis.ts';
import { parseInput } from './body.ts';

const caParams = z.strictObject({ caId: z.string().min(1).max(100) });

/** The CA certificates (trust anchors): public, as a JSON list and each as DER and PEM. */
export function caRoutes(jlis: Jlis) {
  return async (app: FastifyInstance) => {
    app.get('/ca', async () => ({
      ca: jlis.ca.list().map((g) => ({
        id: g.id,
        purpose: g.purpose,
        generation: g.generation,
        active: g.active,
        subject: dnToString(caName(g.purpose, jlis.ca.org)),
        notBefore: g.notBefore.toISOString(),
        notAfter: g.notAfter.toISOString(),
        sha256: createHash('sha256').update(g.certDer).digest('hex'),
        links: {
          der: `/ca/${g.id}/certificate.der`,
          pem: `/ca/${g.id}/certificate.pem`,
          crl: `/ca/${g.id}/crl`,
        },
      })),
    }));

    app.get('/ca/:caId/certificate.der', async (req, reply) => {
      const g = jlis.ca.get(parseInput(caParams, req.params).caId);
      return reply
        .header('content-type', 'application/pkix-cert')
        .header('content-disposition', `attachment; filename="${g.id}.cer"`)
        .send(Buffer.from(g.certDer));
    });

    app.get('/ca/:caId/certificate.pem', async (req, reply) => {
      const g = jlis.ca.get(parseInput(caParams, req.params).caId);
      return reply.header('content-type', 'application/x-pem-file').send(toPem(g.certDer));
    });
  };
}
