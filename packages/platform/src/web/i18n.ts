/**
 * Japanese first, English available. Pages pick the language from `?lang=`,
 * then the `lang` cookie, then Japanese; the browser scripts get it from the
 * page's <html lang>.
 */
export type Lang = 'ja' | 'en';

export interface Text {
  ja: string;
  en: string;
}

export function parseLang(value: unknown): Lang | undefined {
  return value === 'ja' || value === 'en' ? value : undefined;
}

/** The text in `lang` with `{name}` placeholders filled. */
export function tr(lang: Lang, text: Text | string, params?: Record<string, string | number>): string {
  const s = typeof text === 'string' ? text : text[lang];
  return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
}
