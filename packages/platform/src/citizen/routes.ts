import type { KeyObject } from 'node:crypto';
import { buildCms, createLoginChallenge, decodeDigestInfo } from '@honnin/jpki';
import { HonninError, type Storage } from '@honnin/runtime';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventLog } from '../events/event-log.ts';
import { appCapabilityCookie, holdsCapability } from '../flows/capability.ts';
import { type Flow, type FlowStore, randomToken, sha256, transactionId } from '../flows/flow.ts';
import { bindingNumber, type QrCodes } from '../flows/qr.ts';
import { sealIdentity } from '../flows/verified.ts';
import { basicInfoClaims } from '../oidc/claims.ts';
import { ageOf, BASIC_CLAIMS, type ItemClaim, isAgeClaim, isItemClaim } from '../oidc/provider.ts';
import { FlowError, isOutcomeCode, OUTCOMES, type OutcomeCode } from '../outcomes.ts';
import type { SignTransactions } from '../signing/transactions.ts';
import type { PlatformDB } from '../store/schema.ts';
import { sharedSecret } from '../store/secrets.ts';
import type { CardVerifier } from '../verification/card-verifier.ts';
import type { EventStreams } from '../web/event-stream.ts';
import { page, requestLang } from '../web/page.ts';
import { Installations } from './installations.ts';
import { appTexts } from './texts.ts';

export interface CitizenAppDeps {
  storage: Storage<PlatformDB>;
  flows: FlowStore;
  qr: QrCodes;
  events: EventLog;
  signTransactions: SignTransactions;
  verifier: CardVerifier;
  sealKey: KeyObject;
  publicUrl: string;
  flowTtlMs: number;
  /** the bundled app script */
  script: string;
  streams: EventStreams;
  /** the card host, where the app taps a (virtual) card */
  cardHostUrl: string;
  /** the local bridge to a PC/SC reader (a PC with a card reader) */
  readerBridgeUrl?: string | undefined;
  now: () => number;
}

/** Outcomes the app itself reports (the card tells the app, not the platform). */
const APP_REPORTED: ReadonlySet<OutcomeCode> = new Set([
  'user_cancelled',
  'consent_refused',
  'auth_pin_locked',
  'sign_password_locked',
  'card_info_pin_locked',
  'card_removed',
  'card_error',
  'no_signature_certificate',
  'device_unlock_failed',
]);

/** The relying party id and origin a registration's card read is bound to. */
const REGISTRATION_RP = 'honnin-app-registration';

