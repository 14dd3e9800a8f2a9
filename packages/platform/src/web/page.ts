import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { escapeHtml } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Lang, parseLang, type Text, tr } from './i18n.ts';

export { escapeHtml };

/**
 * The request's language: `?lang=` (remembered in a cookie), the cookie, the
 * relying party's `ui_locales` when given, else Japanese.
 */
export function requestLang(req: FastifyRequest, reply?: FastifyReply, uiLocales?: unknown): Lang {
  const q = parseLang((req.query as Record<string, unknown> | undefined)?.lang);
  if (q) {
    reply?.header('set-cookie', `lang=${q}; Path=/; SameSite=Lax; Max-Age=31536000`);
    return q;
  }
  const cookie = /(?:^|;\s*)lang=(ja|en)/.exec(req.headers.cookie ?? '')?.[1];
  const asked =
    typeof uiLocales === 'string' ? uiLocales.split(' ').map((l) => parseLang(l.slice(0, 2))) : [];
  return parseLang(cookie) ?? asked.find((l) => l !== undefined) ?? 'ja';
}

const CSS = `
:root{--fg:#1a1a1c;--muted:#555;--bg:#f5f6f8;--card:#fff;--accent:#0031a7;--accent-bg:#e8eefb;--ok:#1b6b2f;--err:#b00020;--err-bg:#fdecee;--warn-bg:#fff7e0;--line:#c8c8cc}
*{box-sizing:border-box}
body{margin:0;color:var(--fg);background:var(--bg);font-family:system-ui,-apple-system,"Noto Sans CJK JP","Noto Sans JP","Hiragino Sans",sans-serif;line-height:1.7}
header.bar{background:var(--accent);color:#fff;padding:.6rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem}
header.bar .brand{font-weight:700}
header.bar a{color:#fff}
main{max-width:34rem;margin:0 auto;padding:1rem 1rem 3rem}
body.wide main{max-width:52rem}
h1{font-size:1.4rem;line-height:1.4;margin:1rem 0}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
.panel{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem 1.25rem;margin:1rem 0}
.notice{background:var(--warn-bg);border:1px solid #b58900;border-radius:.4rem;padding:.6rem .8rem;margin:.75rem 0}
.error{background:var(--err-bg);border:1px solid var(--err);border-radius:.4rem;padding:.6rem .8rem;margin:.75rem 0;color:var(--err);font-weight:700}
.muted{color:var(--muted);font-size:.9rem}
.origin{font-family:ui-monospace,monospace;background:#eef;padding:.1rem .3rem;border-radius:.2rem;overflow-wrap:anywhere}
label{font-weight:700;display:block;margin:.75rem 0 .25rem}
input[type=text],input[type=password],input[type=tel]{font:inherit;font-size:1.3rem;letter-spacing:.2em;width:100%;padding:.5rem .6rem;border:1px solid #767676;border-radius:.3rem;background:#fff}
.choice{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin:.4rem 0}
.choice input{width:1.3rem;height:1.3rem;margin-top:.3rem}
.actions{display:flex;flex-direction:column;gap:.6rem;margin:1.25rem 0}
body.wide .actions{flex-direction:row;flex-wrap:wrap}
button,.button{font:inherit;font-weight:700;min-height:3rem;padding:.5rem 1.5rem;border-radius:.5rem;border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center;justify-content:center}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button:disabled{opacity:.5;cursor:default}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
dl.items{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem;margin:.5rem 0}
dl.items dt{font-weight:700}dl.items dd{margin:0;overflow-wrap:anywhere}
ol.steps{padding-left:1.4rem}
.binding{font-size:2.4rem;font-weight:700;letter-spacing:.35em;text-align:center;font-family:ui-monospace,monospace;margin:1rem 0}
.qr{display:flex;flex-direction:column;align-items:center;gap:.5rem}
.qr svg,.qr img{width:15rem;height:15rem;background:#fff}
.qr.expired svg{opacity:.15}
progress{width:100%;height:1rem}
.status:empty{display:none}
h1:focus{outline:none}
.actions>form{display:flex;flex-direction:column}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

export interface PageOptions {
  lang: Lang;
  title: Text | string;
  /** the page's own markup (already escaped) */
  body: string;
  /** the request URL, for the language switch */
  url: string;
  /** a bundled browser script (served from /assets) */
  script?: string | undefined;
  /** data for the script, embedded as JSON */
  data?: unknown;
  wide?: boolean;
}

const SERVICE: Text = { ja: 'デジタル認証アプリ（honnin）', en: 'Digital Authentication App (honnin)' };

/** A page of the platform: heading, live region for progress, language switch. */
export function page(o: PageOptions): string {
  const title = tr(o.lang, o.title);
  const other: Lang = o.lang === 'ja' ? 'en' : 'ja';
  const u = new URL(o.url, 'http://x');
  u.searchParams.set('lang', other);
  const data =
    o.data === undefined
      ? ''
      : `<script type="application/json" id="page-data">${JSON.stringify(o.data).replace(/</g, '\\u003c')}</script>`;
  return `<!doctype html>
<html lang="${o.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} | ${escapeHtml(tr(o.lang, SERVICE))}</title>
<style>${CSS}</style>
</head>
<body${o.wide ? ' class="wide"' : ''}>
<header class="bar"><span class="brand">${escapeHtml(tr(o.lang, SERVICE))}</span>
<a href="${escapeHtml(u.pathname + u.search)}" lang="${other}" hreflang="${other}">${other === 'en' ? 'English' : '日本語'}</a></header>
<main id="main" tabindex="-1">
<h1 id="title">${escapeHtml(title)}</h1>
<div id="status" class="status" role="status" aria-live="polite"></div>
<div id="view">${o.body}</div>
</main>
${data}
${o.script ? `<script type="module" src="${escapeHtml(o.script)}"></script>` : ''}
</body>
</html>`;
}

const FRAME_ANCESTORS = "frame-ancestors 'none'";

/**
 * Every HTML page the platform serves — its own and oidc-provider's (which
 * writes to the raw response) — may not be framed (a consent screen under
 * someone else's page is clickjacking) and is not kept by the browser (consent
 * and done pages show personal data; no back/forward cache, no disk cache).
 * Set where the status line is written, the one place both kinds pass.
 */
export function protectPages(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    const res: ServerResponse = reply.raw;
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const given = args.findLast((a) => typeof a === 'object' && a !== null && !Array.isArray(a)) as
        | OutgoingHttpHeaders
        | undefined;
      const read = (name: string) => given?.[name] ?? this.getHeader(name);
      if (/^text\/html/i.test(String(read('content-type') ?? ''))) {
        const set = (name: string, value: string) => {
          if (given) given[name] = value;
          else this.setHeader(name, value);
        };
        set('cache-control', 'no-store');
        const csp = read('content-security-policy');
        if (!csp) set('content-security-policy', FRAME_ANCESTORS);
        else if (!/frame-ancestors/.test(String(csp)))
          set('content-security-policy', `${csp}; ${FRAME_ANCESTORS}`);
      }
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  });
}
