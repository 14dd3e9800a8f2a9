import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { HonninError } from '../errors.ts';
import { loggerOptions } from '../log.ts';
import { installMetrics, type Metrics } from './metrics.ts';

export { type BearerGuardOptions, bearerGuard, bearerToken, sameSecret } from './bearer.ts';
export { createMetrics, type Metrics } from './metrics.ts';

export interface HttpServerOptions {
  /** the part's name, used in logs and metrics */
  name: string;
  logger?: Logger | undefined;
  logLevel?: string | undefined;
  metrics?: Metrics | undefined;
  /** maximum request body (default 1 MiB) */
  bodyLimit?: number | undefined;
  trustProxy?: boolean | undefined;
  fastify?: Partial<FastifyServerOptions>;
}

// Fastify's own error codes that mean "the client sent something unusable".
const CLIENT_ERRORS: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'malformed_body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'malformed_body' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'malformed_body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'body_too_large' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 400, code: 'malformed_body' },
  FST_ERR_VALIDATION: { status: 400, code: 'invalid_request' },
};

/**
 * A Fastify instance with the conventions every honnin server shares: JSON
 * errors `{ error, message }` with stable codes and no stack traces, a 404 in the
 * same shape, `/healthz`, Prometheus `/metrics`, and logs with secrets redacted.
 */
export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    ...(opts.logger
      ? { loggerInstance: opts.logger }
      : { logger: loggerOptions(opts.logLevel ?? 'warn', opts.name) }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    trustProxy: opts.trustProxy ?? false,
    return503OnClosing: true,
    ...opts.fastify,
  }) as unknown as FastifyInstance;

  app.setErrorHandler(
    (err: Error & { code?: string; statusCode?: number; validation?: unknown }, req, reply) => {
      // typed errors of libraries without a runtime dependency (@honnin/jpki) share HonninError's shape
      if (err instanceof HonninError || isTypedError(err)) {
        if (err.status >= 500) req.log.error({ err }, err.message);
        return reply.status(err.status).send(err.toJSON());
      }
      const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
      if (known || err.validation) {
        const k = known ?? CLIENT_ERRORS.FST_ERR_VALIDATION!;
        return reply.status(k.status).send({ error: k.code, message: err.message });
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.status(err.statusCode).send({ error: 'bad_request', message: err.message });
      }
      req.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: 'internal_error', message: 'internal error' });
    },
  );
  // Through the error handler, so a part that wraps it (HTML pages) renders its 404 too.
  app.setNotFoundHandler(async (req) => {
    throw new HonninError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`, {
      status: 404,
    });
  });
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok', part: opts.name }));
  if (opts.metrics) installMetrics(app, opts.metrics, opts.name);
  return app;
}

/** Listens and returns the base URL ("http://127.0.0.1:PORT"). */
export async function listen(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<string> {
  await app.listen({ port, host });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string')
    throw new HonninError('listen_failed', 'server has no TCP address', { status: 500 });
  const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${h === '0.0.0.0' || h === '[::]' ? '127.0.0.1' : h}:${addr.port}`;
}

function isTypedError(err: unknown): err is Pick<HonninError, 'status' | 'toJSON'> & Error {
  const e = err as Partial<HonninError> | undefined;
  return (
    err instanceof Error &&
    typeof e?.code === 'string' &&
    /^ERR_[A-Z_]+$/.test(e.code) &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 600 &&
    typeof e.toJSON === 'function'
  );
}
