import { HonninError } from '@honnin/runtime';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Lang, Text } from './i18n.ts';
import { escapeHtml, page } from './page.ts';

/** What a citizen reads for the errors the pages can end in (others: by status). */
const CITIZEN_TEXTS: Record<string, Text> = {
  qr_expired: {
    ja: 'この二次元コードは有効期限が切れています。PCの画面で「二次元コードを更新」を押し、もう一度読み取ってください。',
    en: 'This QR code has expired. Press “Refresh the QR code” on the PC and scan it again.',
  },
  qr_invalid: {
    ja: 'この二次元コードは使えません。PCの画面に表示されている二次元コードを読み取ってください。',
    en: 'This QR code cannot be used. Scan the QR code shown on the PC.',
  },
  qr_used: {
    ja: 'この二次元コードはすでに別の端末で読み取られています。',
    en: 'This QR code has already been scanned on another device.',
  },
  flow_not_found: {
    ja: 'この手続きは見つからないか、終了しています。サービスの画面からやり直してください。',
    en: 'This procedure is unknown or has ended. Start again from the service.',
  },
  interaction_not_found: {
    ja: 'この手続きは有効期限が切れたか、別のブラウザで開始されています。サービスの画面からやり直してください。',
    en: 'This procedure has expired or was started in another browser. Start again from the service.',
  },
  return_code_invalid: {
    ja: 'この戻りリンクはこのブラウザでは使えません。',
    en: 'This return link cannot be used in this browser.',
  },
  flow_finished: {
    ja: 'この手続きはすでに完了しています。',
    en: 'This procedure has already been completed.',
  },
};

const STATUS_TEXTS: Record<number, Text> = {
  400: { ja: '要求を処理できませんでした。', en: 'The request could not be processed.' },
  403: { ja: 'この操作は許可されていません。', en: 'This is not allowed.' },
  404: { ja: 'ページが見つかりません。', en: 'The page was not found.' },
  500: {
    ja: 'システムエラーが発生しました。時間をおいてやり直してください。',
    en: 'Something went wrong. Try again later.',
  },
};

const ERROR_TITLE: Text = { ja: 'エラー', en: 'Error' };

function langOf(req: FastifyRequest): Lang {
  return /(?:^|;\s*)lang=en/.test(req.headers.cookie ?? '') || /[?&]lang=en/.test(req.url) ? 'en' : 'ja';
}

/** Browser pages (not the JSON APIs, not oidc-provider's own routes). */
function isPage(req: FastifyRequest): boolean {
  const path = req.url.split('?')[0]!;
  if (path.startsWith('/app/api/') || path.startsWith('/api/') || path.startsWith('/admin/')) return false;
  return (req.headers.accept ?? '').includes('text/html');
}

/** Errors on pages become a page in the citizen's language; APIs keep the JSON errors. */
export function errorPage(app: FastifyInstance): void {
  const json = app.errorHandler;
  app.setErrorHandler(async function (err: Error, req, reply) {
    if (!isPage(req)) return json.call(this, err, req, reply);
    const status = err instanceof HonninError ? err.status : 500;
    if (status >= 500) req.log.error({ err }, 'page failed');
    const lang = langOf(req);
    const code = err instanceof HonninError ? err.code : 'internal_error';
    const text = CITIZEN_TEXTS[code] ?? STATUS_TEXTS[status] ?? STATUS_TEXTS[status >= 500 ? 500 : 400]!;
    return reply
      .status(status)
      .type('text/html')
      .send(
        page({
          lang,
          url: req.url,
          title: ERROR_TITLE,
          body: `<p class="error" role="alert" data-code="${escapeHtml(code)}">${escapeHtml(text[lang])}</p>`,
        }),
      );
  });
}

/** oidc-provider's error page (a request it cannot redirect back: unknown client, bad redirect URI). */
export async function renderOidcError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string },
) {
  ctx.type = 'html';
  ctx.body = page({
    lang: 'ja',
    url: ctx.url,
    title: ERROR_TITLE,
    body: `<p class="error" role="alert" data-code="${escapeHtml(out.error)}">${escapeHtml(out.error)}: ${escapeHtml(
      out.error_description ?? '',
    )}</p><p>${escapeHtml('サービスの画面からやり直してください。 / Start again from the service.')}</p>`,
  });
}
