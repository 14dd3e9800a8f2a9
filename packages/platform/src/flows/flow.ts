import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { HonninError, type SharedState } from '@honnin/runtime';
import type { ItemClaim } from '../oidc/provider.ts';
import { FlowError, type OutcomeCode } from '../outcomes.ts';

export type FlowKind = 'login' | 'sign';

/**
 * How far a flow got:
 * - waiting: the service's page shows the QR code (PC) or the app-switch button (phone)
 * - binding: a phone opened the QR link; the PC must type the app's 6-digit number
 * - in_app: the citizen works in the app (unlock, PIN, card, consent)
 * - done: the citizen allowed; the service's page may finish the authorization
 * - failed: ended with an outcome code
 */
export type FlowStage = 'waiting' | 'binding' | 'in_app' | 'done' | 'failed';

/**
 * How the flow reached the card: a phone that scanned the PC's QR code, the app
 * on the same phone (app switch), or the PC itself with a card reader.
 */
export type FlowRoute = 'qr' | 'app_switch' | 'card_reader';

export interface Flow {
  id: string;
  /** oidc-provider's interaction this flow completes */
  uid: string;
  kind: FlowKind;
  clientId: string;
  clientName: string;
  clientNameEn?: string | undefined;
  /** the web origin of the service (its redirect URI), shown to the citizen and signed by the card */
  origin: string;
  /** 4-item claims the service requires, and those the citizen may untick */
  items: { required: ItemClaim[]; optional: ItemClaim[] };
  /** acr_values=crl: the service asked for a revocation check */
  revocationCheck: boolean;
  signTransactionId?: string | undefined;
  testMode: boolean;
  createdAt: number;
  expiresAt: number;
  stage: FlowStage;
  route?: FlowRoute | undefined;
  /** the QR currently shown (a refresh replaces it) */
  qr?: { id: string; issuedAt: number } | undefined;
  /** the number the app shows and the PC types (QR flows only) */
  bindingNumber?: string | undefined;
  /** SHA-256 of the one-time token of an app switch (phone-only flows) */
  launchTokenHash?: string | undefined;
  /** SHA-256 of the app's capability for this flow (cookie of the phone that claimed it) */
  appTokenHash?: string | undefined;
  installationId?: string | undefined;
  unlocked?: boolean | undefined;
  /** the login challenge's nonce the card must sign (single use) */
  challenge?: { nonce: string; issuedAt: number } | undefined;
  /** what the card proved, sealed: citizen, certificate serials, the 4 items read */
  verified?: { citizenId: string; sealed: string } | undefined;
  /** the items the citizen allowed (after unticking optional ones) */
  consentedItems?: ItemClaim[] | undefined;
  /** SHA-256 of the one-time code on the app's "back to the service" link (phone-only flows) */
  returnCodeHash?: string | undefined;
  outcome?: { code: OutcomeCode; detail?: string | undefined } | undefined;
}

/** Compare-and-set rounds before an update gives up (each round one writer wins). */
const UPDATE_ATTEMPTS = 20;

/** The id the relying party knows a flow by: its signing transaction's, else the flow's (`txn`). */
export const transactionId = (flow: Flow) => flow.signTransactionId ?? flow.id;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
export const randomToken = (bytes = 24) => randomBytes(bytes).toString('base64url');

/**
 * Flows live in the shared state (Redis when several platform instances run),
 * so the PC page and the phone may talk to different instances. Every change is
 * published on the flow's channel; pages follow it over server-sent events.
 */
export class FlowStore {
  readonly #state: SharedState;
  readonly #now: () => number;

  constructor(state: SharedState, now: () => number = Date.now) {
    this.#state = state;
    this.#now = now;
  }

  get state(): SharedState {
    return this.#state;
  }

  now(): number {
    return this.#now();
  }

