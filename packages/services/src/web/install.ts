import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { HonninError, type Kysely, type Storage } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FormTokenKey } from './form-tokens.ts';
import { html } from './html.ts';
import { fill, type Lang, parseLang, type Text, tr } from './i18n.ts';
import { type PageContent, renderPage, type SiteOptions } from './layout.ts';
import { type ConcurrentLogin, type SessionEnd, SessionStore, type WebDB, WebSession } from './session.ts';
import { isStaff, STAFF_PATHS } from './staff.ts';
import { LoginThrottle, type ThrottlePolicy } from './throttle.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** the visitor's session (see web/session.ts) */
    session: WebSession;
    /** the page language */
    lang: Lang;
  }
  interface FastifyReply {
    /** Renders an HTML page in the service's layout, with the session's flash messages. */
    page(content: PageContent, status?: number): Promise<FastifyReply>;
  }
  interface FastifyContextConfig {
    /** `touch: false` — a request that does not count as activity (polling); `csrf: false` — no form token */
    web?: { touch?: boolean; csrf?: boolean };
  }
}

export interface WebOptions<DB = unknown> {
  /** the service's storage, migrated with `webMigrations` */
  storage: Storage<DB>;
  /** cookie names start with it: services on one host differ only by port, and cookies ignore ports */
  cookiePrefix: string;
  /** header, navigation and CSS for the current request */
  site: (req: FastifyRequest) => SiteOptions;
  /** where `requireLogin` sends visitors without a session */
  loginPath: string;
  /** default 60 minutes, the seeds' rule */
  idleTimeoutMs?: number;
  concurrentLogin?: ConcurrentLogin;
  clock?: () => number;
  /** Secure cookies (when the public URL is https) */
  secureCookies?: boolean;
  /** limits of failed password logins (default: 5 per account and address, 20 per address, in 15 minutes) */
  loginThrottle?: Partial<ThrottlePolicy>;
}

export interface Web {
  /** preHandler for pages that need a logged-in account */
  requireLogin: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** failed password logins, counted in the service's storage */
  throttle: LoginThrottle;
}

/** Raised by routes for a page-level problem with a message for citizens. */
export class PageError extends HonninError {
  readonly text: Text;
  constructor(code: string, text: Text, status = 400) {
    super(code, text.en, { status });
    this.text = text;
  }
}

export const SESSION_ENDED_TEXT: Record<Exclude<SessionEnd, 'logout'>, Text> = {
  idle: {
    ja: '{minutes}分以上操作がなかったため、安全のためログアウトしました。お手数ですが、もう一度ログインして手続きをやり直してください。入力済みの内容は保存されています。',
    en: 'You were logged out for your security because there was no activity for {minutes} minutes or more. Log in again and restart the procedure; what you already entered has been kept.',
  },
  superseded: {
    ja: '同じアカウントで別の端末（ブラウザ）からログインされたため、この画面ではログアウトしました。複数の端末で同時にログインすることはできません。',
    en: 'You were logged out here because the same account logged in on another device (browser). One account cannot be logged in on several devices at once.',
  },
};

