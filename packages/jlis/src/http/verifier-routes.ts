import { Readable } from 'node:stream';
import { HonninError, z } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Jlis } from '../jlis.ts';
import { type OcspAnswer, ocspError } from '../ocsp/responder.ts';
import { checkMonth, japanMonth } from '../verifiers/fees.ts';
import { MAX_CRL_CHECKS } from '../verifiers/services.ts';
import { requireVerifier, verifierOf } from './auth.ts';
import { parseInput, purpose, serial } from './body.ts';

const OCSP_REQUEST = 'application/ocsp-request';

/**
 * What J-LIS gives approved signature verifiers, each call authenticated with
 * the verifier's API key (`Authorization: Bearer …`) and metered: OCSP, and
 * the services of seed 003 (紐付け, 新旧紐付け, 年齢判定, CRL check reports).
 */
export function verifierRoutes(jlis: Jlis) {
  return async (app: FastifyInstance) => {
    app.addContentTypeParser(OCSP_REQUEST, { parseAs: 'buffer', bodyLimit: 65_536 }, (_req, body, done) =>
      done(null, body),
    );

    /** Authenticates and answers; a failure inside (the store down) is OCSP's internalError, not JSON. */
    const answer = async (req: FastifyRequest, reply: FastifyReply, der: () => Uint8Array | undefined) => {
      let a: OcspAnswer;
      try {
        const v = await verifierOf(req, jlis.verifiers);
        if (!v) {
          reply.header('www-authenticate', 'Bearer realm="jlis"');
          a = ocspError('unauthorized');
        } else {
          const request = der();
          a = request ? await jlis.ocsp.respond(request, v.id) : ocspError('malformedRequest');
        }
      } catch (err) {
        req.log.error({ err }, 'OCSP request failed');
        a = ocspError('internalError');
      }
      return reply
        .header('content-type', 'application/ocsp-response')
        .header('cache-control', 'no-store')
        .send(Buffer.from(a.der));
    };

    // RFC 6960 A.1: POST the DER request, or GET it base64- then URL-encoded in the path
    app.post('/ocsp', async (req, reply) => {
      if (!req.headers['content-type']?.toLowerCase().startsWith(OCSP_REQUEST)) {
        throw new HonninError('unsupported_media_type', `POST /ocsp takes ${OCSP_REQUEST}`, { status: 415 });
      }
      return answer(req, reply, () => (req.body instanceof Buffer ? new Uint8Array(req.body) : undefined));
    });

    app.get('/ocsp/*', async (req, reply) =>
      answer(req, reply, () => {
        try {
          return new Uint8Array(
            Buffer.from(decodeURIComponent((req.params as { '*': string })['*']), 'base64'),
          );
        } catch {
          return undefined;
        }
      }),
    );

    // the full CRL of a CA generation (DER), streamed from the store
    app.get('/ca/:caId/crl', async (req, reply) => {
      await requireVerifier(req, reply, jlis.verifiers);
      const { caId } = parseInput(z.strictObject({ caId: z.string().min(1).max(100) }), req.params);
      const crl = await jlis.crls.current(caId);
      const etag = `"${crl.caId}-${crl.number}"`;
      reply
        .header('etag', etag)
        .header('last-modified', crl.thisUpdate.toUTCString())
        .header('cache-control', 'private, no-cache')
        .header('x-crl-number', String(crl.number))
        .header('x-crl-next-update', crl.nextUpdate.toISOString());
      if (req.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply
        .header('content-type', 'application/pkix-crl')
        .header('content-length', String(crl.size))
        .send(Readable.from(jlis.crls.chunks(crl)));
    });

    app.get('/verifier/me', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      return { id: v.id, name: v.name };
    });

    app.post('/verifier/link', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      const body = parseInput(z.strictObject({ signatureSerial: serial }), req.body);
      return jlis.services.link(v.id, body.signatureSerial);
    });

    app.post('/verifier/successor', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      const body = parseInput(z.strictObject({ purpose, serial }), req.body);
      return jlis.services.successor(v.id, body.purpose, body.serial);
    });

    app.post('/verifier/age', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      const body = parseInput(
        z.strictObject({
          purpose,
          serial,
          age: z.number().int().min(0).max(150),
          on: z.iso.date().optional(),
        }),
        req.body,
      );
      return jlis.services.age(v.id, body.purpose, body.serial, body.age, body.on);
    });

    app.post('/verifier/crl-checks', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      const body = parseInput(
        z.strictObject({
          checks: z
            .array(z.strictObject({ purpose, serial, statusCheck: z.boolean().optional() }))
            .min(1)
            .max(MAX_CRL_CHECKS),
        }),
        req.body,
      );
      return jlis.services.reportCrlChecks(v.id, body.checks);
    });

    app.get('/verifier/statements/:month', async (req, reply) => {
      const v = await requireVerifier(req, reply, jlis.verifiers);
      const { month } = req.params as { month: string };
      return jlis.fees.statement(v, month === 'current' ? japanMonth(jlis.now()) : checkMonth(month));
    });
  };
}
