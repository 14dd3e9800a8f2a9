/**
 * Reading the card from the app page: the JPKI client of @honnin/card over a
 * transport — the card host's virtual cards (a phone's NFC) or the local
 * bridge to a PC/SC reader (a PC with a card reader).
 */
export interface CardReadRequest {
  kind: 'login' | 'sign';
  /** the auth PIN (login) or the signature password (sign); sent only to the card */
  pin: string;
  /** the 券面事項入力補助 PIN, when the 4 items are read */
  cardInfoPin?: string | undefined;
  /** login: the challenge the auth key signs (as SHA-256 DigestInfo) */
  challenge?: Uint8Array | undefined;
  /** sign: the DigestInfo the signature key signs */
  digestInfo?: Uint8Array | undefined;
  reader: 'phone' | 'bridge';
  cardHost?: string | undefined;
  onProgress(percent: number): void;
}

export type CardReadResult =
  | {
      ok: true;
      signature: Uint8Array;
      certificate: Uint8Array;
      cardInfo?: { basicInfo: string; integrity: string; certificate: string } | undefined;
    }
  | { ok: false; reason: 'pin_wrong'; pin: 'auth' | 'sign' | 'cardInfo'; triesLeft: number }
  | { ok: false; reason: 'locked'; pin: 'auth' | 'sign' | 'cardInfo' }
  | { ok: false; reason: 'removed' | 'error' | 'no_signature_certificate'; message: string };

export async function readCard(_req: CardReadRequest): Promise<CardReadResult> {
  return { ok: false, reason: 'error', message: 'the JPKI client is not available yet' };
}
