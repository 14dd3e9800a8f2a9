import { HonninError } from '@honnin/runtime';

/**
 * What a service needs from a card-payment provider, and nothing more: open a
 * hosted checkout for an amount and learn how it ended. honnin's simulated
 * provider implements it over HTTP; a real provider's SDK would stand in its place.
 */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface Checkout {
  paymentId: string;
  /** where the payer's browser goes to enter the card */
  checkoutUrl: string;
}

export interface PaymentState {
  paymentId: string;
  orderId: string;
  amount: number;
  status: PaymentStatus;
  cardBrand?: string | undefined;
  cardLast4?: string | undefined;
  paidAt?: number | undefined;
  failure?: string | undefined;
}

export interface PaymentGateway {
  createCheckout(req: {
    orderId: string;
    /** yen */
    amount: number;
    description: string;
    /** the payer comes back here with ?payment_id=… */
    returnUrl: string;
  }): Promise<Checkout>;
  getPayment(paymentId: string): Promise<PaymentState>;
}

export class PaymentGatewayError extends HonninError {}

/** The simulated provider's merchant API (see payment/server.ts). */
export function hostedCheckoutGateway(opts: {
  baseUrl: string;
  secretKey: string;
  fetch?: typeof fetch;
}): PaymentGateway {
  const f = opts.fetch ?? fetch;
  const call = async (path: string, init: RequestInit = {}) => {
    let res: Response;
    try {
      res = await f(`${opts.baseUrl}${path}`, {
        ...init,
        signal: AbortSignal.timeout(15_000),
        headers: { authorization: `Bearer ${opts.secretKey}`, 'content-type': 'application/json' },
      });
    } catch (e) {
      throw new PaymentGatewayError(
        'payment_unavailable',
        `payment provider unreachable: ${(e as Error).message}`,
        {
          status: 503,
          cause: e,
        },
      );
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      throw new PaymentGatewayError(
        'payment_provider_error',
        `payment provider: ${String(body.error ?? res.status)}`,
        {
          status: 502,
        },
      );
    }
    return body;
  };
  return {
    async createCheckout(req) {
      const b = await call('/v1/checkouts', {
        method: 'POST',
        body: JSON.stringify({
          order_id: req.orderId,
          amount: req.amount,
          description: req.description,
          return_url: req.returnUrl,
        }),
      });
      return { paymentId: String(b.payment_id), checkoutUrl: String(b.checkout_url) };
    },
    async getPayment(paymentId) {
      const b = await call(`/v1/payments/${encodeURIComponent(paymentId)}`);
      return {
        paymentId: String(b.payment_id),
        orderId: String(b.order_id),
        amount: Number(b.amount),
        status: b.status as PaymentStatus,
        cardBrand: (b.card_brand as string | null) ?? undefined,
        cardLast4: (b.card_last4 as string | null) ?? undefined,
        paidAt: (b.paid_at as number | null) ?? undefined,
        failure: (b.failure as string | null) ?? undefined,
      };
    },
  };
}
