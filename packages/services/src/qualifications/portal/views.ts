import { formatDate, type Lang, type Text, tr, yen } from '../../web/i18n.ts';
import { html, type SafeHtml, summaryList } from '../../web/index.ts';
import { stepIndicator } from '../../web/layout.ts';
import { qualification } from '../catalogue.ts';
import type { Application } from '../registry/applications.ts';
import { CHANGE_REASON_TEXT, KIND_TEXT, SEX_TEXT, STATUS_TEXT } from '../texts.ts';

const APPLICATION_STEPS: Text[] = [
  { ja: '登録状況の選択', en: 'Registration status' },
  { ja: 'カード読取', en: 'Read the card' },
  { ja: '情報確認', en: 'Check your details' },
  { ja: '情報入力', en: 'Enter details' },
  { ja: '入力内容確認', en: 'Review' },
  { ja: '利用同意', en: 'Consent' },
  { ja: '電子署名', en: 'Signature' },
  { ja: '申請完了', en: 'Done' },
];
const LABEL: Text = { ja: '申請の手順', en: 'Application steps' };

export const progress = (lang: Lang, step: number) => stepIndicator(lang, LABEL, APPLICATION_STEPS, step);

export const qualificationName = (lang: Lang, id: string) => {
  const q = qualification(id);
  return lang === 'ja' ? q.name : `${q.nameEn} (${q.name})`;
};

export function statusBadge(lang: Lang, status: Application['status']): SafeHtml {
  return html`<span class="badge ${status}">${tr(lang, STATUS_TEXT[status])}</span>`;
}

/** The 4 items as read from the card. */
export function basicInfoList(lang: Lang, a: Application): SafeHtml {
  const b = a.basicInfo;
  if (!b) return html``;
  return summaryList(lang, [
    [{ ja: '氏名', en: 'Name' }, b.name],
    [{ ja: '住所', en: 'Address' }, b.address],
    [{ ja: '生年月日', en: 'Date of birth' }, b.birthDate.replaceAll('-', '/')],
    [{ ja: '性別', en: 'Sex' }, SEX_TEXT[b.sex] ?? b.sex],
  ]);
}

/** Everything the holder entered: shown on the review page and to staff. */
export function applicationSummary(
  lang: Lang,
  a: Application,
  attachmentHref?: (id: string) => string,
): SafeHtml {
  const rows: [Text | string, Text | string | null][] = [
    [{ ja: '手続き', en: 'Procedure' }, KIND_TEXT[a.kind]],
    [{ ja: '国家資格', en: 'Qualification' }, qualificationName(lang, a.qualificationId)],
    [{ ja: '登録番号', en: 'Registration number' }, a.registrationNumber],
    [{ ja: '登録年月日', en: 'Registration date' }, a.registrationDate?.replaceAll('-', '/') ?? null],
  ];
  if (a.changes) {
    rows.push(
      [{ ja: '本籍地都道府県', en: 'Registered domicile (prefecture)' }, a.changes.domicilePrefecture],
      [{ ja: '旧姓（併記）', en: 'Former surname (shown beside the name)' }, a.changes.formerSurname || null],
      [{ ja: '変更の理由', en: 'Reason' }, CHANGE_REASON_TEXT[a.changes.reason]],
      [{ ja: '変更年月日', en: 'Date of the change' }, a.changes.changeDate.replaceAll('-', '/')],
    );
  }
  if (a.fee > 0) rows.push([{ ja: '手数料', en: 'Fee' }, yen(a.fee)]);
  return html`<h2>${tr(lang, { ja: '基本4情報（マイナンバーカード）', en: 'The 4 basic items (My Number Card)' })}</h2>${basicInfoList(
    lang,
    a,
  )}<h2>${tr(lang, { ja: '申請内容', en: 'Application' })}</h2>${summaryList(lang, rows)}
<h2>${tr(lang, { ja: '添付書類', en: 'Attachments' })}</h2>${
    a.attachments.length
      ? html`<ul>${a.attachments.map(
          (f) =>
            html`<li>${attachmentHref ? html`<a href="${attachmentHref(f.id)}">${f.fileName}</a>` : f.fileName} (${f.mediaType}, ${Math.ceil(f.size / 1024)} KB)</li>`,
        )}</ul>`
      : html`<p>-</p>`
  }${a.submittedAt ? summaryList(lang, [[{ ja: '申請日時', en: 'Submitted' }, formatDate(a.submittedAt, true)]]) : ''}`;
}
