/** A few DOM helpers for the platform's browser scripts (no framework: the pages are small). */

type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(c);
  return el;
}

/** The JSON the server embedded in the page. */
export function pageData<T>(): T {
  return JSON.parse(document.getElementById('page-data')!.textContent ?? '{}') as T;
}

export function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

/**
 * Replaces the view and moves focus to its heading (or the first field), so a
 * screen reader announces each step; the page title follows the step.
 */
export function show(title: string, ...children: Child[]): void {
  const heading = document.getElementById('title')!;
  heading.textContent = title;
  document.title = `${title} | ${document.title.split(' | ').at(-1)}`;
  const view = document.getElementById('view')!;
  view.replaceChildren(...(children.filter(Boolean) as (Node | string)[]));
  const field = view.querySelector<HTMLElement>('[autofocus]');
  if (field) field.focus();
  else {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

/** The polite live region: progress and errors are read out without moving focus. */
export function status(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = document.getElementById('status')!;
  el.className = kind === 'error' ? 'status error' : 'status';
  el.textContent = text;
}

export async function postJson<T>(url: string, body: unknown = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(data.message ?? res.statusText), { code: data.error, data });
  return data;
}

/** A form that POSTs to the server and follows its redirect (leaving the page). */
export function postForm(action: string, label: string, cls?: string): HTMLFormElement {
  return h('form', { method: 'post', action }, h('button', { type: 'submit', class: cls }, label));
}
