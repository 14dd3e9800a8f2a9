import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfInput, input } from './forms.ts';
import { html } from './html.ts';
import { tr } from './i18n.ts';

/**
 * The staff side of a service: one password shared by the staff (the
 * service's configuration, or a random one printed at start), a session of its
 * own account, kept apart from citizens' accounts, under /staff.
 */
export const STAFF_ACCOUNT = 'staff';

export const STAFF_PATHS = { home: '/staff', login: '/staff/login', logout: '/staff/logout' } as const;

/** A staff password for a start without one configured (printed in the start banner). */
export const randomStaffPassword = () => randomBytes(9).toString('base64url');

/** Is this request a staff member's? */
export const isStaff = (req: FastifyRequest) => req.session?.accountId === STAFF_ACCOUNT;

/** Serves the staff login and logout; returns the preHandler of every staff page. */
export function installStaffLogin(
  app: FastifyInstance,
  password: string,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = Buffer.from(password);

  const loginPage = (req: FastifyRequest, reply: FastifyReply, failed: boolean) =>
    reply.page(
      {
        title: { ja: '審査担当者ログイン', en: 'Staff login' },
        body: html`${failed ? html`<div class="flash error" role="alert">${tr(req.lang, { ja: 'パスワードが正しくありません。', en: 'The password is not correct.' })}</div>` : ''}<form method="post" action="${STAFF_PATHS.login}">${csrfInput(
          req.session,
        )}${input(req.lang, { name: 'password', label: { ja: 'パスワード', en: 'Password' }, type: 'password', required: true, autocomplete: 'current-password' })}<div class="actions"><button type="submit">${tr(
          req.lang,
          { ja: 'ログイン', en: 'Log in' },
        )}</button></div></form>`,
      },
      failed ? 401 : 200,
    );

  app.get(STAFF_PATHS.login, async (req, reply) => loginPage(req, reply, false));
  app.post(STAFF_PATHS.login, async (req, reply) => {
    const given = Buffer.from(String((req.body as { password?: unknown }).password ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return loginPage(req, reply, true);
    await req.session.login(STAFF_ACCOUNT);
    return reply.redirect(STAFF_PATHS.home, 303);
  });
  app.post(STAFF_PATHS.logout, async (req, reply) => {
    await req.session.logout();
    return reply.redirect(STAFF_PATHS.login, 303);
  });

  return async (req, reply) => (isStaff(req) ? undefined : reply.redirect(STAFF_PATHS.login, 303));
}
