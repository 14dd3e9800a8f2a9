import {
  base64,
  CardError,
  CardRemovedError,
  type CardTransport,
  JpkiClient,
  NoSignatureCertificateError,
  PinLockedError,
  WrongPinError,
} from '@honnin/card/client';
import { loginChallengeDigestInfo } from '@honnin/jpki/login/challenge';

/**
 * What the app reads from the card for one step, with the JPKI client of
 * @honnin/card over any transport (the card host's tap WebSocket, the local
 * bridge to a PC/SC reader, or a card in memory). Browser-safe. PINs go to the
 * card only.
 */
export interface CardReadRequest {
  kind: 'login' | 'sign';
  /** the auth PIN (login) or the signature password (sign) */
  pin: string;
  /** the 券面事項入力補助 PIN, when the 4 items are read */
  cardInfoPin?: string | undefined;
  /** login: the challenge bytes the auth key signs (as their SHA-256 DigestInfo) */
  challenge?: Uint8Array | undefined;
  /** sign: the DigestInfo the signature key signs */
  digestInfo?: Uint8Array | undefined;
  onProgress?: ((percent: number) => void) | undefined;
}

export type PinKind = 'auth' | 'sign' | 'cardInfo';

export type CardReadResult =
  | {
      ok: true;
      signature: Uint8Array;
      certificate: Uint8Array;
      /** the raw card-info AP files the platform checks itself (base64) */
      cardInfo?: { basicInfo: string; integrity: string; cvCertificate: string } | undefined;
    }
  | { ok: false; reason: 'pin_wrong'; pin: PinKind; triesLeft: number }
  | { ok: false; reason: 'locked'; pin: PinKind }
  | { ok: false; reason: 'removed' | 'error' | 'no_signature_certificate'; message: string };

/** Connects to the card (a tap), reads what the step needs, lets go of the card. */
export async function readCard(
  connect: () => Promise<CardTransport>,
  req: CardReadRequest,
): Promise<CardReadResult> {
  let transport: CardTransport;
  try {
    transport = await connect();
  } catch (e) {
    return failure(e);
  }
  try {
    return await readWith(transport, req);
  } finally {
    await transport.close().catch(() => {});
  }
}

async function readWith(transport: CardTransport, req: CardReadRequest): Promise<CardReadResult> {
  const client = new JpkiClient(transport);
  const progress = req.onProgress ?? (() => {});
  let step: PinKind = req.kind === 'sign' ? 'sign' : 'auth';
  try {
    progress(10);
    if (req.kind === 'sign') {
      if (!req.digestInfo) throw new CardError('card_request_invalid', 'nothing to sign');
      const certificate = await client.readSignatureCertificate(req.pin);
      progress(50);
      const signature = await client.sign('signature', req.pin, req.digestInfo);
      progress(100);
      return { ok: true, signature, certificate };
    }
    if (!req.challenge) throw new CardError('card_request_invalid', 'no login challenge');
    const signature = await client.sign('auth', req.pin, await loginChallengeDigestInfo(req.challenge));
    progress(40);
    const certificate = await client.readAuthCertificate();
    progress(60);
    let cardInfo: Extract<CardReadResult, { ok: true }>['cardInfo'];
    if (req.cardInfoPin !== undefined) {
      step = 'cardInfo';
      // the raw files (not the 個人番号): the platform checks them itself
      const files = await client.readCardInfoFiles({ pin: req.cardInfoPin });
      cardInfo = {
        basicInfo: base64(files.basicInfo),
        integrity: base64(files.integrity),
        cvCertificate: base64(files.cvCertificate),
      };
    }
    progress(100);
    return { ok: true, signature, certificate, cardInfo };
  } catch (e) {
    if (e instanceof WrongPinError)
      return { ok: false, reason: 'pin_wrong', pin: step, triesLeft: e.triesLeft };
    if (e instanceof PinLockedError) return { ok: false, reason: 'locked', pin: step };
    return failure(e);
  }
}

function failure(e: unknown): CardReadResult {
  if (e instanceof NoSignatureCertificateError)
    return { ok: false, reason: 'no_signature_certificate', message: e.message };
  if (e instanceof CardRemovedError) return { ok: false, reason: 'removed', message: e.message };
  return { ok: false, reason: 'error', message: (e as Error).message };
}