type FlowParams = { Params: { id: string } };
const b64 = (s: unknown, what: string): Uint8Array => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/=_-]*$/.test(s))
    throw new HonninError('card_result_invalid', `${what} must be base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
};

/**
 * The citizen's app (デジタル認証アプリ) as mobile web: registration, the QR
 * landing, and a flow's steps — device unlock, the 6-digit number, PIN, card,
 * consent — as pages driven by one bundled script over a JSON API.
 */
export class CitizenApp {
  readonly #d: CitizenAppDeps;
  #installations: Installations | undefined;

  constructor(d: CitizenAppDeps) {
    this.#d = d;
  }

  async routes(app: FastifyInstance): Promise<void> {
    const d = this.#d;
    const installations = new Installations(d.storage, d.flows.state, {
      cookieKey: await sharedSecret(d.storage, 'app-cookie', d.now),
      publicUrl: d.publicUrl,
      now: d.now,
    });
    this.#installations = installations;

    const shell = (
      req: FastifyRequest,
      reply: FastifyReply,
      view: 'home' | 'register' | 'flow',
      data: object = {},
    ) => {
      const lang = requestLang(req, reply);
      const texts = appTexts(lang);
      return reply.type('text/html').send(
        page({
          lang,
          url: req.url,
          title: texts.appTitle,
          body: '',
          script: d.script,
          data: { view, texts, cardHost: d.cardHostUrl, readerBridge: d.readerBridgeUrl, ...data },
        }),
      );
    };

    app.get('/app', async (req, reply) =>
      shell(req, reply, 'home', { registered: !!(await installations.of(req)) }),
    );
    app.get<{ Querystring: { next?: string } }>('/app/register', async (req, reply) =>
      shell(req, reply, 'register', { next: safeNext(req.query.next) }),
    );

    /** The link in the QR code: checked, claimed once, then the flow continues in this app. */
    app.get<{ Querystring: { f?: string; q?: string; t?: string; c?: string } }>(
      '/app/pair',
      async (req, reply) => {
        const flow = await d.flows.require(String(req.query.f ?? ''));
        if (flow.stage !== 'waiting')
          throw new HonninError('qr_used', 'this QR code has already been used', { status: 409 });
        d.qr.check(flow, req.query, d.now());
        if (!(await d.flows.claimOnce(flow.id, 'claimed')))
          throw new HonninError('qr_used', 'this QR code has already been used', { status: 409 });
        const token = randomToken();
        await d.flows.update(flow.id, () => ({
          stage: 'binding',
          route: 'qr',
          bindingNumber: bindingNumber(),
          appTokenHash: sha256(token),
        }));
        await d.events.record(transactionId(flow), flow.clientId, 'qr_opened');
        reply.header('set-cookie', appCapabilityCookie(flow, token, d.flowTtlMs));
        return reply.redirect(`/app/flows/${flow.id}`, 303);
      },
    );

    app.get<FlowParams & { Querystring: { launch?: string; reader?: string } }>(
      '/app/flows/:id',
      async (req, reply) => {
        const flow = await d.flows.require(req.params.id);
        if (req.query.launch) {
          // the app switch: a one-time launch token from the service's page on this phone
          if (
            !flow.launchTokenHash ||
            sha256(req.query.launch) !== flow.launchTokenHash ||
            !(await d.flows.claimOnce(flow.id, 'claimed'))
          )
            throw new HonninError('flow_not_found', 'this link has already been used', { status: 404 });
          const token = randomToken();
          await d.flows.update(flow.id, () => ({
            stage: 'in_app',
            appTokenHash: sha256(token),
            launchTokenHash: undefined,
          }));
          await d.events.record(transactionId(flow), flow.clientId, 'app_opened');
          reply.header('set-cookie', appCapabilityCookie(flow, token, d.flowTtlMs));
          return reply.redirect(`/app/flows/${flow.id}`, 303);
        }
        if (!holdsCapability(req, flow))
          throw new HonninError('flow_not_found', 'this procedure belongs to another device', {
            status: 404,
          });
        return shell(req, reply, 'flow', { flowId: flow.id, reader: req.query.reader === 'bridge' });
      },
    );

    // ── registration API ──

    app.post<{ Body: { terms?: boolean; privacy?: boolean } }>(
      '/app/api/registration/options',
      async (req, reply) => {
        if (req.body?.terms !== true || req.body?.privacy !== true)
          throw new HonninError('terms_not_agreed', 'agree to the terms of use and the privacy policy first');
        return installations.registrationOptions(requestLang(req, reply));
      },
    );

    app.post<{ Body: { draft?: string; response?: RegistrationResponseJSON } }>(
      '/app/api/registration',
      async (req, reply) => {
        if (typeof req.body?.draft !== 'string' || !req.body.response)
          throw new HonninError('registration_invalid', 'draft and response are required');
        const id = await installations.register(req.body.draft, req.body.response);
        reply.header('set-cookie', installations.cookie(id));
        return { installationId: id };
      },
    );

    app.post('/app/api/registration/challenge', async (req) => {
      const id = await this.#requireInstallation(req);
      const challenge = createLoginChallenge({
        relyingParty: REGISTRATION_RP,
        origin: new URL(d.publicUrl).origin,
        now: new Date(d.now()),
      });
      await d.flows.state.set(`registration-nonce:${id}`, challenge.nonce, 300_000);
      return { challenge: Buffer.from(challenge.bytes).toString('base64') };
    });

    app.post<{ Body: Record<string, unknown> }>('/app/api/registration/card', async (req) => {
      const id = await this.#requireInstallation(req);
      const nonce = await d.flows.state.take(`registration-nonce:${id}`);
      if (!nonce) throw new FlowError('challenge_replayed', 'read the card again');
      const r = await d.verifier.login(
        {
          challenge: b64(req.body?.challenge, 'challenge'),
          signature: b64(req.body?.signature, 'signature'),
          certificate: b64(req.body?.certificate, 'certificate'),
          expected: { relyingParty: REGISTRATION_RP, origin: new URL(d.publicUrl).origin, nonce },
        },
        { clientId: 'platform', transactionId: id },
      );
      await installations.linkCitizen(id, r.citizenId);
      return { ok: true };
    });

    // ── a flow, from the app ──

    const flowFor = async (req: FastifyRequest<FlowParams>): Promise<Flow> => {
      const flow = await d.flows.require(req.params.id);
      if (!holdsCapability(req, flow))
        throw new HonninError('flow_not_found', 'this procedure belongs to another device', { status: 404 });
      return flow;
    };
    const active = (flow: Flow, stage: Flow['stage'] = 'in_app') => {
      if (flow.stage === 'failed')
        throw new FlowError(flow.outcome?.code ?? 'flow_expired', undefined, { status: 409 });
      if (flow.stage !== stage)
        throw new HonninError('flow_wrong_step', `this procedure is not at this step (${flow.stage})`, {
          status: 409,
        });
    };

    app.get<FlowParams>('/app/api/flows/:id', async (req) => this.#view(await flowFor(req), req));

    app.get<FlowParams>('/app/api/flows/:id/events', async (req, reply) => {
      const flow = await flowFor(req);
      const stream = d.streams.open(req, reply);
      const push = async () => {
        const f = await d.flows.get(flow.id);
        if (f) stream.send('flow', { stage: f.stage, outcome: f.outcome?.code });
      };
      const unsubscribe = await d.flows.subscribe(flow.id, () => void push().catch(() => {}));
      stream.onClose(() => void unsubscribe());
      await push();
    });

    app.post<FlowParams>('/app/api/flows/:id/unlock/options', async (req) => {
      const flow = await flowFor(req);
      const id = await this.#requireInstallation(req);
      return installations.unlockOptions(id, flow.id);
    });

    app.post<FlowParams & { Body: { response?: AuthenticationResponseJSON } }>(
      '/app/api/flows/:id/unlock',
      async (req) => {
        const flow = await flowFor(req);
        const id = await this.#requireInstallation(req);
        if (!req.body?.response) throw new HonninError('unlock_invalid', 'response is required');
        await installations.unlock(id, flow.id, req.body.response);
        const unlocked = await d.flows.update(flow.id, () => ({ unlocked: true, installationId: id }));
        await d.events.record(transactionId(flow), flow.clientId, 'device_unlocked');
        return this.#view(unlocked, req);
      },
    );

    /** What the card signs: a login challenge bound to this flow, or the document's DigestInfo. */
    app.post<FlowParams>('/app/api/flows/:id/challenge', async (req) => {
      const flow = await flowFor(req);
      active(flow);
      if (!flow.unlocked) throw new HonninError('device_locked', 'unlock the app first', { status: 403 });
      if (flow.kind === 'sign') {
        const tx = await d.signTransactions.find(flow.signTransactionId!);
        if (tx?.status !== 'pending') throw new FlowError('sign_transaction_invalid');
        return { digestInfo: Buffer.from(tx.digestInfo).toString('base64') };
      }
      const challenge = createLoginChallenge({
        relyingParty: flow.clientId,
        origin: flow.origin,
        now: new Date(d.now()),
      });
      await d.flows.update(flow.id, () => ({ challenge: { nonce: challenge.nonce, issuedAt: d.now() } }));
      return { challenge: Buffer.from(challenge.bytes).toString('base64'), text: challenge.text };
    });

    /** The card's answer: verified with J-LIS; a login then asks for consent, a signature is done. */
    app.post<FlowParams & { Body: Record<string, unknown> }>('/app/api/flows/:id/card', async (req) => {
      const flow = await flowFor(req);
      active(flow);
      if (!flow.unlocked) throw new HonninError('device_locked', 'unlock the app first', { status: 403 });
      const who = { clientId: flow.clientId, transactionId: transactionId(flow) };
      try {
        if (flow.kind === 'login') {
          if (!flow.challenge) throw new FlowError('challenge_replayed', 'ask for a challenge first');
          // each challenge is signed once: a second answer with the same nonce is a replay
          if (!(await d.flows.state.setIfAbsent(`nonce-used:${flow.challenge.nonce}`, '1', d.flowTtlMs)))
            throw new FlowError('challenge_replayed');
          const r = await d.verifier.login(
            {
              challenge: b64(req.body?.challenge, 'challenge'),
              signature: b64(req.body?.signature, 'signature'),
              certificate: b64(req.body?.certificate, 'certificate'),
              expected: { relyingParty: flow.clientId, origin: flow.origin, nonce: flow.challenge.nonce },
            },
            who,
          );
          const wanted = [...flow.items.required, ...flow.items.optional];
          // the 4 items from the card-info AP; "at least N" from J-LIS, without the birth date
          const info = wanted.some((i) => (BASIC_CLAIMS as readonly string[]).includes(i))
            ? await d.verifier.cardInfo(req.body?.cardInfo)
            : undefined;
          const claims: Partial<Record<ItemClaim, unknown>> = info ? basicInfoClaims(info) : {};
          for (const claim of wanted.filter(isAgeClaim))
            claims[claim] = await d.verifier.ageAtLeast(r.serial, ageOf(claim), who);
          const verified = sealIdentity(d.sealKey, { citizenId: r.citizenId, authSerial: r.serial, claims });
          const read = await d.flows.update(flow.id, () => ({
            verified,
            challenge: undefined,
            outcome: undefined,
          }));
          // what the card signed: this service, the origin the citizen saw, the flow's nonce, the time
          await d.events.record(who.transactionId, flow.clientId, 'card_verified', {
            certificate: 'auth',
            revocation: r.revocation.status,
            signed: new TextDecoder().decode(b64(req.body?.challenge, 'challenge')),
          });
          return { ...(await this.#view(read, req)), claims };
        }
        // the citizen allows sharing before signing (seed 002's order)
        if (!flow.consentedItems)
          throw new HonninError('flow_wrong_step', 'allow the service first', { status: 409 });
        const tx = await d.signTransactions.find(flow.signTransactionId!);
        if (tx?.status !== 'pending') throw new FlowError('sign_transaction_invalid');
        const signature = b64(req.body?.signature, 'signature');
        const certificate = b64(req.body?.certificate, 'certificate');
        const r = await d.verifier.signature({ digestInfo: tx.digestInfo, signature, certificate }, who);
        const claims = basicInfoClaims(r.signer);
        const verification = {
          valid: true,
          signature_valid: true,
          chain_valid: true,
          checked_at: new Date(d.now()).toISOString(),
          revocation:
            r.revocation.status === 'good' ? { status: 'good', source: r.revocation.source } : r.revocation,
          certificate: {
            serial: r.serial,
            issuer: r.issuer,
            not_before: r.notBefore.toISOString(),
            not_after: r.notAfter.toISOString(),
          },
          basic_info: { ...claims, substitute_characters: r.signer.hasSubstitutes },
        };
        const verified = sealIdentity(d.sealKey, {
          citizenId: r.citizenId,
          claims,
          signing: {
            signature: Buffer.from(signature).toString('base64'),
            certificate: Buffer.from(certificate).toString('base64'),
            verification,
            ...(tx.container === 'cms' ? { cms: cmsOf(tx.digestInfo, signature, certificate) } : {}),
          },
        });
        const signed = await d.flows.update(flow.id, () => ({ verified, stage: 'done', outcome: undefined }));
        await d.events.record(who.transactionId, flow.clientId, 'card_verified', {
          certificate: 'signature',
          revocation: r.revocation.status,
        });
        return this.#view(signed, req);
      } catch (e) {
        if (e instanceof FlowError && e.outcome === 'revocation_unavailable') {
          // J-LIS could not be asked: the flow stays open for a retry with the same card, and
          // should it end without one (中止, timeout), the service learns why
          await d.flows.update(flow.id, () => ({ outcome: { code: 'revocation_unavailable' } }));
          await d.events.record(who.transactionId, flow.clientId, 'jlis_unavailable');
        } else if (e instanceof FlowError) {
          await d.flows.fail(
            flow.id,
            e.outcome,
            (e.details?.revocation_reason as string | undefined) ?? undefined,
          );
        }
        throw e;
      }
    });

    app.post<FlowParams & { Body: { allow?: boolean; items?: unknown } }>(
      '/app/api/flows/:id/consent',
      async (req) => {
        const flow = await flowFor(req);
        active(flow);
        if (flow.kind === 'login' && !flow.verified)
          throw new HonninError('flow_wrong_step', 'read the card first', { status: 409 });
        if (req.body?.allow !== true) {
          const refused = await d.flows.fail(flow.id, 'consent_refused');
          await d.events.record(transactionId(flow), flow.clientId, 'consent_refused');
          return this.#view(refused, req);
        }
        const chosen = new Set(Array.isArray(req.body.items) ? req.body.items : []);
        const items: ItemClaim[] = [
          ...flow.items.required,
          ...flow.items.optional.filter((i) => chosen.has(i)),
        ].filter(isItemClaim);
        // the app returns to the service's page in the same browser: a one-time code on the link back
        const returnCode = flow.route === 'qr' ? undefined : randomToken();
        const consented = await d.flows.update(flow.id, () => ({
          consentedItems: items,
          // a login is done with the consent; a signing is done when the card has signed
          ...(flow.kind === 'login' ? { stage: 'done' as const } : {}),
          ...(returnCode ? { returnCodeHash: sha256(returnCode) } : {}),
        }));
        await d.events.record(transactionId(flow), flow.clientId, 'consented', { items });
        return {
          ...(await this.#view(consented, req)),
          ...(returnCode ? { returnCode } : {}),
        };
      },
    );

    app.post<FlowParams & { Body: { code?: string } }>('/app/api/flows/:id/fail', async (req) => {
      const flow = await flowFor(req);
      const code = req.body?.code;
      if (!isOutcomeCode(code) || !APP_REPORTED.has(code))
        throw new HonninError('outcome_invalid', `the app may report only ${[...APP_REPORTED].join(', ')}`);
      // (a cancel while J-LIS is unreachable ends as revocation_unavailable: FlowStore.fail)
      const failed = await d.flows.fail(flow.id, code);
      await d.events.record(transactionId(flow), flow.clientId, 'app_reported', { error_code: code });
      return this.#view(failed, req);
    });
  }

  async #requireInstallation(req: FastifyRequest): Promise<string> {
    const id = await this.#installations!.of(req);
    if (!id)
      throw new HonninError('app_not_registered', 'register the app on this device first', { status: 403 });
    return id;
  }

  /** What the app shows about a flow. */
  async #view(flow: Flow, req: FastifyRequest) {
    const tx =
      flow.kind === 'sign' && flow.signTransactionId
        ? await this.#d.signTransactions.find(flow.signTransactionId)
        : undefined;
    const installation = await this.#installations!.of(req);
    return {
      id: flow.id,
      stage: flow.stage,
      kind: flow.kind,
      route: flow.route,
      service: { name: flow.clientName, nameEn: flow.clientNameEn, origin: flow.origin },
      items: flow.items,
      document: tx?.document,
      bindingNumber: flow.stage === 'binding' && flow.unlocked ? flow.bindingNumber : undefined,
      registered: !!installation || flow.route === 'card_reader',
      unlocked: !!flow.unlocked,
      verified: !!flow.verified,
      consented: !!flow.consentedItems,
      returnPath: `/interaction/${flow.uid}/return`,
      outcome: flow.outcome
        ? { code: flow.outcome.code, ja: OUTCOMES[flow.outcome.code].ja, en: OUTCOMES[flow.outcome.code].en }
        : undefined,
    };
  }
}

/** Detached CMS SignedData (no signed attributes) around the card's signature of the DigestInfo. */
function cmsOf(digestInfo: Uint8Array, signature: Uint8Array, certificate: Uint8Array): string {
  const { hash, digest } = decodeDigestInfo(digestInfo);
  return Buffer.from(buildCms({ signature, certificate, hash, digest })).toString('base64');
}

/** A local path to go back to after registration (never another site). */
function safeNext(next: unknown): string | undefined {
  return typeof next === 'string' && /^\/app\/(?![/\\])/.test(next) ? next : undefined;
}
