import { serviceSite } from '../web/site.ts';
import { MINISTRY, SERVICE_NAME } from './texts.ts';

const CSS = `
.menu{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));margin:1rem 0}
.menu .panel{margin:0}
.menu h2{margin-top:0}
.dialog{border:2px solid var(--accent);border-radius:.6rem;padding:1.25rem;margin:1rem 0;box-shadow:0 .25rem 1rem rgba(0,0,0,.12)}
.dialog h2{margin-top:0}
.status{display:inline-block;border-radius:1rem;padding:.05rem .7rem;font-size:.85rem;background:var(--accent-bg);border:1px solid var(--accent)}
.status.registered{background:var(--ok-bg);border-color:var(--ok)}
.countdown{font-size:1.2rem;font-weight:700}
.aircraft{border-left:.3rem solid var(--accent-bg);padding-left:.75rem;margin:1rem 0}
.ways li{margin:.25rem 0}
`;

/** The header of every page: menu links for a logged-in citizen, the staff menu for staff. */
export const site = serviceSite({
  serviceName: SERVICE_NAME,
  css: CSS,
  citizens: {
    tagline: MINISTRY,
    nav: (loggedIn) =>
      loggedIn
        ? [
            { href: '/', text: { ja: 'メインメニュー', en: 'Main menu' } },
            { href: '/applications', text: { ja: '申請状況確認', en: 'Application status' } },
            { href: '/account', text: { ja: 'アカウント情報', en: 'Account' } },
          ]
        : [{ href: '/login', text: { ja: 'ログイン', en: 'Log in' } }],
  },
  staff: {
    tagline: { ja: '審査担当者', en: 'Staff' },
    nav: [{ href: '/staff', text: { ja: '申請一覧', en: 'Applications' } }],
  },
});
