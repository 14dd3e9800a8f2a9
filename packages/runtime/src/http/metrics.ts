import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'part' | 'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'part' | 'method' | 'route'>;
}

/** One registry per process (parts label their series with `part`). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'honnin_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'honnin_http_requests_total',
      help: 'HTTP requests answered',
      labelNames: ['part', 'method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'honnin_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['part', 'method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/** Installed on the root instance so the hook sees every route of the server. */
export function installMetrics(app: FastifyInstance, metrics: Metrics, part: string): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    metrics.httpRequests.inc({ part, method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ part, method: req.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
