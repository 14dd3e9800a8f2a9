/**
 * How the JPKI client reaches a card: one command APDU in, one response APDU
 * out. In-memory, WebSocket, PC/SC (a real reader or pcscd + vpcd) and the
 * local bridge all implement this. Browser-safe.
 */
export interface CardTransport {
  transmit(command: Uint8Array): Promise<Uint8Array>;
  /** warm reset of the card; resolves to its ATR */
  reset?(): Promise<Uint8Array>;
  close(): Promise<void>;
}
