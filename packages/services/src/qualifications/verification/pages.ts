import { html, type Lang, type PageContent, type SafeHtml, summaryList, tr } from '../../web/index.ts';
import { displayValue, RECORD_LABELS } from '../certificate/labels.ts';
import { REASON_TEXT } from './reasons.ts';
import type { Verification } from './verifier.ts';

const verifyAction = (lang: Lang) => (lang === 'en' ? '/w/verify?lang=en' : '/w/verify');
const again = (lang: Lang) => (lang === 'en' ? '/w/?lang=en' : '/w/');

const TITLE = { ja: 'デジタル資格者証の検証', en: 'Verify a digital qualification certificate' };

/** Opened from the QR: one button, 「検証実施」, posts the data to /w/verify. */
export function confirmPage(lang: Lang, checkdata: string): PageContent {
  return {
    title: TITLE,
    body: html`<p>${tr(lang, {
      ja: '提示された二次元コードを読み取りました。「検証実施」を押すと、資格者証の有効性を確認します。',
      en: 'The QR code has been read. Press “Verify” to check whether the certificate is valid.',
    })}</p>
<form method="post" action="${verifyAction(lang)}" id="verify-form">
<input type="hidden" name="checkdata" value="${checkdata}">
<div class="actions"><button type="submit">${tr(lang, { ja: '検証実施', en: 'Verify' })}</button></div>
</form>
<p><a href="${again(lang)}">${tr(lang, { ja: '別の資格者証を検証する', en: 'Verify another certificate' })}</a></p>`,
  };
}

/** Without data: scan with the camera (where the browser can) or paste what the QR holds. */
export function scanPage(lang: Lang): PageContent {
  return {
    title: TITLE,
    body: html`<p>${tr(lang, {
      ja: '資格保有者が提示する二次元コードをスマートフォンのカメラ等で読み取ってください。読み取った内容（URL）を下の欄に貼り付けることもできます。',
      en: 'Scan the QR code the holder shows with your phone camera, or paste what it contains (a URL) below.',
    })}</p>
<div id="scanner" hidden>
<button type="button" class="secondary" id="scan-start">${tr(lang, { ja: 'カメラで読み取る', en: 'Scan with the camera' })}</button>
<video id="scan-video" playsinline muted width="320" height="240" hidden></video>
<p id="scan-status" aria-live="polite" class="muted"></p>
</div>
<form method="post" action="${verifyAction(lang)}" id="verify-form">
<div class="field"><label for="f-checkdata">${tr(lang, { ja: '二次元コードの内容', en: 'Contents of the QR code' })}</label>
<p class="hint" id="f-checkdata-hint">${tr(lang, { ja: '例: https://…/w/?c=…', en: 'e.g. https://…/w/?c=…' })}</p>
<textarea id="f-checkdata" name="checkdata" rows="5" aria-describedby="f-checkdata-hint" required></textarea></div>
<div class="actions"><button type="submit">${tr(lang, { ja: '検証実施', en: 'Verify' })}</button></div>
</form>`,
    scripts: html`<script src="/w/scan.js" defer></script>`,
  };
}

export function resultPage(lang: Lang, result: Verification): PageContent {
  const verdict: SafeHtml = result.valid
    ? html`<p class="verdict valid" id="verdict">${tr(lang, { ja: '有効です', en: 'Valid' })}</p>`
    : html`<p class="verdict invalid" id="verdict">${tr(lang, { ja: '無効です', en: 'Invalid' })}${tr(lang, {
        ja: '（',
        en: ' (',
      })}<span id="reason">${tr(lang, REASON_TEXT[result.reason])}</span>${tr(lang, { ja: '）', en: ')' })}</p>`;
  const record = result.record;
  return {
    title: { ja: '検証結果', en: 'Verification result' },
    body: html`<div role="status" aria-live="polite" class="panel result ${result.valid ? 'valid' : 'invalid'}">${verdict}</div>
${
  record
    ? html`<h2>${tr(lang, { ja: '登録情報', en: 'Registered information' })}</h2>${summaryList(
        lang,
        RECORD_LABELS.map(([field, label]) => [label, displayValue(field, record[field])]),
      )}`
    : ''
}
<p class="muted">${tr(lang, {
      ja: '検証では、登録情報が改ざんされていないこと、資格者証が取消・一時停止・削除されていないこと（国家資格等情報連携・活用システムに照会）、署名に使用した証明書が失効していないこと（認証局に照会）を確認しています。',
      en: 'The check confirms that the registered information has not been altered, that the certificate has not been revoked, suspended or deleted (asked of the national qualification system), and that the certificate used to sign it has not been revoked (asked of its certificate authority).',
    })}</p>
<p><a href="${again(lang)}">${tr(lang, { ja: '別の資格者証を検証する', en: 'Verify another certificate' })}</a></p>`,
  };
}

export const VERIFY_CSS = `
.verdict{font-size:1.6rem;font-weight:700;margin:0}
.result.valid{background:var(--ok-bg);border-color:var(--ok)}.result.valid .verdict{color:var(--ok)}
.result.invalid{background:var(--err-bg);border-color:var(--err)}.result.invalid .verdict{color:var(--err)}
video{max-width:100%;border:1px solid var(--line)}
`;
