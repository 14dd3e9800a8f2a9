import { createHmac, createSecretKey, type KeyObject, randomInt, timingSafeEqual } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import QRCode from 'qrcode';
import { type Flow, randomToken } from './flow.ts';

export interface QrPolicy {
  /** how long one QR may be opened (seed 002: 30 seconds) */
  lifetimeMs: number;
  /** the code inside changes this often (1 s) */
  stepMs: number;
  /** how many steps old a scanned code may be (a relayed screenshot arrives too late) */
  toleranceSteps: number;
}

export const DEFAULT_QR_POLICY: QrPolicy = { lifetimeMs: 30_000, stepMs: 1000, toleranceSteps: 5 };

/**
 * The QR code on the service's PC page. It carries the flow, which QR this is,
 * the seconds elapsed since it was shown and an HMAC of those under a server
 * secret — so the link changes every second and a copy relayed from elsewhere
 * is stale by the time someone opens it. It can be opened once, within its
 * lifetime; 「二次元コードを更新」 issues a new one.
 */
export class QrCodes {
  readonly #secret: KeyObject;
  readonly policy: QrPolicy;

  constructor(secret: Buffer, policy: QrPolicy = DEFAULT_QR_POLICY) {
    this.#secret = createSecretKey(secret);
    this.policy = policy;
  }

  issue(now: number): { id: string; issuedAt: number } {
    return { id: randomToken(12), issuedAt: now };
  }

  #code(flowId: string, qrId: string, step: number): string {
    return createHmac('sha256', this.#secret)
      .update(`${flowId}.${qrId}.${step}`)
      .digest('base64url')
      .slice(0, 16);
  }

  /** The link inside the QR at `now`, or undefined once the QR has expired. */
  link(appBase: string, flow: Flow, now: number): { url: string; secondsLeft: number } | undefined {
    if (!flow.qr) return undefined;
    const elapsed = now - flow.qr.issuedAt;
    if (elapsed >= this.policy.lifetimeMs || elapsed < 0) return undefined;
    const step = Math.floor(elapsed / this.policy.stepMs);
    const u = new URL('/app/pair', appBase);
    u.searchParams.set('f', flow.id);
    u.searchParams.set('q', flow.qr.id);
    u.searchParams.set('t', String(step));
    u.searchParams.set('c', this.#code(flow.id, flow.qr.id, step));
    return { url: u.href, secondsLeft: Math.ceil((this.policy.lifetimeMs - elapsed) / 1000) };
  }

  /** Checks an opened link against the flow's current QR; throws `qr_expired` or `qr_invalid`. */
  check(flow: Flow, p: { q?: string; t?: string; c?: string }, now: number): void {
    if (!flow.qr || p.q !== flow.qr.id || !/^\d{1,4}$/.test(p.t ?? '') || typeof p.c !== 'string')
      throw new HonninError('qr_invalid', 'this QR code is not the one the service shows now');
    const step = Number(p.t);
    const expected = Buffer.from(this.#code(flow.id, flow.qr.id, step));
    const given = Buffer.from(p.c);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      throw new HonninError('qr_invalid', 'this QR code is not the one the service shows now');
    const elapsed = now - flow.qr.issuedAt;
    const nowStep = Math.floor(elapsed / this.policy.stepMs);
    if (elapsed >= this.policy.lifetimeMs || nowStep - step > this.policy.toleranceSteps || step > nowStep)
      throw new HonninError(
        'qr_expired',
        'this QR code has expired; press 「二次元コードを更新」 on the PC',
        {
          status: 410,
        },
      );
  }
}

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The 6-digit number the app shows and the citizen types on the PC. */
export function bindingNumber(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}