const STATUS_TEXT: Record<number, Text> = {
  400: { ja: '入力内容を確認して、もう一度お試しください。', en: 'Check what you entered and try again.' },
  403: {
    ja: '画面の有効期限が切れたか、この操作は許可されていません。前の画面に戻り、もう一度操作してください。',
    en: 'The page has expired or this action is not allowed. Go back and try again.',
  },
  404: { ja: 'お探しのページは見つかりませんでした。', en: 'The page you are looking for was not found.' },
  500: {
    ja: 'システムで問題が発生しました。しばらくしてから、もう一度お試しください。入力済みの内容は失われていません。',
    en: 'Something went wrong on our side. Please try again later; nothing you submitted was lost.',
  },
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const wantsHtml = (req: FastifyRequest) =>
  (req.headers.accept ?? '').includes('text/html') && !req.url.startsWith('/api/');

/**
 * Installs what every page of a service shares: form bodies, cookies, the page
 * language, sessions with the idle and single-login rules, CSRF checks on every
 * state-changing request, HTML error pages, and `reply.page()`.
 */
export async function installWeb<DB>(app: FastifyInstance, opts: WebOptions<DB>): Promise<Web> {
  const clock = opts.clock ?? Date.now;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 60 * 60_000;
  const db = opts.storage.db as unknown as Kysely<WebDB>;
  const sessions = new SessionStore(db, {
    idleTimeoutMs,
    concurrentLogin: opts.concurrentLogin ?? 'replace',
    clock,
  });
  const throttle = new LoginThrottle(db, clock, opts.loginThrottle);
  const formTokens = await FormTokenKey.load(db, clock);
  const sidCookie = `${opts.cookiePrefix}_sid`;
  const langCookie = `${opts.cookiePrefix}_lang`;
  const formCookie = `${opts.cookiePrefix}_form`;
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: !!opts.secureCookies };

  await app.register(formbody);
  await app.register(cookie);
  app.decorateRequest('session', null as unknown as WebSession);
  app.decorateRequest('lang', 'ja');

  app.addHook('onRequest', async (req, reply) => {
    const asked = parseLang((req.query as Record<string, unknown> | undefined)?.lang);
    if (asked) reply.setCookie(langCookie, asked, { ...cookieOpts, maxAge: 365 * 86400 });
    req.lang = asked ?? parseLang(req.cookies[langCookie]) ?? 'ja';
  });

  app.addHook('preHandler', async (req, reply) => {
    const cfg = req.routeOptions.config.web;
    const token = req.cookies[sidCookie];
    const loaded = await sessions.load(token, cfg?.touch !== false);
    const setCookie = (t: string) => void reply.setCookie(sidCookie, t, cookieOpts);
    req.session = new WebSession(
      sessions,
      setCookie,
      loaded.row && token ? { token, row: loaded.row } : undefined,
      loaded.ended,
      formTokens.forBrowser(req.cookies[formCookie], (v) => reply.setCookie(formCookie, v, cookieOpts)),
    );
    if (loaded.ended && loaded.ended !== 'logout') {
      await req.session.flash(
        'info',
        fill(SESSION_ENDED_TEXT[loaded.ended], { minutes: idleTimeoutMs / 60_000 }),
      );
      // told once: the ended session's cookie, sent again, neither tells nor stores anything more
      if (loaded.endedId) await sessions.forget(loaded.endedId);
    }
    if (UNSAFE.has(req.method) && cfg?.csrf !== false) {
      const body = req.body as Record<string, unknown> | undefined;
      const candidate = body?._csrf ?? req.headers['x-csrf-token'];
      if (req.session.checkCsrf(candidate)) return;
      // The form came from a session that has just ended: say why instead of "forbidden".
      if (loaded.ended) return reply.redirect(opts.loginPath, 303);
      throw new PageError('csrf_invalid', STATUS_TEXT[403]!, 403);
    }
  });

  // Errors reach the runtime's JSON error handler; for a browser the response becomes a page
  // (the handler keeps the status, the logging and the stable codes).
  const failures = new WeakMap<FastifyRequest, Error>();
  app.addHook('onError', async (req, _reply, err) => {
    failures.set(req, err);
  });
  const errorPage = async (req: FastifyRequest, status: number, err: Error) => {
    const lang = req.lang ?? 'ja';
    // Typed errors meant for citizens carry a bilingual `text`; others get a message by status.
    const text =
      (err instanceof HonninError && (err as { text?: Text }).text) ||
      STATUS_TEXT[status] ||
      STATUS_TEXT[400]!;
    const flash = req.session ? await req.session.takeFlash() : [];
    return renderPage(
      opts.site(req),
      { lang, url: req.url, flash },
      {
        title:
          status === 404
            ? { ja: 'ページが見つかりません', en: 'Page not found' }
            : { ja: 'エラー', en: 'Error' },
        body: html`<div class="panel" role="alert"><p>${tr(lang, text)}</p></div><p><a href="/">${tr(lang, {
          ja: 'トップページへ',
          en: 'To the top page',
        })}</a></p>`,
      },
    );
  };

  app.addHook('onSend', async (req, reply, payload) => {
    const failed = failures.get(req);
    if (failed && wantsHtml(req)) {
      payload = await errorPage(req, reply.statusCode, failed);
      reply.type('text/html; charset=utf-8');
    }
    if (req.session?.unsaved) await req.session.save();
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('cache-control', 'no-store');
      reply.header('x-frame-options', 'DENY');
      reply.header('x-content-type-options', 'nosniff');
    }
    return payload;
  });

  const render = async (req: FastifyRequest, reply: FastifyReply, content: PageContent, status = 200) => {
    const flash = req.session ? await req.session.takeFlash() : [];
    const page = renderPage(opts.site(req), { lang: req.lang ?? 'ja', url: req.url, flash }, content);
    if (req.session?.unsaved) await req.session.save();
    return reply.status(status).type('text/html; charset=utf-8').send(page);
  };
  app.decorateReply('page', function (this: FastifyReply, content: PageContent, status?: number) {
    return render(this.request, this, content, status);
  });

  const sweeper = setInterval(() => {
    void sessions.sweep().catch(() => {});
    void throttle.sweep().catch(() => {});
  }, 3600_000);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  return {
    throttle,
    async requireLogin(req, reply) {
      // a staff session belongs under /staff: citizen pages send it there rather than fail on a missing account
      if (isStaff(req)) return reply.redirect(STAFF_PATHS.home, 303);
      if (req.session.accountId) return undefined;
      const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
      return reply.redirect(`${opts.loginPath}${next}`, 303);
    },
  };
}

/** A local path to go back to after login (never another site). */
export function safeNext(next: unknown, fallback = '/'): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : fallback;
}
