/**
 * A tiny browser stand-in for route tests: keeps cookies per origin-less jar,
 * sends forms, follows redirects on request, and reads hidden inputs.
 */
export class FormClient {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  lastUrl = '';

  constructor(base: string) {
    this.base = base;
  }

  #remember(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return { accept: 'text/html', ...(cookie ? { cookie } : {}), ...extra };
  }

  async request(
    method: string,
    path: string,
    body?: Record<string, string | string[]>,
    extra?: Record<string, string>,
  ) {
    const url = new URL(path, this.base);
    let payload: string | undefined;
    const headers = this.#headers(extra);
    if (body) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(body)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      payload = p.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url, { method, headers, body: payload ?? null, redirect: 'manual' });
    this.#remember(res);
    this.lastUrl = url.toString();
    return res;
  }

  get(path: string, extra?: Record<string, string>) {
    return this.request('GET', path, undefined, extra);
  }
  post(path: string, body: Record<string, string | string[]>) {
    return this.request('POST', path, body);
  }

  /** GET (or the given response) following redirects on this server; returns the final response and its text. */
  async follow(first: Response | string): Promise<{ res: Response; text: string; url: string }> {
    let res = typeof first === 'string' ? await this.get(first) : first;
    let url = typeof first === 'string' ? new URL(first, this.base).toString() : this.lastUrl;
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) {
      const loc = res.headers.get('location')!;
      url = new URL(loc, url).toString();
      if (!url.startsWith(this.base)) return { res, text: '', url };
      res = await this.get(url);
    }
    return { res, text: await res.text(), url };
  }

  /** POST a form and follow the redirect after it. */
  async submit(path: string, body: Record<string, string | string[]>) {
    return this.follow(await this.post(path, body));
  }
}

/** The value of a hidden input in a page (CSRF token, idempotency key …). */
export function hidden(page: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  if (!m) throw new Error(`no hidden input ${name} in page`);
  return m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}
