import { html, raw, type SafeHtml } from './html.ts';
import { type Lang, type Text, type Textish, tr } from './i18n.ts';
import type { WebSession } from './session.ts';
import type { FieldErrors } from './validation.ts';

/**
 * Accessible form controls: every input has a label, hints and errors are tied
 * to it with aria-describedby, invalid fields carry aria-invalid, and an error
 * summary at the top links to each field and takes focus.
 */
export const fieldId = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export interface InputSpec {
  name: string;
  label: Text;
  value?: string | undefined;
  error?: Text | undefined;
  hint?: Text | undefined;
  required?: boolean;
  type?: 'text' | 'email' | 'tel' | 'password' | 'date' | 'number';
  autocomplete?: string;
  inputmode?: 'text' | 'numeric' | 'tel' | 'email' | 'latin';
  maxlength?: number;
}

const REQUIRED: Text = { ja: '必須', en: 'required' };

function describedBy(id: string, hint: boolean, error: boolean): string {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ` aria-describedby="${ids.join(' ')}"` : '';
}

function labelText(lang: Lang, label: Text, required: boolean | undefined): SafeHtml {
  return html`${tr(lang, label)}${required ? html`<span class="req">${tr(lang, REQUIRED)}</span>` : ''}`;
}

function hintAndError(lang: Lang, id: string, hint?: Text, error?: Text): SafeHtml {
  return html`${hint ? html`<p class="hint" id="${id}-hint">${tr(lang, hint)}</p>` : ''}${
    error ? html`<p class="error-text" id="${id}-error">${tr(lang, error)}</p>` : ''
  }`;
}

export function input(lang: Lang, spec: InputSpec): SafeHtml {
  const id = fieldId(spec.name);
  const attrs = raw(
    [
      spec.required ? ' required' : '',
      spec.autocomplete ? ` autocomplete="${spec.autocomplete}"` : '',
      spec.inputmode ? ` inputmode="${spec.inputmode}"` : '',
      spec.maxlength ? ` maxlength="${spec.maxlength}"` : '',
      spec.error ? ' aria-invalid="true"' : '',
      describedBy(id, !!spec.hint, !!spec.error),
    ].join(''),
  );
  return html`<div class="field"><label for="${id}">${labelText(lang, spec.label, spec.required)}</label>${hintAndError(
    lang,
    id,
    spec.hint,
    spec.error,
  )}<input type="${spec.type ?? 'text'}" id="${id}" name="${spec.name}" value="${spec.value ?? ''}"${attrs}></div>`;
}

export interface ChoiceSpec {
  name: string;
  legend: Text;
  options: { value: string; label: Textish; hint?: Text | undefined }[];
  value?: string | undefined;
  error?: Text | undefined;
  hint?: Text | undefined;
  required?: boolean;
}

/** Radio buttons in a fieldset. */
export function radios(lang: Lang, spec: ChoiceSpec): SafeHtml {
  const id = fieldId(spec.name);
  return html`<fieldset class="field" id="${id}"${raw(describedBy(id, !!spec.hint, !!spec.error))}><legend>${labelText(
    lang,
    spec.legend,
    spec.required,
  )}</legend>${hintAndError(lang, id, spec.hint, spec.error)}${spec.options.map((o, i) => {
    const oid = `${id}-${i}`;
    return html`<label class="choice" for="${oid}"><input type="radio" id="${oid}" name="${spec.name}" value="${o.value}"${raw(
      o.value === spec.value ? ' checked' : '',
    )}${raw(spec.required ? ' required' : '')}${raw(spec.error ? ' aria-invalid="true"' : '')}><span>${tr(lang, o.label)}${
      o.hint ? html`<br><span class="muted">${tr(lang, o.hint)}</span>` : ''
    }</span></label>`;
  })}</fieldset>`;
}

/** A drop-down list. */
export function select(lang: Lang, spec: ChoiceSpec & { placeholder?: Text }): SafeHtml {
  const id = fieldId(spec.name);
  return html`<div class="field"><label for="${id}">${labelText(lang, spec.legend, spec.required)}</label>${hintAndError(
    lang,
    id,
    spec.hint,
    spec.error,
  )}<select id="${id}" name="${spec.name}"${raw(spec.required ? ' required' : '')}${raw(
    spec.error ? ' aria-invalid="true"' : '',
  )}${raw(describedBy(id, !!spec.hint, !!spec.error))}><option value="">${tr(
    lang,
    spec.placeholder ?? { ja: '選択してください', en: 'Choose' },
  )}</option>${spec.options.map(
    (o) =>
      html`<option value="${o.value}"${raw(o.value === spec.value ? ' selected' : '')}>${tr(lang, o.label)}</option>`,
  )}</select></div>`;
}

/** The list of problems above a form; it takes focus so screen readers announce it. */
export function errorSummary(lang: Lang, errors: FieldErrors | undefined): SafeHtml {
  const entries = Object.entries(errors ?? {});
  if (!entries.length) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary" autofocus><h2>${tr(
    lang,
    {
      ja: '入力内容に誤りがあります',
      en: 'There is a problem with what you entered',
    },
  )}</h2><ul>${entries.map(
    ([name, text]) => html`<li><a href="#${fieldId(name)}">${tr(lang, text)}</a></li>`,
  )}</ul></div>`;
}

/** The hidden field every state-changing form carries. */
export function csrfInput(session: WebSession): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A form with only a button (OK, delete, logout): POST with the CSRF token. */
export function buttonForm(
  lang: Lang,
  session: WebSession,
  action: string,
  label: Textish,
  opts: { className?: string; hidden?: Record<string, string> } = {},
): SafeHtml {
  return html`<form method="post" action="${action}">${csrfInput(session)}${Object.entries(
    opts.hidden ?? {},
  ).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<button type="submit"${raw(opts.className ? ` class="${opts.className}"` : '')}>${tr(lang, label)}</button></form>`;
}

/** Label/value pairs, as on confirmation pages. */
export function summaryList(lang: Lang, rows: [Textish, Textish | undefined | null][]): SafeHtml {
  return html`<dl class="summary">${rows.map(
    ([k, v]) =>
      html`<dt>${tr(lang, k)}</dt><dd>${v === undefined || v === null || v === '' ? '-' : tr(lang, v)}</dd>`,
  )}</dl>`;
}
