/**
 * Japanese first, English available. Every citizen-facing string is a Text
 * holding both; the page picks one by the request's language (`?lang=en`, then
 * the language cookie, then Japanese).
 */
export type Lang = 'ja' | 'en';

export interface Text {
  ja: string;
  en: string;
}

/** A Text, or a string that reads the same in both languages (a name, a number). */
export type Textish = Text | string;

export function parseLang(value: unknown): Lang | undefined {
  return value === 'ja' || value === 'en' ? value : undefined;
}

/** The text in `lang`, with `{name}` placeholders filled from `params`. */
export function tr(lang: Lang, text: Textish, params?: Record<string, string | number>): string {
  const s = typeof text === 'string' ? text : text[lang];
  return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
}

/** Fills placeholders in both languages (keeps it a Text). */
export function fill(text: Text, params: Record<string, string | number>): Text {
  return { ja: tr('ja', text, params), en: tr('en', text, params) };
}

/** Both languages, Japanese first: for mails and logs read by either audience. */
export function bilingual(text: Textish, separator = ' / '): string {
  return typeof text === 'string' ? text : `${text.ja}${separator}${text.en}`;
}

/** An amount in yen as people read it: 1,790円 (JPY 1,790 on an English page that asks for it). */
export function yen(amount: number, lang: Lang = 'ja'): string {
  return lang === 'ja' ? `${amount.toLocaleString('ja-JP')}円` : `JPY ${amount.toLocaleString('en-US')}`;
}

/** The calendar date in Japan at an instant, YYYY-MM-DD (as `<input type=date>` sends dates). */
export function japanDate(epochMs: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date(epochMs));
}

/** Dates as citizens read them: 2026/01/31 and 2026/01/31 14:05 (Japan time). */
export function formatDate(epochMs: number, withTime = false): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    ...(withTime ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' as const } : {}),
  }).formatToParts(new Date(epochMs));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const date = `${get('year')}/${get('month')}/${get('day')}`;
  return withTime ? `${date} ${get('hour')}:${get('minute')}` : date;
}
