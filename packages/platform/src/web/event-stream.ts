import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface EventStream {
  send(event: string, data: unknown): void;
  /** runs when the browser goes away (or the server closes); at once if it already has */
  onClose(fn: () => void): void;
  readonly closed: boolean;
}

/**
 * Server-sent events for the pages that follow a flow live (the service's PC
 * page, the app waiting for the PC). Streams are ended when the server closes,
 * so a page left open never holds a shutdown up.
 */
export class EventStreams {
  readonly #open = new Set<ServerResponse>();

  constructor(app: FastifyInstance) {
    app.addHook('preClose', async () => {
      for (const res of this.#open) res.end();
      this.#open.clear();
    });
  }

  open(req: FastifyRequest, reply: FastifyReply): EventStream {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    this.#open.add(res);
    let closed = false;
    const closers: (() => void)[] = [];
    const heartbeat = setInterval(() => !closed && res.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      this.#open.delete(res);
      for (const fn of closers) fn();
    };
    req.raw.on('close', close);
    res.on('close', close);
    // a browser that left before the stream opened fires no 'close' any more
    if (res.destroyed || !res.socket || res.socket.destroyed) close();
    return {
      send: (event, data) => {
        if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      onClose: (fn) => {
        // registered after the browser left (a route awaited meanwhile): clean up now, not never
        if (closed) fn();
        else closers.push(fn);
      },
      get closed() {
        return closed;
      },
    };
  }
}
