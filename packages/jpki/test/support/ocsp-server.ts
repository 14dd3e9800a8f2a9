import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Jlis, ocspError } from '@honnin/jlis';

/**
 * The simulator's OCSP responder over real HTTP (POST application/ocsp-request,
 * Bearer API key of a registered verifier), with the misbehaviours a client
 * must survive: replaying an old answer, never answering.
 */
export interface OcspServer {
  url: string;
  apiKey: string;
  /** requests received */
  requests: number;
  mode: 'normal' | 'replay' | 'hang';
  close(): Promise<void>;
}

export async function startOcspServer(jlis: Jlis): Promise<OcspServer> {
  const verifier = await jlis.verifiers.add(`jpki-test-${Math.random().toString(36).slice(2)}`);
  let last: Uint8Array | undefined;
  const state: OcspServer = {
    url: '',
    apiKey: verifier.apiKey,
    requests: 0,
    mode: 'normal',
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer(async (req, res) => {
    state.requests++;
    if (state.mode === 'hang') return; // the client's timeout must end this
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const who = key ? await jlis.verifiers.authenticate(key) : undefined;
    const answer = who
      ? (await jlis.ocsp.respond(new Uint8Array(Buffer.concat(chunks)), who.id)).der
      : ocspError('unauthorized').der;
    const body = state.mode === 'replay' && last ? last : answer;
    last = answer;
    res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`;
  server.on('close', () => server.closeAllConnections());
  const close = state.close;
  state.close = () => {
    server.closeAllConnections();
    return close();
  };
  return state;
}
