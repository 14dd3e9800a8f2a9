import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { fill, h, pageData, postJson, show, status } from '../../web/browser/dom.ts';
import type { AppTexts } from '../texts.ts';
import type { CardReadResult } from './card.ts';
import { cardTapUrl, tapAndRead } from './tap.ts';

/**
 * The citizen's app (デジタル認証アプリ) in the browser: registration, and the
 * steps of one authentication or signing exactly as seed 002 shows them.
 * The JPKI client runs here and reads the card over a transport; PINs go only
 * to the card, never to the platform.
 */
interface Data {
  view: 'home' | 'register' | 'flow';
  texts: AppTexts;
  registered?: boolean;
  next?: string;
  flowId?: string;
  reader?: boolean;
  cardHost: string;
  readerBridge?: string;
}

type Item = 'name' | 'address' | 'birthdate' | 'gender' | 'age_over_18' | 'age_over_20';
/** The items read from the card-info AP (with its PIN); age checks come from J-LIS. */
const needsCardInfo = (v: { items: { required: Item[]; optional: Item[] } }) =>
  [...v.items.required, ...v.items.optional].some((i) => !i.startsWith('age_over_'));

interface FlowView {
  id: string;
  stage: 'waiting' | 'binding' | 'in_app' | 'done' | 'failed';
  kind: 'login' | 'sign';
  route?: 'qr' | 'app_switch' | 'card_reader';
  service: { name: string; nameEn?: string; origin: string };
  items: { required: Item[]; optional: Item[] };
  document?: { name: string; title?: string; summary?: string };
  bindingNumber?: string;
  registered: boolean;
  unlocked: boolean;
  verified: boolean;
  consented: boolean;
  returnPath: string;
  returnCode?: string;
  claims?: Partial<Record<Item, unknown>>;
  outcome?: { code: string; ja: string; en: string };
}

const d = pageData<Data>();
const t = d.texts;
const lang = document.documentElement.lang === 'en' ? 'en' : 'ja';
const api = (path: string) => `/app/api${path}`;
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

const actions = (...children: (Node | false | undefined)[]) => h('div', { class: 'actions' }, ...children);
const button = (label: string, onclick: () => void, cls?: string, id?: string) =>
  h('button', { type: 'button', class: cls, id, onclick }, label);
const steps = (list: string) => h('ol', { class: 'steps' }, ...list.split('|').map((s) => h('li', {}, s)));

// ── registration (seed 002 「利用登録の方法」 1–9) ──────────────────────────

function checkboxStep(title: string, body: string, label: string, next: () => void): void {
  const id = `agree-${title.length}`;
  const box = h('input', { type: 'checkbox', id, 'aria-describedby': `${id}-error` });
  const error = h('p', { id: `${id}-error`, class: 'muted', 'aria-live': 'assertive' });
  show(
    title,
    h('div', { class: 'panel', tabindex: '0' }, h('p', {}, body)),
    h('label', { class: 'choice', for: id }, box, h('span', {}, label)),
    error,
    actions(
      button(t.next, () => {
        if (!box.checked) {
          error.textContent = t.mustAgree;
          box.focus();
          return;
        }
        next();
      }),
    ),
  );
}

