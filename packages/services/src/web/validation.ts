import { z } from '@honnin/runtime';
import { fill, type Text } from './i18n.ts';

/**
 * Form validation with messages citizens understand in both languages. Rules
 * carry their message as a Text (encoded in zod's message string); `validateForm`
 * turns zod's issues back into one Text per field.
 */
export type FieldErrors = Record<string, Text>;

const PREFIX = 'text:';
/** zod's error option carrying a bilingual message. */
export function says(text: Text): { error: string } {
  return { error: PREFIX + JSON.stringify(text) };
}

const INVALID: Text = { ja: '入力内容が正しくありません。', en: 'This value is not valid.' };

function decode(message: string): Text {
  if (!message.startsWith(PREFIX)) return INVALID;
  try {
    return JSON.parse(message.slice(PREFIX.length)) as Text;
  } catch {
    return INVALID;
  }
}

export type FormInput = Record<string, unknown>;

export function validateForm<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; value: z.output<S> } | { ok: false; errors: FieldErrors } {
  const r = schema.safeParse(input ?? {});
  if (r.success) return { ok: true, value: r.data };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    errors[key] ??= decode(issue.message);
  }
  return { ok: false, errors };
}

export const messages = {
  required: { ja: '「{label}」を入力してください。', en: 'Enter {label}.' },
  choose: { ja: '「{label}」を選択してください。', en: 'Choose {label}.' },
  tooLong: {
    ja: '「{label}」は{max}文字以内で入力してください。',
    en: '{label} must be {max} characters or fewer.',
  },
  email: {
    ja: '「{label}」はメールアドレスの形式（例: taro@example.jp）で入力してください。',
    en: 'Enter {label} as an e-mail address (e.g. taro@example.jp).',
  },
  date: { ja: '「{label}」は正しい日付を入力してください。', en: 'Enter a valid date for {label}.' },
  pastDate: {
    ja: '「{label}」は今日より前の日付を入力してください。',
    en: '{label} must be a date in the past.',
  },
  notFutureDate: {
    ja: '「{label}」は今日以前の日付を入力してください。',
    en: '{label} must be today or earlier.',
  },
} satisfies Record<string, Text>;

const labelled = (t: Text, label: Text, extra: Record<string, string | number> = {}): Text => ({
  ja: fill(t, { label: label.ja, ...extra }).ja,
  en: fill(t, { label: label.en, ...extra }).en,
});

// What a browser sends for one text input: a string, or nothing; surrounding spaces are dropped.
const trimmed = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim() : v === undefined ? '' : v),
  z.string(),
);

export interface TextRule {
  max: number;
  /** applied before the checks, e.g. full-width digits to half-width */
  normalize?: (s: string) => string;
  format?: { pattern: RegExp; text: Text };
}

function checkedText(label: Text, rule: TextRule) {
  return trimmed
    .transform((s) => (rule.normalize ? rule.normalize(s) : s))
    .pipe(
      z
        .string()
        .max(rule.max, says(labelled(messages.tooLong, label, { max: rule.max })))
        .refine(
          (s) => !rule.format || s === '' || rule.format.pattern.test(s),
          says(rule.format?.text ?? INVALID),
        ),
    );
}

/** A required text field: at most `max` characters, an optional format. */
export function textField(label: Text, rule: TextRule) {
  return checkedText(label, rule).pipe(z.string().min(1, says(labelled(messages.required, label))));
}

/** A text field that may stay empty (undefined then). */
export function optionalTextField(label: Text, rule: TextRule) {
  return checkedText(label, rule).transform((s) => (s === '' ? undefined : s));
}

/** One of fixed values (radio buttons, selects). */
export function choiceField<const V extends readonly [string, ...string[]]>(label: Text, values: V) {
  return z.enum(values, says(labelled(messages.choose, label)));
}

export function emailField(label: Text) {
  return trimmed.pipe(
    z
      .string()
      .min(1, says(labelled(messages.required, label)))
      .max(254, says(labelled(messages.tooLong, label, { max: 254 })))
      .pipe(z.email(says(labelled(messages.email, label))))
      .transform((s) => s.toLowerCase()),
  );
}

/**
 * A date (YYYY-MM-DD, as `<input type=date>` sends it), optionally `before`
 * today (a birth date) or `upTo` today, today included (the date of an event);
 * both take today's date, e.g. `() => japanDate(clock())`.
 */
export function dateField(label: Text, opts: { before?: () => string; upTo?: () => string } = {}) {
  return trimmed.pipe(
    z
      .string()
      .min(1, says(labelled(messages.required, label)))
      .pipe(z.iso.date(says(labelled(messages.date, label))))
      .refine((d) => !opts.before || d < opts.before(), says(labelled(messages.pastDate, label)))
      .refine((d) => !opts.upTo || d <= opts.upTo(), says(labelled(messages.notFutureDate, label))),
  );
}

/** Full-width ASCII (ＡＢＣ１２３－) and dash look-alikes to half-width, as typed on Japanese keyboards. */
export function toHalfWidth(s: string): string {
  return s
    .replace(/[！-～]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[‐‑–—―−]/g, '-');
}
