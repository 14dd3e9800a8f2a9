import { randomBytes } from 'node:crypto';
import { sameSecret } from '@honnin/runtime';
import { credentialPath } from '@honnin/runtime/credentials';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfInput, input } from './forms.ts';
import { html } from './html.ts';
import { type Text, tr } from './i18n.ts';
import type { Web } from './install.ts';
import { LoginThrottledError } from './throttle.ts';

/**
 * The staff side of a service: one password shared by the office (the
 * service's configuration, else one generated once into the credentials
 * folder), a session of its own account, kept apart from citizens' accounts,
 * under /staff.
 *
 * The staff account is the office's review desk, not a person: several
 * reviewers work at once, each on their own terminal, so a staff login never
 * ends another staff session. The citizens' one-session-per-account rule
 * ('replace') is there because a second login to a person's account is either
 * that person on another device or someone else — neither holds for a desk
 * shared on purpose. Failed logins are throttled per address (LoginThrottle).
 */
export const STAFF_ACCOUNT = 'staff';

export const STAFF_PATHS = { home: '/staff', login: '/staff/login', logout: '/staff/logout' } as const;

/** A staff password for a start without one configured (kept in the credentials folder). */
export const randomStaffPassword = () => randomBytes(9).toString('base64url');

/**
 * The start banner's line about the staff password: nothing when configured;
 * in demo mode the password itself, otherwise where it is kept (a banner ends
 * up in logs of a real installation).
 */
export function staffPasswordBanner(
  shared: { dataDir: string; demo: boolean },
  configKey: string,
  configured: string | undefined,
  credentialName: string,
  password: string,
): string[] {
  if (configured) return [];
  return [
    shared.demo
      ? `staff password: ${password}`
      : `staff password: ${credentialPath(shared.dataDir, credentialName)} (or ${configKey})`,
  ];
}

/** Is this request a staff member's? */
export const isStaff = (req: FastifyRequest) => req.session?.accountId === STAFF_ACCOUNT;

/** Serves the staff login and logout; returns the preHandler of every staff page. */
export function installStaffLogin(
  app: FastifyInstance,
  web: Web,
  password: string,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const loginPage = (req: FastifyRequest, reply: FastifyReply, error?: Text, status = 401) =>
    reply.page(
      {
        title: { ja: '審査担当者ログイン', en: 'Staff login' },
        body: html`${error ? html`<div class="flash error" role="alert">${tr(req.lang, error)}</div>` : ''}<form method="post" action="${STAFF_PATHS.login}">${csrfInput(
          req.session,
        )}${input(req.lang, { name: 'password', label: { ja: 'パスワード', en: 'Password' }, type: 'password', required: true, autocomplete: 'current-password' })}<div class="actions"><button type="submit">${tr(
          req.lang,
          { ja: 'ログイン', en: 'Log in' },
        )}</button></div></form>`,
      },
      error ? status : 200,
    );

  app.get(STAFF_PATHS.login, async (req, reply) => loginPage(req, reply));
  app.post(STAFF_PATHS.login, async (req, reply) => {
    try {
      await web.throttle.check('staff', STAFF_ACCOUNT, req.ip);
    } catch (e) {
      if (!(e instanceof LoginThrottledError)) throw e;
      reply.header('retry-after', String(e.retryAfter));
      return loginPage(req, reply, e.text, e.status);
    }
    // compared through digests: the password's length does not show in the timing
    if (!sameSecret(String((req.body as { password?: unknown }).password ?? ''), password)) {
      await web.throttle.failed('staff', STAFF_ACCOUNT, req.ip);
      return loginPage(req, reply, {
        ja: 'パスワードが正しくありません。',
        en: 'The password is not correct.',
      });
    }
    await web.throttle.succeeded('staff', STAFF_ACCOUNT, req.ip);
    await req.session.login(STAFF_ACCOUNT, { shared: true });
    return reply.redirect(STAFF_PATHS.home, 303);
  });
  app.post(STAFF_PATHS.logout, async (req, reply) => {
    await req.session.logout();
    return reply.redirect(STAFF_PATHS.login, 303);
  });

  return async (req, reply) => (isStaff(req) ? undefined : reply.redirect(STAFF_PATHS.login, 303));
}
