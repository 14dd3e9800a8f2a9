import type { KoaContextWithOIDC } from 'oidc-provider';
import { type Lang, parseLang, type Text, tr } from '../web/i18n.ts';
import { escapeHtml, page } from '../web/page.ts';

const TEXT = {
  title: { ja: 'ログアウト', en: 'Sign out' },
  question: {
    ja: '「{service}」との利用を終了し、ログアウトしますか？',
    en: 'End your session with “{service}” and sign out?',
  },
  questionNoService: { ja: 'ログアウトしますか？', en: 'Sign out?' },
  button: { ja: 'ログアウトする', en: 'Sign out' },
  doneTitle: { ja: 'ログアウトしました', en: 'Signed out' },
  done: {
    ja: 'ログアウトしました。この画面は閉じてかまいません。',
    en: 'You have signed out. You may close this page.',
  },
} satisfies Record<string, Text>;

/** `?lang=`, the language cookie, the relying party's `ui_locales`, else Japanese (as the platform's pages). */
function langOf(ctx: KoaContextWithOIDC): Lang {
  const cookie = /(?:^|;\s*)lang=(ja|en)/.exec(ctx.get('cookie'))?.[1];
  const asked = String(ctx.oidc?.params?.ui_locales ?? '')
    .split(' ')
    .map((l) => parseLang(l.slice(0, 2)))
    .find((l) => l !== undefined);
  return parseLang(ctx.query.lang) ?? parseLang(cookie) ?? asked ?? 'ja';
}

/**
 * RP-initiated logout's confirmation (oidc-provider's `logoutSource`): the
 * platform's page in the citizen's language around oidc-provider's form (its
 * xsrf token); the button ends the session and revokes its grants.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const lang = langOf(ctx);
  const service = ctx.oidc.client?.clientName;
  const question = service ? tr(lang, TEXT.question, { service }) : tr(lang, TEXT.questionNoService);
  ctx.type = 'html';
  ctx.body = page({
    lang,
    url: ctx.url,
    title: TEXT.title,
    body: `${form}<p>${escapeHtml(question)}</p>
<div class="actions"><button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${escapeHtml(tr(lang, TEXT.button))}</button></div>`,
  });
}

/** After a logout with no (registered) post-logout redirect URI. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const lang = langOf(ctx);
  ctx.type = 'html';
  ctx.body = page({
    lang,
    url: ctx.url,
    title: TEXT.doneTitle,
    body: `<p role="status">${escapeHtml(tr(lang, TEXT.done))}</p>`,
  });
}
