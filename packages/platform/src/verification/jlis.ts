import { CertificateValidator, PRODUCTION_POLICIES, TEST_POLICIES } from '@honnin/jpki';
import { HonninError } from '@honnin/runtime';
import { FlowError } from '../outcomes.ts';

/** J-LIS's CA generations as the platform trusts them, and where each publishes its CRL. */
export interface JlisTrust {
  validator: CertificateValidator;
  generations: { id: string; purpose: 'auth' | 'signature'; crlPath: string }[];
}

/** How long J-LIS's CA list is kept, and how soon an unknown issuer may have it fetched again. */
export interface TrustCaching {
  /** the list is fetched again when older than this (new generations, withdrawn ones) */
  refreshMs: number;
  /** at most one fetch per this gap for certificates whose issuer is not in the list */
  minGapMs: number;
}

export const DEFAULT_TRUST_CACHING: TrustCaching = { refreshMs: 6 * 3_600_000, minGapMs: 60_000 };

/**
 * The platform operator's line to J-LIS as a registered signature verifier:
 * every request carries its API key; J-LIS unreachable is the flows'
 * `revocation_unavailable`. Also keeps J-LIS's CA certificates (every
 * generation): fetched once, again after `refreshMs`, and again when a
 * certificate names an issuer not in the list (a generation J-LIS added) — but
 * not more than once per `minGapMs`, so forged certificates cannot make the
 * platform fetch the list for each of them.
 */
export class JlisConnection {
  readonly url: string;
  readonly #apiKey: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => number;
  readonly #caching: TrustCaching;
  #trust: Promise<JlisTrust> | undefined;
  /** when the current list was asked for, and when it is to be asked for again */
  #trustAskedAt = Number.NEGATIVE_INFINITY;
  #trustStaleAt = Number.NEGATIVE_INFINITY;

  constructor(o: {
    url: string;
    apiKey: string;
    fetch?: typeof globalThis.fetch | undefined;
    now?: (() => number) | undefined;
    trustCaching?: Partial<TrustCaching> | undefined;
  }) {
    this.url = o.url;
    this.#apiKey = o.apiKey;
    this.#fetch = o.fetch ?? globalThis.fetch;
    this.#now = o.now ?? Date.now;
    this.#caching = { ...DEFAULT_TRUST_CACHING, ...o.trustCaching };
  }

  /** A request with the verifier key; a network failure is `revocation_unavailable`. */
  async fetch(path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
    const { timeoutMs = 5000, ...rest } = init;
    try {
      return await this.#fetch(`${this.url}${path}`, {
        ...rest,
        headers: { authorization: `Bearer ${this.#apiKey}`, ...(rest.headers as Record<string, string>) },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new FlowError('revocation_unavailable', `J-LIS unreachable: ${(e as Error).message}`, {
        status: 503,
        cause: e,
      });
    }
  }

  /** A JSON service call (紐付け, 新旧紐付け, 年齢判定 …). */
  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
    // J-LIS up but not answering (restarting, overloaded): the same as unreachable, worth a retry
    if (res.status >= 500)
      throw new FlowError('revocation_unavailable', `J-LIS ${path}: HTTP ${res.status}`, { status: 503 });
    if (!res.ok)
      throw new HonninError(
        'jlis_error',
        `J-LIS ${path}: ${json.error ?? res.status} ${json.message ?? ''}`,
        {
          status: 502,
        },
      );
    return json;
  }

  /**
   * The trust anchors and CA generations. `refresh` (an issuer not in the list)
   * fetches them again unless the list was asked for less than `minGapMs` ago;
   * callers meanwhile share the one fetch under way.
   */
  trust(refresh = false): Promise<JlisTrust> {
    const now = this.#now();
    const due =
      !this.#trust ||
      now >= this.#trustStaleAt ||
      (refresh && now - this.#trustAskedAt >= this.#caching.minGapMs);
    if (!due) return this.#trust!;
    const previous = this.#trust;
    this.#trustAskedAt = now;
    this.#trustStaleAt = now + this.#caching.refreshMs;
    const loading: Promise<JlisTrust> = this.#loadTrust().catch(async (e: unknown) => {
      // J-LIS not answering a refresh: the list we have still holds, and is asked for again after the gap
      const kept = await previous?.catch(() => undefined);
      if (!kept) throw e;
      this.#trustStaleAt = now + this.#caching.minGapMs;
      return kept;
    });
    this.#trust = loading;
    loading.catch(() => {
      // nothing to keep: the next verification asks again
      if (this.#trust !== loading) return;
      this.#trust = undefined;
      this.#trustAskedAt = Number.NEGATIVE_INFINITY;
    });
    return loading;
  }

  async #loadTrust(): Promise<JlisTrust> {
    const list = await this.json<{
      ca: { id: string; purpose: 'auth' | 'signature'; links: { der: string; crl: string } }[];
    }>('GET', '/ca');
    const anchors = await Promise.all(
      list.ca.map(async (c) => {
        const res = await this.fetch(c.links.der);
        if (!res.ok)
          throw new HonninError('jlis_error', `J-LIS CA certificate: HTTP ${res.status}`, { status: 502 });
        return new Uint8Array(await res.arrayBuffer());
      }),
    );
    return {
      validator: new CertificateValidator({
        trustAnchors: anchors,
        policies: [TEST_POLICIES, PRODUCTION_POLICIES],
      }),
      generations: list.ca.map((c) => ({ id: c.id, purpose: c.purpose, crlPath: c.links.crl })),
    };
  }
}
