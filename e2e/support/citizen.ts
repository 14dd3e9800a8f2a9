import type { CardTransport } from '@honnin/card/client';
import { type CardReadRequest, type CardReadResult, readCard } from '@honnin/platform/citizen/browser/card';
import { HttpAgent } from './http-agent.ts';
import { SoftAuthenticator } from './soft-authenticator.ts';

export const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36';

/** What the app API says about a flow (the fields tests look at). */
export interface AppFlowView {
  id: string;
  stage: string;
  kind: 'login' | 'sign';
  route?: string;
  bindingNumber?: string;
  unlocked: boolean;
  verified: boolean;
  returnPath: string;
  returnCode?: string;
  claims?: Record<string, unknown>;
  items: { required: string[]; optional: string[] };
  document?: { name: string };
  outcome?: { code: string };
}

export interface CardSession {
  /** a fresh transport to the citizen's card for each read (a tap) */
  transport(): Promise<CardTransport>;
  authPin: string;
  signPassword?: string;
  cardInfoPin?: string;
}

/**
 * A citizen's phone without a browser: the app's JSON API driven exactly as the
 * app's page drives it — registration with a passkey (a soft authenticator),
 * the QR link, device unlock, the card read by the same JPKI code over any
 * transport, consent. For HTTP-level tests, the two-instance test and the bench.
 */
export class CitizenPhone {
  readonly agent: HttpAgent;
  readonly authenticator: SoftAuthenticator;
  readonly platformUrl: string;

  constructor(platformUrl: string) {
    this.platformUrl = platformUrl;
    this.agent = new HttpAgent(PHONE_UA);
    this.authenticator = new SoftAuthenticator(new URL(platformUrl).origin);
  }

  async #json<T>(path: string, body?: unknown): Promise<T> {
    const res = await this.agent.request(new URL(path, this.platformUrl), {
      ...(body === undefined ? {} : { json: body }),
      accept: 'application/json',
    });
    const data = (await res.json()) as T & { error?: string; message?: string };
    if (!res.ok)
      throw Object.assign(new Error(`${path}: ${data.error} ${data.message}`), {
        code: data.error,
        status: res.status,
      });
    return data;
  }

  #read(card: CardSession, req: CardReadRequest): Promise<CardReadResult> {
    return readCard(() => card.transport(), req);
  }

  /** 利用登録: terms, privacy policy, the passkey, and the card read with the auth PIN. */
  async register(card: CardSession): Promise<void> {
    const { draft, options } = await this.#json<{ draft: string; options: never }>(
      '/app/api/registration/options',
      {
        terms: true,
        privacy: true,
      },
    );
    await this.#json('/app/api/registration', { draft, response: this.authenticator.register(options) });
    const { challenge } = await this.#json<{ challenge: string }>('/app/api/registration/challenge', {});
    const r = await this.#read(card, {
      kind: 'login',
      pin: card.authPin,
      challenge: Buffer.from(challenge, 'base64'),
    });
    if (!r.ok) throw new Error(`registration card read failed: ${r.reason}`);
    await this.#json('/app/api/registration/card', {
      challenge,
      signature: Buffer.from(r.signature).toString('base64'),
      certificate: Buffer.from(r.certificate).toString('base64'),
    });
  }

  /** Opens the QR link (the phone's camera); returns the flow id. */
  async openQr(link: string): Promise<string> {
    const res = await this.agent.request(link);
    const location = res.headers.get('location') ?? '';
    const m = /^\/app\/flows\/([A-Za-z0-9_-]+)$/.exec(location);
    if (!m)
      throw Object.assign(new Error(`the QR link was refused (${res.status})`), {
        status: res.status,
        body: await res.text(),
      });
    return m[1]!;
  }

  /** The app switch on the same phone: follow the service page's "open the app" link. */
  async openAppSwitch(interactionUrl: string): Promise<string> {
    const { url } = await this.agent.follow(new URL('app', `${interactionUrl}/`));
    return url.pathname.split('/')[3]!;
  }

  view(flowId: string): Promise<AppFlowView> {
    return this.#json(`/app/api/flows/${flowId}`);
  }

  /** Device unlock with the passkey. */
  async unlock(flowId: string): Promise<AppFlowView> {
    const options = await this.#json<never>(`/app/api/flows/${flowId}/unlock/options`, {});
    return this.#json(`/app/api/flows/${flowId}/unlock`, {
      response: this.authenticator.authenticate(options),
    });
  }

  /** A login's card step: challenge, PIN(s), card read; the platform's answer (the consent view), or the card's failure. */
  async readForLogin(
    flowId: string,
    card: CardSession,
    pins: { authPin?: string; cardInfoPin?: string } = {},
  ) {
    const { challenge } = await this.#json<{ challenge: string }>(`/app/api/flows/${flowId}/challenge`, {});
    const r = await this.#read(card, {
      kind: 'login',
      pin: pins.authPin ?? card.authPin,
      cardInfoPin: pins.cardInfoPin,
      challenge: Buffer.from(challenge, 'base64'),
    });
    if (!r.ok) return { card: r } as const;
    const body = {
      challenge,
      signature: Buffer.from(r.signature).toString('base64'),
      certificate: Buffer.from(r.certificate).toString('base64'),
      ...(r.cardInfo ? { cardInfo: r.cardInfo } : {}),
    };
    return { card: r, body, view: await this.postCard(flowId, body) } as const;
  }

  /** A signing's card step: the signature password and the card's signature of the DigestInfo. */
  async readForSignature(flowId: string, card: CardSession, password?: string) {
    const { digestInfo } = await this.#json<{ digestInfo: string }>(`/app/api/flows/${flowId}/challenge`, {});
    const r = await this.#read(card, {
      kind: 'sign',
      pin: password ?? card.signPassword ?? '',
      digestInfo: Buffer.from(digestInfo, 'base64'),
    });
    if (!r.ok) return { card: r } as const;
    const body = {
      signature: Buffer.from(r.signature).toString('base64'),
      certificate: Buffer.from(r.certificate).toString('base64'),
    };
    return { card: r, body, view: await this.postCard(flowId, body) } as const;
  }

  postCard(flowId: string, body: unknown): Promise<AppFlowView> {
    return this.#json(`/app/api/flows/${flowId}/card`, body);
  }

  consent(flowId: string, allow = true, items: string[] = []): Promise<AppFlowView> {
    return this.#json(`/app/api/flows/${flowId}/consent`, { allow, items });
  }

  report(flowId: string, code: string): Promise<AppFlowView> {
    return this.#json(`/app/api/flows/${flowId}/fail`, { code });
  }

  /** Back to the service on the same phone (the one-time return code). */
  async returnToService(view: AppFlowView): Promise<URL> {
    const { url } = await this.agent.follow(
      new URL(`${view.returnPath}?code=${view.returnCode}`, this.platformUrl),
    );
    return url;
  }
}
