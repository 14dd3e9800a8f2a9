/**
 * A browser without a browser, for HTTP-level tests: a cookie jar (per host)
 * and manual redirects, so a test can walk an OIDC flow step by step.
 */
export class HttpAgent {
  readonly #jar = new Map<string, Map<string, string>>();
  readonly userAgent: string;

  constructor(userAgent = 'Mozilla/5.0 (X11; Linux x86_64) honnin-test') {
    this.userAgent = userAgent;
  }

  #cookies(url: URL): string {
    return [...(this.#jar.get(url.host) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(url: URL, res: Response): void {
    const jar = this.#jar.get(url.host) ?? new Map<string, string>();
    this.#jar.set(url.host, jar);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
  }

  async request(
    url: string | URL,
    init: { method?: string; form?: Record<string, string>; json?: unknown; accept?: string } = {},
  ): Promise<Response> {
    const u = new URL(url);
    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      accept: init.accept ?? 'text/html,application/json',
      cookie: this.#cookies(u),
    };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await fetch(u, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    });
    this.#store(u, res);
    return res;
  }

  /** Follows redirects from `url` until a page that does not redirect (or one matching `stopAt`). */
  async follow(url: string | URL, stopAt?: (u: URL) => boolean): Promise<{ url: URL; res: Response }> {
    let u = new URL(url);
    for (let i = 0; i < 20; i++) {
      if (stopAt?.(u)) return { url: u, res: new Response(null, { status: 204 }) };
      const res = await this.request(u);
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return { url: u, res };
      await res.arrayBuffer();
      u = new URL(loc, u);
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** A POST whose answer is a redirect, followed to the end. */
  async submit(url: string | URL, form: Record<string, string>, stopAt?: (u: URL) => boolean) {
    const res = await this.request(url, { form });
    const loc = res.headers.get('location');
    if (!loc) return { url: new URL(url), res };
    await res.arrayBuffer();
    return this.follow(new URL(loc, url), stopAt);
  }
}
