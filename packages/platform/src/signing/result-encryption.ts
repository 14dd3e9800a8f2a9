import { HonninError } from '@honnin/runtime';
import { CompactEncrypt, importJWK, type JWK } from 'jose';
import type { Client } from '../clients/registry.ts';

type Fetch = typeof globalThis.fetch;

/**
 * Signing results travel as JWE to the relying party's encryption key (as the
 * real service wraps them): the first key of its JWKS marked `use: "enc"`, or
 * else the first RSA/EC key not marked for signing. RSA keys get RSA-OAEP-256,
 * EC keys ECDH-ES; content A256GCM.
 */
export class ResultEncryption {
  readonly #fetch: Fetch;
  readonly #cache = new Map<string, { at: number; keys: JWK[] }>();

  constructor(fetchImpl: Fetch = globalThis.fetch) {
    this.#fetch = fetchImpl;
  }

  async #keys(client: Client): Promise<JWK[]> {
    if (client.jwks) return client.jwks.keys as JWK[];
    const uri = client.jwksUri!;
    const hit = this.#cache.get(uri);
    if (hit && Date.now() - hit.at < 60_000) return hit.keys;
    let keys: JWK[];
    try {
      const res = await this.#fetch(uri, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      keys = ((await res.json()) as { keys?: JWK[] }).keys ?? [];
    } catch (e) {
      throw new HonninError('client_jwks_unavailable', `cannot fetch ${uri}: ${(e as Error).message}`, {
        status: 502,
        cause: e,
      });
    }
    this.#cache.set(uri, { at: Date.now(), keys });
    return keys;
  }

  /** The encryption key of the client, if it publishes one. */
  async key(client: Client): Promise<JWK | undefined> {
    const keys = (await this.#keys(client)).filter((k) => k.kty === 'RSA' || k.kty === 'EC');
    return keys.find((k) => k.use === 'enc') ?? keys.find((k) => k.use === undefined && !isSigAlg(k.alg));
  }

  /** Compact JWE of the JSON value, or undefined when the client publishes no encryption key. */
  async encrypt(client: Client, value: unknown): Promise<string | undefined> {
    const jwk = await this.key(client);
    if (!jwk) return undefined;
    const alg = jwk.kty === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES';
    const key = await importJWK({ ...jwk, alg }, alg);
    return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(value)))
      .setProtectedHeader({ alg, enc: 'A256GCM', cty: 'json', ...(jwk.kid ? { kid: jwk.kid } : {}) })
      .encrypt(key);
  }
}

const isSigAlg = (alg: string | undefined) => !!alg && /^(RS|PS|ES|HS|Ed)/.test(alg);
