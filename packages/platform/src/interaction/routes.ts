import { type KeyObject, timingSafeEqual } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientRegistry } from '../clients/registry.ts';
import type { EventLog } from '../events/event-log.ts';
import { appCapabilityCookie } from '../flows/capability.ts';
import { type FinishDeps, interactionResultFor } from '../flows/finish.ts';
import { type Flow, type FlowStore, randomToken, sha256, transactionId } from '../flows/flow.ts';
import { type QrCodes, qrSvg } from '../flows/qr.ts';
import { TEST_CARDS } from '../flows/test-cards.ts';
import { sealIdentity } from '../flows/verified.ts';
import { basicInfoClaims } from '../oidc/claims.ts';
import type { ProviderHost } from '../oidc/host.ts';
import { type ItemClaim, isItemClaim } from '../oidc/provider.ts';
import { isOutcomeCode, OUTCOMES } from '../outcomes.ts';
import { parseSignatureRequest, type SignTransactions } from '../signing/transactions.ts';
import type { EventStreams } from '../web/event-stream.ts';
import { tr } from '../web/i18n.ts';
import { escapeHtml, page, requestLang } from '../web/page.ts';
import { oncePerRequest } from '../web/per-request.ts';
import { serviceTexts } from './texts.ts';

export interface InteractionDeps {
  host: ProviderHost;
  flows: FlowStore;
  qr: QrCodes;
  clients: ClientRegistry;
  signTransactions: SignTransactions;
  events: EventLog;
  finish: FinishDeps;
  sealKey: KeyObject;
  /** the platform's public base URL (the app's links) */
  publicUrl: string;
  flowTtlMs: number;
  /** wrong 6-digit numbers allowed before the flow fails */
  bindingAttempts: number;
  scripts: { servicePage: string };
  streams: EventStreams;
}

type UidParams = { Params: { uid: string } };

const isMobile = (req: FastifyRequest) => /Mobile|Android|iPhone|iPad/.test(req.headers['user-agent'] ?? '');

/**
 * The pages the service's browser sees between the authorization request and
 * the redirect back: how to continue (QR for a PC, app switch on a phone, a
 * card reader), the 6-digit binding number, live progress, and the finish.
 */
