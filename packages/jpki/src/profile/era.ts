/**
 * Japanese eras as the card and the certificates code them. The era digit is
 * J-LIS's (1 明治 … 5 令和, 0 unknown); boundaries are the first day of each era.
 */
export interface Era {
  digit: 1 | 2 | 3 | 4 | 5;
  name: string;
  romaji: string;
  /** first day, YYYY-MM-DD */
  start: string;
}

export const ERAS: readonly Era[] = [
  { digit: 1, name: '明治', romaji: 'Meiji', start: '1868-01-25' },
  { digit: 2, name: '大正', romaji: 'Taisho', start: '1912-07-30' },
  { digit: 3, name: '昭和', romaji: 'Showa', start: '1926-12-25' },
  { digit: 4, name: '平成', romaji: 'Heisei', start: '1989-01-08' },
  { digit: 5, name: '令和', romaji: 'Reiwa', start: '2019-05-01' },
];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Japan keeps UTC+9 all year (no daylight saving time since 1951).
const JAPAN_OFFSET_MS = 9 * 3600_000;

/**
 * The calendar date in Japan at an instant, YYYY-MM-DD: the day a card expires,
 * an age is judged on, a fee or a payment card's month counts in.
 */
export function japanDate(at: Date | number): string {
  return new Date(new Date(at).getTime() + JAPAN_OFFSET_MS).toISOString().slice(0, 10);
}

/** The month in Japan at an instant, YYYY-MM. */
export function japanMonth(at: Date | number): string {
  return japanDate(at).slice(0, 7);
}

/** The year in Japan at an instant. */
export function japanYear(at: Date | number): number {
  return Number(japanDate(at).slice(0, 4));
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function eraOf(isoDate: string): Era | undefined {
  let found: Era | undefined;
  for (const e of ERAS) if (isoDate >= e.start) found = e;
  return found;
}

/** Year within its era (元年 = 1). */
export function eraYear(isoDate: string): { era: Era; year: number } | undefined {
  const era = eraOf(isoDate);
  if (!era) return undefined;
  return { era, year: Number(isoDate.slice(0, 4)) - Number(era.start.slice(0, 4)) + 1 };
}

/**
 * The certificate's birth date: era digit + Gregorian YYYYMMDD, e.g. 1980-02-17 →
 * "319800217". An unknown era is digit 0.
 */
export function encodeEraBirthDate(isoDate: string): string {
  const era = eraOf(isoDate);
  return `${era ? era.digit : 0}${isoDate.replaceAll('-', '')}`;
}

export function decodeEraBirthDate(s: string): { isoDate: string; eraDigit: number } | undefined {
  const m = /^([0-5])(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return undefined;
  const isoDate = `${m[2]}-${m[3]}-${m[4]}`;
  if (!isIsoDate(isoDate)) return undefined;
  return { isoDate, eraDigit: Number(m[1]) };
}

/** Japanese-era YYMMDD (照合番号B, the card-face AP's birth-date key): 1980-02-17 (昭和55年) → "550217". */
export function eraYYMMDD(isoDate: string): string {
  const ey = eraYear(isoDate);
  const yy = String(ey ? ey.year : Number(isoDate.slice(2, 4)))
    .padStart(2, '0')
    .slice(-2);
  return `${yy}${isoDate.slice(5, 7)}${isoDate.slice(8, 10)}`;
}

/** Whole years of age on `onDate` (birthdays on 29 Feb count from 1 Mar in common years). */
export function ageOn(birthIsoDate: string, onDate: Date): number {
  const by = Number(birthIsoDate.slice(0, 4));
  const bm = Number(birthIsoDate.slice(5, 7));
  const bd = Number(birthIsoDate.slice(8, 10));
  const y = onDate.getUTCFullYear();
  const m = onDate.getUTCMonth() + 1;
  const d = onDate.getUTCDate();
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age--;
  return age;
}

/** The n-th birthday after `from` (strictly after), as a UTC date at 00:00. */
export function nthBirthdayAfter(birthIsoDate: string, from: Date, n: number): Date {
  const bm = Number(birthIsoDate.slice(5, 7));
  const bd = Number(birthIsoDate.slice(8, 10));
  let year = from.getUTCFullYear();
  const thisYears = birthday(year, bm, bd);
  if (thisYears.getTime() <= from.getTime()) year++;
  return birthday(year + n - 1, bm, bd);
}

// Date.UTC rolls 29 Feb of a common year over to 1 Mar, which is the rule we want.
function birthday(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day));
}
