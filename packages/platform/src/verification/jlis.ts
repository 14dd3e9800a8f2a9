import { CertificateValidator, PRODUCTION_POLICIES, TEST_POLICIES } from '@honnin/jpki';
import { HonninError } from '@honnin/runtime';
import { FlowError } from '../outcomes.ts';

/** J-LIS's CA generations as the platform trusts them, and where each publishes its CRL. */
export interface JlisTrust {
  validator: CertificateValidator;
  generations: { id: string; purpose: 'auth' | 'signature'; crlPath: string }[];
}

/**
 * The platform operator's line to J-LIS as a registered signature verifier:
 * every request carries its API key; J-LIS unreachable is the flows'
 * `revocation_unavailable`. Also keeps J-LIS's CA certificates (every
 * generation), fetched once and again when a new generation appears.
 */
export class JlisConnection {
  readonly url: string;
  readonly #apiKey: string;
  readonly #fetch: typeof globalThis.fetch;
  #trust: Promise<JlisTrust> | undefined;

  constructor(o: { url: string; apiKey: string; fetch?: typeof globalThis.fetch | undefined }) {
    this.url = o.url;
    this.#apiKey = o.apiKey;
    this.#fetch = o.fetch ?? globalThis.fetch;
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

  /** The trust anchors and CA generations; `refresh` fetches them again. */
  trust(refresh = false): Promise<JlisTrust> {
    if (refresh || !this.#trust) {
      this.#trust = this.#loadTrust();
      this.#trust.catch(() => {
        this.#trust = undefined;
      });
    }
    return this.#trust;
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
