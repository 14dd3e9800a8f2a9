import { createHttpServer, type Logger, type Metrics } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Jlis } from '../jlis.ts';
import { adminRoutes } from './admin-routes.ts';
import { caRoutes } from './ca-routes.ts';
import { verifierRoutes } from './verifier-routes.ts';

export interface JlisServerOptions {
  adminToken: string;
  logger?: Logger | undefined;
  metrics?: Metrics | undefined;
}

/** J-LIS's HTTP server: CA certificates, CRLs, OCSP, verifier services and the admin API. */
export async function createJlisServer(jlis: Jlis, opts: JlisServerOptions): Promise<FastifyInstance> {
  const app = createHttpServer({
    name: 'jlis',
    logger: opts.logger,
    metrics: opts.metrics,
    // OCSP GET carries the whole request in the path
    fastify: {
      routerOptions: { maxParamLength: 4096 },
      // a path that is not valid percent-encoding: answered in our error shape
      frameworkErrors: (err, _req, reply) => {
        const badUrl = (err as { code?: string }).code === 'FST_ERR_BAD_URL';
        (reply as unknown as FastifyReply).code(400).send({
          error: badUrl ? 'malformed_url' : 'bad_request',
          message: badUrl ? 'the URL is not valid percent-encoding' : 'bad request',
        });
      },
    },
  });
  await app.register(caRoutes(jlis));
  await app.register(verifierRoutes(jlis));
  await app.register(adminRoutes(jlis, opts.adminToken), { prefix: '/admin' });
  return app;
}
