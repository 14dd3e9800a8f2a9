import { createHttpServer, createLogger, type HttpServerOptions } from '@honnin/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * A service's HTTP server: the runtime's, with request log lines that show the
 * path but never the query. Query strings of these services carry personal
 * data and one-time secrets — a certificate record (name, birth date,
 * registration number) on the verification page, the authorization code and
 * state on /auth/callback — so no route, including ones added later, logs them.
 */
export function createWebServer(opts: HttpServerOptions): FastifyInstance {
  const logger = opts.logger ?? createLogger(opts.logLevel ?? 'warn', opts.name);
  return createHttpServer({ ...opts, logger: logger.child({}, { serializers: { req: requestLine } }) });
}

/** Fastify's request line, with the query replaced by a mark. */
function requestLine(req: FastifyRequest) {
  return {
    method: req.method,
    url: withoutQuery(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function withoutQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : `${url.slice(0, i)}?[redacted]`;
}
