import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type HolderInput, type IssuedCard, type Jlis, japanMonth, openJlis } from '@honnin/jlis';
import { createJlisServer } from '@honnin/jlis/http/server';
import { listen } from '@honnin/runtime';

/** A key pair as the card would hold it (tests sign with the private key the way the card does). */
export interface CardKey {
  privateKey: KeyObject;
  spki: Uint8Array;
}

export function cardKey(): CardKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
}

export const HOLDER: HolderInput = {
  name: '黒桐　幹也',
  address: '東京都千代田区千代田１－１',
  birthDate: '1980-02-17',
  sex: '1',
  municipalityCode: '131016',
};

export interface TestCard {
  issued: IssuedCard;
  authKey: CardKey;
  signatureKey: CardKey;
}

/** J-LIS's own HTTP server, and a verifier registered with it: how a relying party reaches J-LIS. */
export interface JlisService {
  url: string;
  /** POST application/ocsp-request */
  ocspUrl: string;
  /** the verifier's `Authorization: Bearer …` */
  headers: { authorization: string };
  /** a CA generation's CRL as J-LIS publishes it (GET /ca/{caId}/crl) */
  crl(caId: string): Promise<Uint8Array>;
  /** the same, as the HTTP body stream */
  crlStream(caId: string): Promise<ReadableStream<Uint8Array>>;
  /** OCSP answers J-LIS metered for this verifier so far this month */
  ocspAnswers(): Promise<number>;
}

/** The J-LIS simulator with a movable clock: the source of every real artefact in these tests. */
export interface Simulator {
  jlis: Jlis;
  clock: { now: Date };
  issue(holder?: Partial<HolderInput>): Promise<TestCard>;
  /** DER of every root of every generation, both purposes */
  anchors(): Uint8Array[];
  /** J-LIS's HTTP server on a loopback port (started on first use, stopped by `close`) */
  serve(): Promise<JlisService>;
  close(): Promise<void>;
}

export async function openSimulator(start = new Date('2026-04-01T03:00:00Z')): Promise<Simulator> {
  const clock = { now: start };
  const jlis = await openJlis({ storage: { dataDir: ':memory:' }, now: () => clock.now });
  let server: Promise<{ service: JlisService; close: () => Promise<void> }> | undefined;
  return {
    jlis,
    clock,
    async issue(holder = {}) {
      const authKey = cardKey();
      const signatureKey = cardKey();
      const issued = await jlis.issuer.issueCard({
        holder: { ...HOLDER, ...holder },
        authPublicKey: authKey.spki,
        signaturePublicKey: signatureKey.spki,
      });
      return { issued, authKey, signatureKey };
    },
    anchors: () => jlis.ca.list().map((g) => g.certDer),
    async serve() {
      server ??= startServer(jlis);
      return (await server).service;
    },
    async close() {
      if (server) await (await server).close();
      await jlis.close();
    },
  };
}

async function startServer(jlis: Jlis): Promise<{ service: JlisService; close: () => Promise<void> }> {
  const app = await createJlisServer(jlis, { adminToken: 'jpki-test-admin-token-0123456789' });
  const url = await listen(app, 0);
  const verifier = await jlis.verifiers.add('jpki tests');
  const headers = { authorization: `Bearer ${verifier.apiKey}` };
  const getCrl = async (caId: string) => {
    const res = await fetch(`${url}/ca/${caId}/crl`, { headers });
    if (res.status !== 200 || !res.body) throw new Error(`GET /ca/${caId}/crl answered ${res.status}`);
    return res.body;
  };
  return {
    service: {
      url,
      ocspUrl: `${url}/ocsp`,
      headers,
      crl: async (caId) => new Uint8Array(await new Response(await getCrl(caId)).arrayBuffer()),
      crlStream: getCrl,
      ocspAnswers: async () =>
        (await jlis.fees.statement(verifier, japanMonth(jlis.now()))).lines
          .filter((l) => l.channel === 'ocsp')
          .reduce((n, l) => n + l.count, 0),
    },
    close: () => app.close(),
  };
}
