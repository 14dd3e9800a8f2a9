import type { FastifyInstance } from 'fastify';

/**
 * Which browsers may drive the cards. Taking a card out, putting it back and
 * opening a tap (which can spend PIN tries) are allowed to pages of the
 * configured origins (the platform's app and card-reader page, and
 * `cards.allowedOrigins`) and to the wallet itself, at its own public origin.
 *
 * The origins are compared with configuration only, never with the request's
 * Host: a DNS-rebinding page (evil.example resolving to 127.0.0.1) sends a Host
 * and an Origin that agree. For the same reason a request naming a host that is
 * not ours is refused outright, whatever it asks: ours are the public URL's
 * host and, at the port we listen on, the bind address and loopback names.
 */
export interface OriginPolicy {
  /** is the request's Host header one of ours? */
  hostOk(host: string | undefined): boolean;
  /** may a page of this origin (undefined: not a browser) act on the cards? */
  originOk(origin: string | undefined): boolean;
  /** an origin that gets CORS headers (a page of another part reading the API) */
  corsOk(origin: string | undefined): boolean;
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

export function originPolicy(
  app: FastifyInstance,
  opts: { publicUrl?: string | undefined; allowedOrigins: readonly string[] },
): OriginPolicy {
  const allowed = new Set(opts.allowedOrigins.map((o) => new URL(o).origin));
  const publicUrl = opts.publicUrl ? new URL(opts.publicUrl) : undefined;
  // the listening port and address are known only once the server listens (port 0 in tests)
  const ownHosts = (): string[] => {
    const addr = app.server.address();
    const hosts = publicUrl ? [publicUrl.host] : [];
    if (addr && typeof addr !== 'string') {
      const bound = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      for (const name of new Set([bound, ...LOOPBACK])) hosts.push(`${name}:${addr.port}`);
    }
    return hosts;
  };
  return {
    hostOk: (host) => host !== undefined && ownHosts().includes(host.toLowerCase()),
    originOk: (origin) =>
      origin === undefined ||
      allowed.has(origin) ||
      origin === publicUrl?.origin ||
      ownHosts().some((h) => origin === `http://${h}`),
    corsOk: (origin) => origin !== undefined && allowed.has(origin),
  };
}
