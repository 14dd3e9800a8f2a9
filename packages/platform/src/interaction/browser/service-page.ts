import { fill, h, pageData, postForm, postJson, show, status } from '../../web/browser/dom.ts';
import type { ServiceTexts } from '../texts.ts';

/**
 * The service's page between the authorization request and the redirect back
 * (seed 002, PC side): the QR code that changes every second and expires after
 * 30 s, the 6-digit number from the app, then it follows the app by itself.
 * On a phone it offers the app switch instead.
 */
interface Data {
  uid: string;
  kind: 'login' | 'sign';
  service: string;
  mobile: boolean;
  texts: ServiceTexts;
  stage: string;
  outcome?: { code: string; ja: string; en: string };
  /** 中止 was pressed after the citizen allowed in the app (the server refused it) */
  cancelTooLate?: boolean;
}

const d = pageData<Data>();
const t = d.texts;
const lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
const base = `/interaction/${d.uid}`;
let stage = '';
let wantQr = !d.mobile;
let qrBox: HTMLElement | undefined;

const cancel = () => postForm(`${base}/cancel`, t.cancel, 'secondary');

function waiting(): void {
  if (!wantQr) {
    show(
      d.kind === 'sign' ? t.titleSign : t.titleLogin,
      h('p', {}, fill(t.intro, { service: d.service })),
      h('p', {}, t.openAppHelp),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `${base}/app`, id: 'open-app' }, t.openApp),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              wantQr = true;
              waiting();
            },
          },
          t.usePc,
        ),
        cancel(),
      ),
    );
    return;
  }
  qrBox = h('div', { class: 'qr', id: 'qr', role: 'img', 'aria-label': t.qrAlt }, t.connecting);
  show(
    t.qrHeading,
    h('p', {}, fill(t.intro, { service: d.service })),
    h('div', { class: 'panel' }, qrBox, h('p', { class: 'muted' }, t.qrHelp)),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', id: 'refresh-qr', class: 'secondary', onclick: refreshQr }, t.qrRefresh),
      cancel(),
    ),
    h('h2', {}, t.otherWays),
    h('p', {}, h('a', { href: `${base}/reader`, id: 'use-reader' }, t.reader)),
  );
}

async function refreshQr(): Promise<void> {
  try {
    await postJson(`${base}/qr`);
    status('');
  } catch (e) {
    status((e as Error).message, 'error');
  }
}

function showQr(q: { svg?: string; secondsLeft?: number; expired?: boolean }): void {
  if (!qrBox || stage !== 'waiting' || !wantQr) return;
  if (q.expired) {
    qrBox.classList.add('expired');
    const label = qrBox.querySelector('.seconds');
    if (label) label.textContent = t.qrExpired;
    else qrBox.append(h('p', { class: 'seconds' }, t.qrExpired));
    return;
  }
  qrBox.classList.remove('expired');
  const tpl = document.createElement('template');
  tpl.innerHTML = q.svg ?? '';
  const svg = tpl.content.firstElementChild;
  if (svg) svg.setAttribute('aria-hidden', 'true');
  qrBox.replaceChildren(
    ...(svg ? [svg] : []),
    h('p', { class: 'seconds' }, fill(t.qrSecondsLeft, { n: q.secondsLeft ?? 0 })),
  );
}

function binding(): void {
  const input = h('input', {
    type: 'text',
    id: 'binding-number',
    name: 'number',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
    required: true,
    autofocus: true,
    'aria-describedby': 'binding-error',
  });
  const error = h('p', { id: 'binding-error', class: 'muted', 'aria-live': 'assertive' });
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const number = input.value.trim();
        if (!/^\d{6}$/.test(number)) {
          error.textContent = t.bindingFormat;
          input.setAttribute('aria-invalid', 'true');
          return;
        }
        try {
          await postJson(`${base}/binding`, { number });
        } catch (err) {
          const x = err as { code?: string; data?: { details?: { attemptsLeft?: number } } };
          if (x.code === 'binding_number_wrong') {
            error.textContent = fill(t.bindingWrong, { n: x.data?.details?.attemptsLeft ?? 0 });
            input.setAttribute('aria-invalid', 'true');
            input.select();
          }
        }
      },
    },
    h('label', { for: 'binding-number' }, t.bindingLabel),
    input,
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t.bindingSubmit)),
  );
  show(t.bindingHeading, form, cancel());
}

function render(s: { stage: string; outcome?: Data['outcome'] }): void {
  if (s.stage === stage && s.stage !== 'failed') return;
  stage = s.stage;
  if (stage === 'waiting') waiting();
  else if (stage === 'binding') binding();
  else if (stage === 'in_app')
    show(d.kind === 'sign' ? t.titleSign : t.titleLogin, h('p', {}, t.inApp), cancel());
  else if (stage === 'done') {
    show(
      d.kind === 'sign' ? t.doneSign : t.doneLogin,
      d.cancelTooLate && h('p', { class: 'error', id: 'cancel-too-late', role: 'alert' }, t.cancelTooLate),
      postForm(`${base}/finish`, t.back),
    );
    status(d.kind === 'sign' ? t.doneSign : t.doneLogin);
  } else if (stage === 'failed') {
    const why = s.outcome ? (lang === 'en' ? s.outcome.en : s.outcome.ja) : '';
    show(
      t.failed,
      h('p', { class: 'error', id: 'outcome', role: 'alert', 'data-code': s.outcome?.code ?? '' }, why),
      postForm(`${base}/finish`, t.back),
    );
  }
}

render(d);
const events = new EventSource(`${base}/events`);
events.addEventListener('flow', (e) => {
  const s = JSON.parse((e as MessageEvent).data) as { stage: string; outcome?: Data['outcome'] };
  render(s);
  if (s.stage === 'done' || s.stage === 'failed') events.close();
});
events.addEventListener('qr', (e) => showQr(JSON.parse((e as MessageEvent).data)));
