import { constants, generateKeyPairSync, type KeyObject, privateEncrypt, sign } from 'node:crypto';
import { openJlis } from '@honnin/jlis';
import { createJlisServer } from '@honnin/jlis/http/server';
import { createLoginChallenge, encodeDigestInfo } from '@honnin/jpki';
import { listen, openMigratedStorage, type Storage, silentLogger } from '@honnin/runtime';
import { isolatedStorage, type StorageBackend } from '@honnin/runtime/testing';
import { EventLog } from '../src/events/event-log.ts';
import { migrations } from '../src/store/migrations.ts';
import type { PlatformDB } from '../src/store/schema.ts';
import { CardVerifier } from '../src/verification/card-verifier.ts';
import { Fees } from '../src/verification/fees.ts';

const holder = {
  name: '両儀　式',
  address: '東京都千代田区千代田１－１',
  birthDate: '1978-06-01',
  sex: '2' as const,
  municipalityCode: '131016',
};

export const who = { clientId: 'RP00000811', transactionId: 'verifier-test' };

const key = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
};

/** A J-LIS of its own (over HTTP) that issues cards; its certificates are unknown to any other J-LIS. */
export async function startJlis(backend: StorageBackend) {
  const j = isolatedStorage(backend, 'jlis');
  const jlis = await openJlis({ storage: j.options });
  const server = await createJlisServer(jlis, { adminToken: 'jlis-admin-token-0123456789' });
  const url = await listen(server, 0);
  return {
    jlis,
    url,
    /** a new holder's card: certificates and private keys */
    async card() {
      const auth = key();
      const sig = key();
      const issued = await jlis.issuer.issueCard({
        holder,
        authPublicKey: auth.spki,
        signaturePublicKey: sig.spki,
      });
      return { ...issued, authKey: auth.privateKey, signatureKey: sig.privateKey };
    },
    async close() {
      await server.close();
      await jlis.close();
      await j.cleanup();
    },
  };
}

/**
 * The platform's verifier on its own store against a J-LIS over HTTP, with
 * every request to J-LIS recorded (path and status).
 */
export async function verifierWorld(backend: StorageBackend) {
  const j = await startJlis(backend);
  const p = isolatedStorage(backend, 'platform');
  const apiKey = (await j.jlis.verifiers.add('platform under test')).apiKey;
  const storage: Storage<PlatformDB> = await openMigratedStorage<PlatformDB>(p.options, migrations);
  const requests: string[] = [];
  let barrier: { path: string; count: number; held: (() => void)[] } | undefined;
  const fees = new Fees(storage);
  const events = new EventLog(storage);
  // two platform instances on one store: each has its own CA list and linking runs
  const instances = [0, 1].map(
    () =>
      new CardVerifier(
        storage,
        {
          jlisUrl: j.url,
          jlisApiKey: apiKey,
          cvRoot: { cardHostUrl: 'http://127.0.0.1:9' },
          fetch: async (url, init) => {
            const path = new URL(String(url)).pathname;
            requests.push(path);
            const res = await globalThis.fetch(url, init);
            const b = barrier;
            if (b && path.endsWith(b.path)) {
              // answers held until all the expected requests are in: the callers go on together
              await new Promise<void>((go) => {
                b.held.push(go);
                if (b.held.length < b.count) return;
                barrier = undefined;
                for (const release of b.held) release();
              });
            }
            return res;
          },
        },
        { fees, events, logger: silentLogger(), now: Date.now },
      ),
  );
  const verifier = instances[0]!;

  async function login(certificate: Uint8Array, privateKey: KeyObject, instance = 0) {
    const c = createLoginChallenge({ relyingParty: who.clientId, origin: 'https://rp.example' });
    return instances[instance]!.login(
      {
        challenge: c.bytes,
        signature: new Uint8Array(sign('sha256', c.bytes, privateKey)),
        certificate,
        expected: { relyingParty: who.clientId, origin: 'https://rp.example', nonce: c.nonce },
      },
      who,
    );
  }

  async function signature(certificate: Uint8Array, privateKey: KeyObject, instance = 0) {
    const digestInfo = encodeDigestInfo('sha256', new Uint8Array(32).fill(7));
    const sig = new Uint8Array(
      privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo),
    );
    return instances[instance]!.signature({ digestInfo, signature: sig, certificate }, who);
  }

  return {
    jlis: j,
    /** the next `count` requests to a path ending so get their answers together */
    together(path: string, count: number) {
      barrier = { path, count, held: [] };
    },
    storage,
    verifier,
    requests,
    login,
    signature,
    card: () => j.card(),
    async close() {
      await j.close();
      await storage.close();
      await p.cleanup();
    },
  };
}
