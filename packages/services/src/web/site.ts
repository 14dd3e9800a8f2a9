import type { FastifyRequest } from 'fastify';
import { buttonForm } from './forms.ts';
import type { Text } from './i18n.ts';
import type { NavLink, SiteOptions } from './layout.ts';
import { isStaff, STAFF_PATHS } from './staff.ts';

/** What a service's header shows to its citizens and to its staff. */
export interface ServiceSite {
  serviceName: Text;
  /** the service's CSS, appended to the shared sheet */
  css: string;
  citizens: { tagline: Text; nav: (loggedIn: boolean) => NavLink[] };
  staff: { tagline: Text; nav: NavLink[] };
}

const LOG_OUT: Text = { ja: 'ログアウト', en: 'Log out' };

/** The header of every page: the citizen's menu, or the staff menu; a logout button for whoever is logged in. */
export function serviceSite(s: ServiceSite): (req: FastifyRequest) => SiteOptions {
  return (req) => {
    const session = req.session;
    const staff = isStaff(req);
    const loggedIn = !!session?.accountId;
    return {
      serviceName: s.serviceName,
      tagline: staff ? s.staff.tagline : s.citizens.tagline,
      nav: staff ? s.staff.nav : s.citizens.nav(loggedIn),
      headerForm: loggedIn
        ? buttonForm(req.lang, session, staff ? STAFF_PATHS.logout : '/logout', LOG_OUT, {
            className: 'link',
          })
        : undefined,
      css: s.css,
    };
  };
}
