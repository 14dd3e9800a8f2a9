import { createServer, type IncomingMessage, request, type Server } from 'node:http';

/**
 * A load balancer for tests: one public address in front of several instances
 * of a part, choosing the instance per request (e.g. the phone's requests to
 * one platform instance, the PC's to another). Streams bodies both ways, so
 * server-sent events pass through.
 */
export interface SplitProxy {
  url: string;
  /** requests served, per target index */
  counts: number[];
  close(): Promise<void>;
}

export async function startSplitProxy(
  targets: string[],
  choose: (req: IncomingMessage) => number,
  port = 0,
): Promise<SplitProxy> {
  const counts = targets.map(() => 0);
  const server: Server = createServer((req, res) => {
    const i = choose(req);
    counts[i]!++;
    const target = new URL(targets[i]!);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as { port: number };
  return {
    url: `http://localhost:${bound}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