  async create(f: Omit<Flow, 'id' | 'createdAt' | 'stage'>): Promise<Flow> {
    const flow: Flow = { ...f, id: randomToken(16), createdAt: this.#now(), stage: 'waiting' };
    await this.#write(flow);
    await this.#state.set(`flow-of:${flow.uid}`, flow.id, this.#ttl(flow));
    return flow;
  }

  async get(id: string): Promise<Flow | undefined> {
    const raw = await this.#state.get(`flow:${id}`);
    return raw ? this.#parse(raw) : undefined;
  }

  #parse(raw: string): Flow {
    const flow = JSON.parse(raw) as Flow;
    if (flow.stage !== 'done' && flow.stage !== 'failed' && flow.expiresAt <= this.#now())
      // a live flow's outcome is why it could not finish yet (J-LIS unreachable): it ends with that
      return { ...flow, stage: 'failed', outcome: flow.outcome ?? { code: 'flow_expired' } };
    return flow;
  }

  async require(id: string): Promise<Flow> {
    const f = await this.get(id);
    if (!f)
      throw new HonninError('flow_not_found', 'this authorization is unknown or has ended', { status: 404 });
    return f;
  }

  async forInteraction(uid: string): Promise<Flow | undefined> {
    const id = await this.#state.get(`flow-of:${uid}`);
    return id ? this.get(id) : undefined;
  }

  /**
   * Applies a change and tells every page following the flow. Compare-and-set:
   * the change is computed from the stored flow and written only if nobody wrote
   * in between (another request, another instance), else computed again, so no
   * write is lost. An ended flow takes no more changes: a failed one (cancelled,
   * expired …) answers with its outcome, a done one never goes back.
   */
  async update(id: string, change: (f: Flow) => Partial<Flow>): Promise<Flow> {
    for (let attempt = 1; ; attempt++) {
      const raw = await this.#state.get(`flow:${id}`);
      if (!raw)
        throw new HonninError('flow_not_found', 'this authorization is unknown or has ended', {
          status: 404,
        });
      const current = this.#parse(raw);
      const delta = change(current);
      if (Object.keys(delta).length === 0) return current;
      if (current.stage === 'failed')
        throw new FlowError(current.outcome?.code ?? 'flow_expired', undefined, { status: 409 });
      if (current.stage === 'done' && delta.stage !== undefined && delta.stage !== 'done')
        throw new HonninError('flow_finished', 'the citizen has already allowed this authorization', {
          status: 409,
        });
      const next = { ...current, ...delta };
      if (await this.#state.compareAndSet(`flow:${id}`, raw, JSON.stringify(next), this.#ttl(next))) {
        await this.#state.publish(`flow:${id}`, next.stage);
        return next;
      }
      if (attempt >= UPDATE_ATTEMPTS)
        throw new HonninError('flow_busy', 'this authorization is being changed; try again', { status: 503 });
      // others are writing the same flow: step aside a moment, by a random amount
      await sleep(Math.random() * 5 * attempt);
    }
  }

  /** Ends the flow with an outcome, unless it has already ended. */
  async fail(id: string, code: OutcomeCode, detail?: string): Promise<Flow> {
    return this.update(id, (f) =>
      f.stage === 'done' || (f.stage === 'failed' && f.outcome)
        ? {}
        : {
            stage: 'failed',
            // giving up (in the app or on the service's page) while J-LIS could not be
            // asked: the service hears that it may try again later, not that the citizen refused
            outcome:
              code === 'user_cancelled' && f.outcome?.code === 'revocation_unavailable'
                ? { code: 'revocation_unavailable', detail: 'cancelled while J-LIS was unreachable' }
                : { code, detail },
          },
    );
  }

  /** True the first time `key` is claimed for this flow (single-use steps across instances). */
  async claimOnce(id: string, key: string): Promise<boolean> {
    const f = await this.require(id);
    return this.#state.setIfAbsent(`flow:${id}:${key}`, '1', this.#ttl(f));
  }

  async subscribe(id: string, onChange: () => void): Promise<() => Promise<void>> {
    return this.#state.subscribe(`flow:${id}`, onChange);
  }

  async #write(flow: Flow): Promise<void> {
    await this.#state.set(`flow:${flow.id}`, JSON.stringify(flow), this.#ttl(flow));
  }

  // kept a while after expiry so late pages still learn how the flow ended
  #ttl(flow: Flow): number {
    return Math.max(1000, flow.expiresAt - this.#now()) + 10 * 60_000;
  }
}