export function interactionRoutes(app: FastifyInstance, d: InteractionDeps): void {
  type Details = Awaited<ReturnType<typeof d.host.provider.interactionDetails>>;

  /** The interaction of this browser (its cookie), which must be the one in the URL. */
  const interactionOf = oncePerRequest(readInteraction);

  async function readInteraction(req: FastifyRequest<UidParams>, reply: FastifyReply): Promise<Details> {
    let details: Details;
    try {
      details = await d.host.provider.interactionDetails(req.raw, reply.raw);
    } catch (e) {
      throw new HonninError(
        'interaction_not_found',
        'this authorization has expired or belongs to another browser',
        {
          status: 404,
          cause: e,
        },
      );
    }
    if (details.uid !== req.params.uid)
      throw new HonninError('interaction_not_found', 'this authorization belongs to another browser', {
        status: 404,
      });
    return details;
  }

  async function flowOf(req: FastifyRequest<UidParams>, reply: FastifyReply): Promise<Flow> {
    const details = await interactionOf(req, reply);
    const existing = await d.flows.forInteraction(details.uid);
    if (existing) return existing;
    return startFlow(details.uid, details.params as Record<string, unknown>);
  }

  async function startFlow(uid: string, params: Record<string, unknown>): Promise<Flow> {
    const client = await d.clients.require(String(params.client_id));
    const scopes = new Set(String(params.scope ?? '').split(' '));
    const required = new Set<ItemClaim>([...scopes].filter(isItemClaim));
    const optional = new Set<ItemClaim>();
    // items asked for with the claims parameter are optional unless essential
    if (typeof params.claims === 'string') {
      const c = JSON.parse(params.claims) as Record<string, Record<string, { essential?: boolean } | null>>;
      for (const where of [c.userinfo ?? {}, c.id_token ?? {}]) {
        for (const [name, spec] of Object.entries(where)) {
          if (!isItemClaim(name)) continue;
          if (spec?.essential) required.add(name);
          else optional.add(name);
        }
      }
    }
    for (const r of required) optional.delete(r);
    let signTransactionId =
      typeof params.sign_transaction_id === 'string' ? params.sign_transaction_id : undefined;
    if (typeof params.authorization_details === 'string') {
      const [detail] = JSON.parse(params.authorization_details) as unknown[];
      signTransactionId = (await d.signTransactions.create(client.clientId, parseSignatureRequest(detail)))
        .id;
    }
    const now = d.flows.now();
    const flow = await d.flows.create({
      uid,
      kind: signTransactionId ? 'sign' : 'login',
      clientId: client.clientId,
      clientName: client.name,
      clientNameEn: client.nameEn,
      origin: new URL(String(params.redirect_uri)).origin,
      items: { required: [...required], optional: [...optional] },
      revocationCheck: String(params.acr_values ?? '')
        .split(' ')
        .includes('crl'),
      signTransactionId,
      testMode: client.testMode,
      expiresAt: now + d.flowTtlMs,
      qr: d.qr.issue(now),
    });
    await d.events.record(transactionId(flow), flow.clientId, 'started', {
      kind: flow.kind,
      items: [...required, ...optional],
      ...(signTransactionId ? { sign_transaction_id: signTransactionId } : {}),
    });
    return flow;
  }

  /** What the service's page shows about a flow (no secrets, no personal data). */
  function publicView(flow: Flow) {
    return {
      stage: flow.stage,
      route: flow.route,
      outcome: flow.outcome ? { code: flow.outcome.code, ...OUTCOMES[flow.outcome.code] } : undefined,
    };
  }

  app.get<UidParams & { Querystring: { cancel?: string } }>('/interaction/:uid', async (req, reply) => {
    const details = await interactionOf(req, reply);
    const lang = requestLang(req, reply, details.params.ui_locales);
    const flow = await flowOf(req, reply);
    const service = flow.clientNameEn && lang === 'en' ? flow.clientNameEn : flow.clientName;
    const texts = serviceTexts(lang);
    if (flow.testMode) return reply.type('text/html').send(testResponsePage(req, flow, lang, service));
    return reply.type('text/html').send(
      page({
        lang,
        url: req.url,
        wide: !isMobile(req),
        title: flow.kind === 'sign' ? texts.titleSign : texts.titleLogin,
        body: `<p>${escapeHtml(tr(lang, texts.intro, { service }))}</p><noscript>${escapeHtml(tr(lang, texts.noscript))}</noscript>`,
        script: d.scripts.servicePage,
        data: {
          uid: flow.uid,
          kind: flow.kind,
          service,
          mobile: isMobile(req),
          texts,
          ...publicView(flow),
          cancelTooLate: req.query.cancel === 'too_late' && flow.stage === 'done',
        },
      }),
    );
  });

  /** 「二次元コードを更新」: a fresh QR for another 30 seconds. */
  app.post<UidParams>('/interaction/:uid/qr', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (flow.stage !== 'waiting')
      throw new HonninError('flow_moved_on', 'the app has already opened this authorization', {
        status: 409,
      });
    await d.flows.update(flow.id, () => ({ qr: d.qr.issue(d.flows.now()) }));
    return { ok: true };
  });

  /**
   * Live progress for the service's page: flow changes, and the QR every second
   * while it waits (its link too: the page holds the same in the image).
   */
  app.get<UidParams>('/interaction/:uid/events', async (req, reply) => {
    const flow = await flowOf(req, reply);
    const stream = d.streams.open(req, reply);
    let lastStage = '';
    const push = async () => {
      const f = await d.flows.get(flow.id);
      if (!f || stream.closed) return;
      if (f.stage !== lastStage || f.stage === 'failed') stream.send('flow', publicView(f));
      lastStage = f.stage;
      if (f.stage === 'waiting') {
        const link = d.qr.link(d.publicUrl, f, d.flows.now());
        stream.send(
          'qr',
          link
            ? { svg: await qrSvg(link.url), link: link.url, secondsLeft: link.secondsLeft }
            : { expired: true },
        );
      }
    };
    // the clean-up is in place before the first await: a browser gone meanwhile still ends both
    const subscription = d.flows.subscribe(flow.id, () => void push().catch(() => {}));
    const tick = setInterval(() => void push().catch(() => {}), d.qr.policy.stepMs);
    stream.onClose(() => {
      clearInterval(tick);
      subscription.then((unsubscribe) => unsubscribe()).catch(() => {});
    });
    await subscription;
    await push();
  });

  /** The 6-digit number typed on the PC: binds this browser to the phone that opened the QR. */
  app.post<UidParams & { Body: { number?: unknown } }>('/interaction/:uid/binding', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (flow.stage !== 'binding' || !flow.bindingNumber)
      throw new HonninError('flow_not_binding', 'no app is waiting for a number', { status: 409 });
    const given = Buffer.from(String(req.body?.number ?? '').trim());
    const expected = Buffer.from(flow.bindingNumber);
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      await d.flows.update(flow.id, () => ({ stage: 'in_app', bindingNumber: undefined }));
      await d.events.record(transactionId(flow), flow.clientId, 'bound');
      return { ok: true };
    }
    const wrong = await d.flows.state.incr(`flow:${flow.id}:binding-wrong`, d.flowTtlMs);
    await d.events.record(transactionId(flow), flow.clientId, 'binding_number_wrong', { attempt: wrong });
    if (wrong >= d.bindingAttempts) {
      await d.flows.fail(flow.id, 'binding_failed');
      throw new HonninError('binding_failed', OUTCOMES.binding_failed.en, { status: 403 });
    }
    throw new HonninError('binding_number_wrong', 'the number does not match the one the app shows', {
      status: 400,
      details: { attemptsLeft: d.bindingAttempts - wrong },
    });
  });

  /** Phone only: open the app (an app switch), with a one-time launch token. */
  app.get<UidParams>('/interaction/:uid/app', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (flow.stage !== 'waiting')
      throw new HonninError('flow_moved_on', 'this authorization is already in the app', { status: 409 });
    const launch = randomToken();
    await d.flows.update(flow.id, () => ({ route: 'app_switch', launchTokenHash: sha256(launch) }));
    return reply.redirect(`/app/flows/${flow.id}?launch=${launch}`, 303);
  });

  /** A PC with a card reader: the app's steps run in this browser, reading the card through the local bridge. */
  app.get<UidParams>('/interaction/:uid/reader', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (flow.stage !== 'waiting')
      throw new HonninError('flow_moved_on', 'this authorization is already in the app', { status: 409 });
    const token = randomToken();
    await d.flows.update(flow.id, () => ({
      route: 'card_reader',
      stage: 'in_app',
      appTokenHash: sha256(token),
      unlocked: true,
    }));
    await d.events.record(transactionId(flow), flow.clientId, 'card_reader_chosen');
    reply.header('set-cookie', appCapabilityCookie(flow, token, d.flowTtlMs));
    return reply.redirect(`/app/flows/${flow.id}?reader=bridge`, 303);
  });

  async function finish(req: FastifyRequest<UidParams>, reply: FastifyReply, flow: Flow) {
    const details = await interactionOf(req, reply);
    if (!(await d.flows.claimOnce(flow.id, 'finished')))
      throw new HonninError('flow_finished', 'this authorization has already been completed', {
        status: 409,
      });
    const result = await interactionResultFor(d.finish, flow, details.params as Record<string, unknown>);
    const to = await d.host.provider.interactionResult(req.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return reply.redirect(to, 303);
  }

  /** Back from the app on the same phone: the one-time return code must match this browser's flow. */
  app.get<UidParams & { Querystring: { code?: string } }>('/interaction/:uid/return', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (!flow.returnCodeHash || sha256(String(req.query.code ?? '')) !== flow.returnCodeHash)
      throw new HonninError('return_code_invalid', 'this return link is not valid for this browser', {
        status: 403,
      });
    return finish(req, reply, flow);
  });

  /** The service's page moves on once the app is done (or the flow failed). */
  app.post<UidParams>('/interaction/:uid/finish', async (req, reply) => {
    const flow = await flowOf(req, reply);
    if (flow.stage !== 'done' && flow.stage !== 'failed')
      throw new HonninError('flow_not_finished', 'the app has not finished yet', { status: 409 });
    return finish(req, reply, flow);
  });

  /**
   * 中止 on the service's page. Before the citizen allows in the app it ends the
   * flow (user_cancelled, and the app's next step is refused). Once they have
   * allowed, the flow is done and 中止 comes too late: the page shows it done,
   * and the login happens only when the citizen goes back to the service.
   */
  app.post<UidParams>('/interaction/:uid/cancel', async (req, reply) => {
    const flow = await flowOf(req, reply);
    const ended = await d.flows.fail(flow.id, 'user_cancelled');
    if (ended.stage === 'done') {
      await d.events.record(transactionId(flow), flow.clientId, 'cancel_refused');
      return reply.redirect(`/interaction/${flow.uid}?cancel=too_late`, 303);
    }
    return finish(req, reply, ended);
  });

  // ── test mode (sandbox parity) ──────────────────────────────────────────

  function testResponsePage(req: FastifyRequest, flow: Flow, lang: 'ja' | 'en', service: string): string {
    const t = serviceTexts(lang);
    const cards = TEST_CARDS.map(
      (c, i) =>
        `<label class="choice"><input type="radio" name="card" value="${c.id}"${i === 0 ? ' checked' : ''}> ${escapeHtml(tr(lang, c.label))}</label>`,
    ).join('');
    const outcomes = [
      `<label class="choice"><input type="radio" name="outcome" value="normal" checked> ${escapeHtml(tr(lang, t.testNormal))}</label>`,
      ...Object.entries(OUTCOMES).map(
        ([code, o]) =>
          `<label class="choice"><input type="radio" name="outcome" value="${code}"> <span><code>${code}</code> — ${escapeHtml(lang === 'ja' ? o.ja : o.en)}</span></label>`,
      ),
    ].join('');
    return page({
      lang,
      url: req.url,
      wide: true,
      title: t.testTitle,
      body: `<p>${escapeHtml(tr(lang, t.testIntro, { service }))}</p>
<form method="post" action="/interaction/${flow.uid}/test-response">
<fieldset class="panel"><legend>${escapeHtml(tr(lang, t.testCard))}</legend>${cards}</fieldset>
<fieldset class="panel"><legend>${escapeHtml(tr(lang, t.testOutcome))}</legend>${outcomes}</fieldset>
<div class="actions"><button type="submit">${escapeHtml(tr(lang, t.testSubmit))}</button></div>
</form>`,
    });
  }

  app.post<UidParams & { Body: { card?: string; outcome?: string } }>(
    '/interaction/:uid/test-response',
    async (req, reply) => {
      const flow = await flowOf(req, reply);
      if (!flow.testMode)
        throw new HonninError('test_mode_off', 'this service is not in test mode', { status: 403 });
      const outcome = req.body?.outcome ?? 'normal';
      if (outcome !== 'normal') {
        if (!isOutcomeCode(outcome))
          throw new HonninError('test_outcome_invalid', `unknown outcome ${outcome}`);
        return finish(req, reply, await d.flows.fail(flow.id, outcome, 'test response'));
      }
      const card = TEST_CARDS.find((c) => c.id === req.body?.card);
      if (!card) throw new HonninError('test_card_invalid', 'choose one of the test cards');
      if (flow.kind === 'sign' && !card.hasSignatureCertificate) {
        return finish(req, reply, await d.flows.fail(flow.id, 'no_signature_certificate', 'test response'));
      }
      const tx = flow.signTransactionId ? await d.signTransactions.find(flow.signTransactionId) : undefined;
      const verified = sealIdentity(d.sealKey, {
        citizenId: card.id,
        claims: basicInfoClaims(card.basicInfo),
        testCard: card.id,
        signing: tx
          ? {
              // the sandbox answers with a marked test result, not a card's signature
              signature: '',
              verification: { test_response: true, test_card: card.id, valid: false },
            }
          : undefined,
      });
      const done = await d.flows.update(flow.id, (f) => ({
        stage: 'done',
        verified,
        consentedItems: [...f.items.required, ...f.items.optional],
      }));
      await d.events.record(transactionId(flow), flow.clientId, 'test_response', { card: card.id });
      return finish(req, reply, done);
    },
  );
}
