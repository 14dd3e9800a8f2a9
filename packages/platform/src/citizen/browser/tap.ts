import { WebSocketTransport } from '@honnin/card/client';
import { type CardReadRequest, type CardReadResult, readCardWith } from './card.ts';

/**
 * Holding the card to the phone, in the simulation: a tap on the card host
 * (`/v1/cards/{id}/tap`, the card the citizen picked as "theirs"), or, on a PC
 * with a card reader, the local bridge's WebSocket. Either way the same JPKI
 * client reads the card.
 */
export interface Reader {
  /** the WebSocket to tap: the card host's tap URL of a card, or the bridge */
  url: string;
}

export async function tapAndRead(reader: Reader, req: CardReadRequest): Promise<CardReadResult> {
  let transport: WebSocketTransport;
  try {
    transport = await WebSocketTransport.connect(reader.url, { timeoutMs: 30_000 });
  } catch (e) {
    return { ok: false, reason: 'error', message: (e as Error).message };
  }
  try {
    return await readCardWith(transport, req);
  } finally {
    await transport.close().catch(() => {});
  }
}

/** The tap URL of a card on the card host (http(s) base → ws(s)). */
export function cardTapUrl(cardHost: string, cardId: string): string {
  const u = new URL(`/v1/cards/${encodeURIComponent(cardId)}/tap`, cardHost);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}
