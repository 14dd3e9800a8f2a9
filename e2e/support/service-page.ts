import assert from 'node:assert/strict';
import type { CardSession, CitizenPhone } from './citizen.ts';
import { HttpAgent } from './http-agent.ts';
import type { AuthorizationOptions, DemoRelyingParty, FlowResult } from './relying-party.ts';
import { EventReader } from './sse.ts';

/** A flow started on a PC: the service's page at the platform, its live events and the QR link it shows. */
export interface PcFlow {
  pc: HttpAgent;
  /** the interaction page's URL */
  base: string;
  events: EventReader;
  link: string;
  /** what the relying party's callback gets */
  result: Promise<FlowResult>;
}

/** The relying party sends the PC's browser to the platform; the page shows a QR code. */
export async function startOnPc(rp: DemoRelyingParty, opts: AuthorizationOptions = {}): Promise<PcFlow> {
  const pc = new HttpAgent();
  const { url, result } = await rp.authorize(opts);
  const page = await pc.follow(url);
  const base = page.url.href;
  const events = new EventReader(await pc.request(`${base}/events`, { accept: 'text/event-stream' }));
  const qr = await events.next('qr');
  return { pc, base, events, link: String(qr.link), result };
}

/** The phone opens the QR, unlocks and shows the 6-digit number; the PC types it. Returns the app's flow id. */
export async function bindPhone(p: PcFlow, phone: CitizenPhone): Promise<string> {
  const flowId = await phone.openQr(p.link);
  const unlocked = await phone.unlock(flowId);
  assert.match(unlocked.bindingNumber ?? '', /^\d{6}$/);
  const typed = await p.pc.request(`${p.base}/binding`, {
    json: { number: unlocked.bindingNumber },
    accept: 'application/json',
  });
  assert.equal(typed.status, 200);
  await p.events.next('flow', (e) => e.stage === 'in_app');
  return flowId;
}

/** The PC sees the flow end and goes back to the service: what the relying party got. */
export async function finishOnPc(p: PcFlow): Promise<FlowResult> {
  await p.events.next('flow', (e) => e.stage === 'done' || e.stage === 'failed');
  await p.events.close();
  await p.pc.submit(`${p.base}/finish`, {});
  return p.result;
}

/**
 * A whole login on PC + phone: the card read (with the card-info PIN when items
 * are asked for), consent, and back to the service. A refused card read (a
 * revoked certificate …) ends the flow as the platform decided.
 */
export async function loginWithCard(
  rp: DemoRelyingParty,
  phone: CitizenPhone,
  card: CardSession,
  opts: AuthorizationOptions = {},
): Promise<FlowResult> {
  const p = await startOnPc(rp, opts);
  const flowId = await bindPhone(p, phone);
  const scope = opts.scope ?? 'openid name address birthdate gender';
  const items = scope.split(' ').some((s) => ['name', 'address', 'birthdate', 'gender'].includes(s));
  const read = await phone
    .readForLogin(flowId, card, items ? { cardInfoPin: card.cardInfoPin } : {})
    .catch((e: Error) => e);
  // a card the platform refused (a revoked certificate …): the platform ended the flow
  if (!(read instanceof Error)) {
    if (!read.view) throw new Error(`the card read failed: ${JSON.stringify(read.card)}`);
    await phone.consent(flowId);
  }
  return finishOnPc(p);
}