function register(afterwards: () => void): void {
  show(
    t.regStartTitle,
    h('p', {}, t.regStartBody),
    actions(
      button(t.next, () =>
        show(
          t.regStepsTitle,
          steps(t.regSteps),
          actions(
            button(t.start, () =>
              checkboxStep(t.termsTitle, t.termsBody, t.termsAgree, () =>
                checkboxStep(t.privacyTitle, t.privacyBody, t.privacyAgree, () => setUpUnlock(afterwards)),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function setUpUnlock(afterwards: () => void): void {
  show(
    t.unlockSetupTitle,
    h('p', {}, t.unlockSetupBody),
    actions(
      button(
        t.unlockSetup,
        async () => {
          try {
            status(t.working);
            const { draft, options } = await postJson<{
              draft: string;
              options: Parameters<typeof startRegistration>[0]['optionsJSON'];
            }>(api('/registration/options'), { terms: true, privacy: true });
            const response = await startRegistration({ optionsJSON: options });
            await postJson(api('/registration'), { draft, response });
            status('');
            prepareCard(afterwards);
          } catch (e) {
            status(`${t.unlockFailed} (${(e as Error).message})`, 'error');
          }
        },
        undefined,
        'set-up-unlock',
      ),
    ),
  );
}

function prepareCard(afterwards: () => void): void {
  show(
    t.prepareTitle,
    h('p', {}, t.prepareBody),
    actions(
      button(t.next, () =>
        askPin('auth', undefined, async (pin) => {
          const { challenge } = await postJson<{ challenge: string }>(api('/registration/challenge'));
          const r = await readStep({ kind: 'login', pin, challenge: fromB64(challenge) });
          if (!r.ok) return r;
          await postJson(api('/registration/card'), {
            challenge,
            signature: b64(r.signature),
            certificate: b64(r.certificate),
          });
          show(
            t.regDoneTitle,
            h('p', {}, t.regDoneBody),
            actions(button(d.next ? t.continueFlow : t.close, afterwards, undefined, 'registration-done')),
          );
          return r;
        }),
      ),
    ),
  );
}

// ── PINs and the card ─────────────────────────────────────────────────────

type PinKind = 'auth' | 'cardInfo' | 'sign';

/**
 * A PIN screen (4 digits, or the 6–16 character signature password), with the
 * lock warning and — after a wrong entry — the tries left. `submit` reads the
 * card; a wrong PIN comes back here.
 */
function askPin(
  kind: PinKind,
  wrong: { triesLeft: number } | undefined,
  submit: (pin: string) => Promise<CardReadResult | undefined>,
): void {
  const password = kind === 'sign';
  const title =
    kind === 'auth' ? t.authPinTitle : kind === 'cardInfo' ? t.cardInfoPinTitle : t.signPasswordTitle;
  const warning =
    kind === 'auth' ? t.authPinWarning : kind === 'cardInfo' ? t.cardInfoPinWarning : t.signPasswordWarning;
  const input = h('input', {
    type: 'password',
    id: 'pin',
    name: 'pin',
    autocomplete: 'off',
    inputmode: password ? 'text' : 'numeric',
    maxlength: password ? '16' : '4',
    required: true,
    autofocus: true,
    'aria-describedby': 'pin-help pin-error pin-warning',
    ...(wrong ? { 'aria-invalid': 'true' } : {}),
  });
  const error = h(
    'p',
    { id: 'pin-error', class: wrong ? 'error' : 'muted', 'aria-live': 'assertive' },
    wrong
      ? `${fill(password ? t.passwordWrong : t.pinWrong, { n: wrong.triesLeft })}${wrong.triesLeft === 1 ? ` ${t.lastTry}` : ''}`
      : '',
  );
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const pin = password ? input.value.trim().toUpperCase() : input.value.trim();
        if (password ? !/^[A-Z0-9]{6,16}$/.test(pin) : !/^\d{4}$/.test(pin)) {
          error.className = 'error';
          error.textContent = password ? t.passwordFormat : t.pinFormat;
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
        await submit(pin);
      },
    },
    h('label', { for: 'pin' }, password ? t.signPasswordLabel : t.authPinLabel),
    h('p', { id: 'pin-help', class: 'muted' }, password ? t.signPasswordHelp : t.authPinHelp),
    input,
    error,
    h('p', { id: 'pin-warning', class: 'notice' }, warning),
    actions(h('button', { type: 'submit' }, t.next)),
  );
  show(title, form);
}

interface CardChoice {
  id: string;
  label: string;
  holderName: string;
}

/**
 * What can be read: the virtual cards the citizen may hold to the phone (the
 * card host's wallet), or, on a PC, the readers of the local bridge — both
 * speak the same tap protocol.
 */
const tapBase = () => (d.reader ? (d.readerBridge ?? '') : d.cardHost);

async function cardChoices(): Promise<CardChoice[]> {
  try {
    const res = await fetch(new URL('/v1/cards', tapBase()));
    return ((await res.json()) as { cards: CardChoice[] }).cards;
  } catch {
    return [];
  }
}

/** 「マイナンバーカードの読み取り」: waits for 読み取り開始, then reads with progress. */
function readStep(req: {
  kind: 'login' | 'sign';
  pin: string;
  cardInfoPin?: string | undefined;
  challenge?: Uint8Array;
  digestInfo?: Uint8Array;
}): Promise<CardReadResult> {
  return new Promise((resolve) => {
    const bar = h('progress', { max: '100', value: '0', 'aria-label': t.readTitle });
    const remembered = localStorage.getItem('honnin.card');
    const picker = h(
      'fieldset',
      { class: 'panel', id: 'card-picker' },
      h('legend', {}, d.reader ? t.readWhichReader : t.readWhichCard),
    );
    void cardChoices().then((cards) => {
      if (cards.length === 0) picker.append(h('p', { class: 'error' }, t.readNoCards));
      cards.forEach((c, i) => {
        const checked = remembered ? c.id === remembered : i === 0;
        picker.append(
          h(
            'label',
            { class: 'choice' },
            h('input', { type: 'radio', name: 'card', value: c.id, checked, 'data-label': c.label }),
            h('span', {}, `${c.label}（${c.holderName}）`),
          ),
        );
      });
    });
    const start = button(
      t.readStart,
      async () => {
        const chosen = picker.querySelector<HTMLInputElement>('input[name=card]:checked');
        if (!chosen) return status(t.readNoCards, 'error');
        if (!d.reader) localStorage.setItem('honnin.card', chosen.value);
        const url = cardTapUrl(tapBase(), chosen.value);
        start.disabled = true;
        status(t.readWaiting);
        const r = await tapAndRead(
          { url },
          {
            ...req,
            onProgress: (p) => {
              bar.value = p;
              status(fill(t.readProgress, { p: Math.round(p) }));
            },
          },
        );
        status('');
        resolve(r);
      },
      undefined,
      'read-start',
    );
    show(t.readTitle, h('p', {}, d.reader ? t.readBodyReader : t.readBody), picker, bar, actions(start));
  });
}

// ── a flow (seed 002 「認証の方法」 / 「署名の方法」) ─────────────────────────

async function runFlow(id: string): Promise<void> {
  let view = await fetchView(id);
  const base = api(`/flows/${id}`);
  const serviceName = () => (lang === 'en' && view.service.nameEn ? view.service.nameEn : view.service.name);
  let returnCode: string | undefined;

  const failed = (v: FlowView) => {
    const why = v.outcome ? (lang === 'en' ? v.outcome.en : v.outcome.ja) : '';
    show(
      t.failedTitle,
      h('p', { class: 'error', id: 'outcome', role: 'alert', 'data-code': v.outcome?.code ?? '' }, why),
      backLink(),
    );
  };
  const backLink = () =>
    view.route === 'qr'
      ? actions(h('a', { class: 'button secondary', href: '/app' }, t.close))
      : actions(
          h(
            'a',
            {
              class: 'button',
              id: 'back-to-service',
              href: `${view.returnPath}${returnCode ? `?code=${encodeURIComponent(returnCode)}` : ''}`,
            },
            t.backToService,
          ),
        );
  const report = async (code: string) => {
    view = await postJson<FlowView>(`${base}/fail`, { code });
    failed(view);
  };
  const cancel = () => button(t.cancel, () => void report('user_cancelled'), 'secondary', 'cancel');

  if (view.stage === 'failed') return failed(view);
  if (!view.registered) {
    location.href = `/app/register?next=${encodeURIComponent(location.pathname)}`;
    return;
  }
  if (!view.unlocked) await unlock();
  if (view.stage === 'binding') await binding();
  if ((view.stage as FlowView['stage']) === 'failed') return failed(view);
  confirmSteps();

  function unlock(): Promise<void> {
    return new Promise((resolve) => {
      show(
        t.unlockTitle,
        h('p', {}, t.unlockBody),
        actions(
          button(
            t.unlock,
            async () => {
              try {
                const options = await postJson<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
                  `${base}/unlock/options`,
                );
                const response = await startAuthentication({ optionsJSON: options });
                view = await postJson<FlowView>(`${base}/unlock`, { response });
                status('');
                resolve();
              } catch (e) {
                status(`${t.unlockFailed} (${(e as Error).message})`, 'error');
              }
            },
            undefined,
            'unlock',
          ),
          cancel(),
        ),
      );
    });
  }

  /** Shows the 6-digit number until the PC has typed it (the PC page follows the same flow). */
  function binding(): Promise<void> {
    return new Promise((resolve) => {
      show(
        t.bindingTitle,
        h('p', {}, t.bindingBody),
        h(
          'p',
          {
            class: 'binding',
            id: 'binding-number',
            'aria-label': (view.bindingNumber ?? '').split('').join(' '),
          },
          view.bindingNumber ?? '',
        ),
        h('p', {}, t.checkOrigin, ' ', h('span', { class: 'origin' }, view.service.origin)),
        h('p', { class: 'muted' }, t.bindingWait),
        actions(cancel()),
      );
      const events = new EventSource(`${base}/events`);
      events.addEventListener('flow', async (e) => {
        const s = JSON.parse((e as MessageEvent).data) as { stage: FlowView['stage'] };
        if (s.stage === 'binding') return;
        events.close();
        view = await fetchView(id);
        resolve();
      });
    });
  }

  function confirmSteps(): void {
    const cardInfo = view.kind === 'login' && needsCardInfo(view);
    show(
      view.kind === 'sign' ? t.signStepsTitle : t.loginStepsTitle,
      h('p', {}, fill(t.requestedBy, { service: serviceName() })),
      h('p', {}, h('span', { class: 'origin' }, view.service.origin)),
      steps(view.kind === 'sign' ? t.signSteps : cardInfo ? t.loginStepsCardInfo : t.loginSteps),
      actions(
        button(
          view.kind === 'sign' ? t.next : t.start,
          () => (view.kind === 'sign' ? showDocument() : loginPin()),
          undefined,
          'steps-next',
        ),
        cancel(),
      ),
    );
  }

  // login: PIN → (card-info PIN) → card → consent
  function loginPin(wrong?: { triesLeft: number }): void {
    askPin('auth', wrong, async (pin) => {
      if (needsCardInfo(view)) askPin('cardInfo', undefined, (cardInfoPin) => loginRead(pin, cardInfoPin));
      else await loginRead(pin);
      return undefined;
    });
  }

  async function loginRead(pin: string, cardInfoPin?: string): Promise<CardReadResult> {
    const { challenge } = await postJson<{ challenge: string }>(`${base}/challenge`);
    const r = await readStep({ kind: 'login', pin, cardInfoPin, challenge: fromB64(challenge) });
    if (!r.ok) {
      handleCardFailure(r, () =>
        loginPin(r.reason === 'pin_wrong' && r.pin === 'auth' ? { triesLeft: r.triesLeft } : undefined),
      );
      return r;
    }
    status(t.readVerifying);
    try {
      view = await postJson<FlowView>(`${base}/card`, {
        challenge,
        signature: b64(r.signature),
        certificate: b64(r.certificate),
        ...(r.cardInfo ? { cardInfo: r.cardInfo } : {}),
      });
      status('');
      consent();
    } catch (e) {
      if (isUnavailable(e)) unavailable(() => void loginRead(pin, cardInfoPin));
      else {
        view = await fetchView(id);
        failed(view);
      }
    }
    return r;
  }

  function isUnavailable(e: unknown): boolean {
    return (e as { code?: string }).code === 'revocation_unavailable';
  }

  /** J-LIS could not be asked: the flow stays open; the same card is read again (a new challenge), or 中止. */
  function unavailable(retry: () => void): void {
    status(t.unavailableTitle, 'error');
    show(
      t.unavailableTitle,
      h(
        'p',
        { class: 'error', id: 'unavailable', role: 'alert', 'data-code': 'revocation_unavailable' },
        t.unavailableBody,
      ),
      actions(
        button(
          t.unavailableRetry,
          () => {
            status('');
            retry();
          },
          undefined,
          'unavailable-retry',
        ),
        cancel(),
      ),
    );
  }

  // sign: document → consent → password → card → done
  function showDocument(): void {
    const doc = view.document;
    show(
      t.documentTitle,
      h(
        'dl',
        { class: 'items' },
        h('dt', {}, t.documentName),
        h('dd', { id: 'document-name' }, doc?.title ? `${doc.title}（${doc.name}）` : (doc?.name ?? '')),
        doc?.summary ? h('dt', {}, t.documentSummary) : undefined,
        doc?.summary ? h('dd', {}, doc.summary) : undefined,
      ),
      actions(
        button(t.next, () => consent(), undefined, 'document-next'),
        cancel(),
      ),
    );
  }

  function signPassword(wrong?: { triesLeft: number }): void {
    askPin('sign', wrong, signRead);
  }

  async function signRead(password: string): Promise<CardReadResult> {
    const { digestInfo } = await postJson<{ digestInfo: string }>(`${base}/challenge`);
    const r = await readStep({ kind: 'sign', pin: password, digestInfo: fromB64(digestInfo) });
    if (!r.ok) {
      handleCardFailure(r, () =>
        signPassword(r.reason === 'pin_wrong' ? { triesLeft: r.triesLeft } : undefined),
      );
      return r;
    }
    status(t.readVerifying);
    try {
      view = await postJson<FlowView>(`${base}/card`, {
        signature: b64(r.signature),
        certificate: b64(r.certificate),
      });
      status('');
      done();
    } catch (e) {
      if (isUnavailable(e)) unavailable(() => void signRead(password));
      else {
        view = await fetchView(id);
        failed(view);
      }
    }
    return r;
  }

  function handleCardFailure(r: Exclude<CardReadResult, { ok: true }>, retry: () => void): void {
    if (r.reason === 'pin_wrong') {
      if (r.pin === 'cardInfo') loginPin();
      else retry();
      return;
    }
    if (r.reason === 'locked') {
      void report(
        r.pin === 'auth'
          ? 'auth_pin_locked'
          : r.pin === 'sign'
            ? 'sign_password_locked'
            : 'card_info_pin_locked',
      );
      return;
    }
    if (r.reason === 'no_signature_certificate') return void report('no_signature_certificate');
    // card removed or unreadable: the citizen may try again, or give up
    status(r.message, 'error');
    show(
      t.readTitle,
      h('p', { class: 'error' }, r.message),
      actions(
        button(t.readRetry, retry, undefined, 'read-retry'),
        button(
          t.cancel,
          () => void report(r.reason === 'removed' ? 'card_removed' : 'card_error'),
          'secondary',
        ),
      ),
    );
  }

  /** 「サービスへの認証を許可」: the service, its address, the items (optional ones can be unticked). */
  function consent(): void {
    const label: Record<Item, string> = {
      name: t.itemName,
      address: t.itemAddress,
      birthdate: t.itemBirthdate,
      gender: t.itemGender,
      age_over_18: fill(t.itemAgeOver, { n: 18 }),
      age_over_20: fill(t.itemAgeOver, { n: 20 }),
    };
    const shown = (item: Item) => {
      const v = view.claims?.[item];
      if (v === undefined) return '';
      if (item === 'address') return (v as { formatted?: string }).formatted ?? '';
      if (item === 'gender') return v === 'male' ? t.male : v === 'female' ? t.female : t.notApplicable;
      if (typeof v === 'boolean') return v ? t.yes : t.no;
      return String(v);
    };
    const boxes: HTMLInputElement[] = [];
    const rows = [
      ...view.items.required.map((i) =>
        h('li', { 'data-item': i }, `${label[i]}${shown(i) ? `：${shown(i)}` : ''}`),
      ),
      ...view.items.optional.map((i) => {
        const box = h('input', { type: 'checkbox', id: `item-${i}`, value: i, checked: true });
        boxes.push(box);
        return h(
          'li',
          { 'data-item': i },
          h(
            'label',
            { class: 'choice', for: `item-${i}` },
            box,
            h('span', {}, `${label[i]} ${t.optional}${shown(i) ? `：${shown(i)}` : ''}`),
          ),
        );
      }),
    ];
    if (view.kind === 'sign') rows.push(h('li', {}, t.consentSignature));
    else rows.unshift(h('li', {}, t.consentResult));
    const decide = async (allow: boolean) => {
      const r = await postJson<FlowView>(`${base}/consent`, {
        allow,
        items: boxes.filter((b) => b.checked).map((b) => b.value),
      });
      view = r;
      returnCode = r.returnCode;
      if (!allow) return failed(view);
      if (view.kind === 'sign') signPassword();
      else done();
    };
    show(
      view.kind === 'sign' ? t.consentShareTitle : t.consentTitle,
      h('p', {}, t.consentBody),
      h(
        'dl',
        { class: 'items' },
        h('dt', {}, t.consentService),
        h('dd', { id: 'consent-service' }, serviceName()),
        h('dt', {}, t.consentOrigin),
        h('dd', {}, h('span', { class: 'origin' }, view.service.origin)),
      ),
      h('h2', {}, t.consentItems),
      h('ul', { id: 'consent-items' }, ...rows),
      actions(
        button(t.allow, () => void decide(true), undefined, 'allow'),
        button(t.deny, () => void decide(false), 'secondary', 'deny'),
      ),
    );
  }

  function done(): void {
    const title = view.kind === 'sign' ? t.signDoneTitle : t.loginDoneTitle;
    show(title, h('p', {}, view.route === 'qr' ? t.doneBodyPc : t.doneBody), backLink());
    status(title);
  }
}

async function fetchView(id: string): Promise<FlowView> {
  const res = await fetch(api(`/flows/${id}`), { credentials: 'same-origin' });
  return (await res.json()) as FlowView;
}

// ── entry ─────────────────────────────────────────────────────────────────

if (d.view === 'flow' && d.flowId) void runFlow(d.flowId);
else if (d.view === 'register') register(() => (location.href = d.next ?? '/app'));
else if (d.registered) show(t.homeTitle, h('p', {}, t.homeRegistered));
else
  show(
    t.homeTitle,
    h('p', {}, t.regStartBody),
    actions(h('a', { class: 'button', href: '/app/register' }, t.register)),
  );
