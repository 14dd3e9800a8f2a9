import { html, raw, type SafeHtml } from './html.ts';
import { type Lang, type Text, type Textish, tr } from './i18n.ts';

/** A message shown once at the top of the next page (aria-live, so it is read out). */
export interface Flash {
  kind: 'info' | 'success' | 'error';
  text: Text;
}

export interface NavLink {
  href: string;
  text: Text;
}

/** What stays the same on every page of one service. */
export interface SiteOptions {
  serviceName: Text;
  /** a short line under the name, e.g. the ministry */
  tagline?: Text | undefined;
  /** header links for the current visitor (menu, logout …) */
  nav?: NavLink[] | undefined;
  /** a form in the header (logout needs POST + CSRF) */
  headerForm?: SafeHtml | undefined;
  /** service-specific CSS appended to the shared sheet */
  css?: string | undefined;
}

export interface PageContent {
  title: Textish;
  body: SafeHtml;
  /** extra markup in <head> (e.g. a refresh fallback) */
  head?: SafeHtml | undefined;
  /** scripts at the end of <body> */
  scripts?: SafeHtml | undefined;
  /** shown above the heading: a procedure's step indicator */
  progress?: SafeHtml | undefined;
}

export interface PageContext {
  lang: Lang;
  /** the request's path and query, for the language switch */
  url: string;
  flash: Flash[];
}

const CSS = `
:root{--fg:#1a1a1c;--muted:#555;--bg:#fff;--accent:#0031a7;--accent-bg:#e8eefb;--ok:#1b6b2f;--ok-bg:#e7f4ea;--err:#b00020;--err-bg:#fdecee;--line:#c8c8cc}
*{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);font-family:system-ui,-apple-system,"Noto Sans CJK JP","Noto Sans JP","Hiragino Sans",sans-serif;line-height:1.7}
a{color:var(--accent)}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
header.site{background:var(--accent);color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;justify-content:space-between}
header.site a{color:#fff}
header.site .brand{font-weight:700;font-size:1.1rem;text-decoration:none}
header.site .tagline{display:block;font-size:.75rem;font-weight:400;opacity:.9}
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header.site form{display:inline;margin:0}
header.site button.link{background:none;border:0;color:#fff;text-decoration:underline;font:inherit;cursor:pointer;padding:0;min-height:auto}
main{max-width:52rem;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.5rem;line-height:1.4;margin:1rem 0}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem;border-left:.3rem solid var(--accent);padding-left:.5rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.flash{border-radius:.4rem;padding:.75rem 1rem;margin:.75rem 0;border:1px solid}
.flash.info{background:var(--accent-bg);border-color:var(--accent)}
.flash.success{background:var(--ok-bg);border-color:var(--ok)}
.flash.error{background:var(--err-bg);border-color:var(--err)}
.panel{border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0}
.panel.notice{background:#fffbe6;border-color:#b58900}
.muted{color:var(--muted);font-size:.9rem}
form .field{margin:1rem 0}
label,legend{font-weight:700;display:block;margin-bottom:.25rem}
.req{color:var(--err);font-size:.8rem;margin-left:.4rem;font-weight:400}
.hint{color:var(--muted);font-size:.85rem;margin:.1rem 0 .3rem}
.error-text{color:var(--err);font-weight:700;margin:.2rem 0}
input[type=text],input[type=email],input[type=tel],input[type=password],input[type=date],input[type=number],select,textarea{font:inherit;width:100%;max-width:32rem;padding:.55rem .6rem;border:1px solid #767676;border-radius:.3rem;background:#fff}
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid var(--err)}
fieldset{border:0;padding:0;margin:1rem 0}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.35rem 0;font-weight:400}
.choice input{margin-top:.45rem;width:1.2rem;height:1.2rem}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1.5rem 0;align-items:center}
button,.button{font:inherit;font-weight:700;min-height:2.75rem;padding:.5rem 1.5rem;border-radius:.4rem;border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-flex;align-items:center;justify-content:center}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--err);border-color:var(--err)}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
dl.summary{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.3rem 1rem;margin:.5rem 0}
dl.summary dt{font-weight:700}dl.summary dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid var(--line);padding:.45rem .4rem;text-align:left;vertical-align:top}
ol.steps{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem;padding:0;margin:1rem 0;counter-reset:s}
ol.steps li{flex:1 1 7rem;background:#f0f0f2;border-radius:.3rem;padding:.3rem .5rem;font-size:.8rem;line-height:1.3}
ol.steps li[aria-current=step]{background:var(--accent);color:#fff;font-weight:700}
ol.steps li.done{background:var(--accent-bg)}
.error-summary{border:2px solid var(--err);border-radius:.4rem;padding:.75rem 1rem;margin:1rem 0}
.error-summary h2{border:0;padding:0;margin:0 0 .3rem;color:var(--err);font-size:1rem}
footer.site{border-top:1px solid var(--line);padding:1rem;font-size:.8rem;color:var(--muted);text-align:center}
@media (max-width:40rem){dl.summary{grid-template-columns:1fr}dl.summary dd{margin-bottom:.5rem}main{padding:.75rem .75rem 2rem}.actions button,.actions .button{flex:1 1 100%}}
`;

/** The language switch: this page again with the other language. */
function langSwitch(ctx: PageContext): SafeHtml {
  const other: Lang = ctx.lang === 'ja' ? 'en' : 'ja';
  const u = new URL(ctx.url, 'http://x');
  u.searchParams.set('lang', other);
  return html`<a href="${u.pathname}${u.search}" lang="${other}" hreflang="${other}">${other === 'en' ? 'English' : '日本語'}</a>`;
}

export function renderPage(site: SiteOptions, ctx: PageContext, page: PageContent): string {
  const { lang } = ctx;
  const title = tr(lang, page.title);
  const flashes = ctx.flash.map((f) => html`<div class="flash ${f.kind}">${tr(lang, f.text)}</div>`);
  const nav = (site.nav ?? []).map((n) => html`<li><a href="${n.href}">${tr(lang, n.text)}</a></li>`);
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title} | ${tr(lang, site.serviceName)}</title>
<style>${raw(CSS + (site.css ?? ''))}</style>
${page.head}
</head>
<body>
<a class="skip" href="#main">${tr(lang, { ja: '本文へ移動', en: 'Skip to content' })}</a>
<header class="site">
<a class="brand" href="/">${tr(lang, site.serviceName)}${site.tagline ? html`<span class="tagline">${tr(lang, site.tagline)}</span>` : ''}</a>
<nav aria-label="${tr(lang, { ja: 'メニュー', en: 'Menu' })}"><ul>${nav}${site.headerForm ? html`<li>${site.headerForm}</li>` : ''}<li>${langSwitch(ctx)}</li></ul></nav>
</header>
<main id="main" tabindex="-1">
${page.progress}
<div id="flash" aria-live="polite">${flashes}</div>
<h1>${title}</h1>
${page.body}
</main>
<footer class="site">${tr(lang, site.serviceName)} — honnin (本人)</footer>
${page.scripts}
</body>
</html>`.value;
}

/** A procedure's progress: the steps as an ordered list, the current one marked for screen readers. */
export function stepIndicator(lang: Lang, label: Text, steps: Text[], current: number): SafeHtml {
  return html`<ol class="steps" aria-label="${tr(lang, label)}">${steps.map(
    (s, i) =>
      html`<li${raw(i === current ? ' aria-current="step"' : i < current ? ' class="done"' : '')}>${tr(lang, s)}</li>`,
  )}</ol>`;
}
