import { WebSocketTransport } from '@honnin/card/client';
import { type CardReadRequest, type CardReadResult, readCard } from './card.ts';

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

export function tapAndRead(reader: Reader, req: CardReadRequest): Promise<CardReadResult> {
  return readCard(() => WebSocketTransport.connect(reader.url, { timeoutMs: 30_000 }), req);
}

/** The tap URL of a card on the card host (http(s) base → ws(s)). */
export function cardTapUrl(cardHost: string, cardId: string): string {
  const u = new URL(`/v1/cards/${encodeURIComponent(cardId)}/tap`, cardHost);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}
