import { serviceSite } from '../web/site.ts';
import { OPERATOR, SERVICE_NAME } from './texts.ts';

const CSS = `
.cards{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));margin:1rem 0;padding:0;list-style:none}
.cards li{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem}
.cards a.title{font-weight:700;font-size:1.05rem}
.badge{display:inline-block;border-radius:1rem;padding:.05rem .7rem;font-size:.85rem;background:var(--accent-bg);border:1px solid var(--accent)}
.badge.payment_pending,.badge.suspended{background:#fffbe6;border-color:#b58900}
.badge.approved,.badge.valid{background:var(--ok-bg);border-color:var(--ok)}
.badge.rejected,.badge.revoked,.badge.deleted,.badge.replaced{background:var(--err-bg);border-color:var(--err)}
.qr{display:block;margin:1rem auto;max-width:100%;image-rendering:pixelated}
.certificate{border:2px solid var(--accent);border-radius:.75rem;padding:1rem 1.25rem;margin:1rem 0}
.inline-actions{display:flex;flex-wrap:wrap;gap:.5rem}
.inline-actions form{margin:0}
`;

/** The header of every page: the holder's menu, or the managing body's staff menu. */
export const site = serviceSite({
  serviceName: SERVICE_NAME,
  css: CSS,
  citizens: {
    tagline: OPERATOR,
    nav: (loggedIn) =>
      loggedIn
        ? [
            { href: '/qualifications', text: { ja: '国家資格', en: 'Qualifications' } },
            { href: '/payments', text: { ja: '決済', en: 'Payments' } },
          ]
        : [],
  },
  staff: {
    tagline: { ja: '資格管理団体 審査担当', en: 'Managing body staff' },
    nav: [
      { href: '/staff', text: { ja: '申請一覧', en: 'Applications' } },
      { href: '/staff/certificates', text: { ja: '資格者証', en: 'Certificates' } },
    ],
  },
});
