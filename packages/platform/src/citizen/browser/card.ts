import { encodedLength } from '@honnin/card/apdu/tlv';
import {
  AID,
  base64,
  CardError,
  CardRemovedError,
  type CardTransport,
  encodeCommand,
  fromHex,
  JpkiClient,
  NoSignatureCertificateError,
  PinLockedError,
  parseResponse,
  SW,
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

export async function readCardWith(transport: CardTransport, req: CardReadRequest): Promise<CardReadResult> {
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
      cardInfo = await readCardInfoFiles(transport, req.cardInfoPin);
    }
    progress(100);
    return { ok: true, signature, certificate, cardInfo };
  } catch (e) {
    if (e instanceof WrongPinError)
      return { ok: false, reason: 'pin_wrong', pin: step, triesLeft: e.triesLeft };
    if (e instanceof PinLockedError) return { ok: false, reason: 'locked', pin: step };
    if (e instanceof NoSignatureCertificateError)
      return { ok: false, reason: 'no_signature_certificate', message: e.message };
    if (e instanceof CardRemovedError) return { ok: false, reason: 'removed', message: e.message };
    return { ok: false, reason: 'error', message: (e as Error).message };
  }
}

/**
 * The card-info AP's files the platform verifies (EF 0002 the 4 items, EF 0003
 * the integrity record, EF 0004 the CV certificate), opened with its PIN. The
 * client's `readBasicInfo` also reads EF 0001, the 個人番号, which the app has
 * no business reading; so this reads only these three.
 */
async function readCardInfoFiles(
  transport: CardTransport,
  pin: string,
): Promise<{ basicInfo: string; integrity: string; cvCertificate: string }> {
  const send = async (c: Parameters<typeof encodeCommand>[0]) =>
    parseResponse(await transport.transmit(encodeCommand(c)));
  const select = async (p1: number, data: Uint8Array, what: string) => {
    const r = await send({ ins: 0xa4, p1, p2: 0x0c, data });
    if (r.sw !== SW.OK) throw new CardError('card_status', `selecting ${what}: ${r.sw.toString(16)}`);
  };
  const ef = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
  await select(0x04, fromHex(AID.cardInfo), 'the card-info AP');
  await select(0x02, ef(0x0011), 'the card-info PIN');
  if (!/^\d{4}$/.test(pin)) throw new WrongPinError('card-info PIN', 3);
  const v = await send({ ins: 0x20, p1: 0x00, p2: 0x80, data: new TextEncoder().encode(pin) });
  if (v.sw === SW.PIN_LOCKED || v.sw === SW.WRONG_PIN_BASE) throw new PinLockedError('card-info PIN');
  if ((v.sw & 0xfff0) === SW.WRONG_PIN_BASE) throw new WrongPinError('card-info PIN', v.sw & 0x0f);
  if (v.sw !== SW.OK) throw new CardError('card_status', `verifying the card-info PIN: ${v.sw.toString(16)}`);
  const read = async (n: number, what: string) => {
    await select(0x02, ef(n), what);
    const chunks: Uint8Array[] = [];
    let have = 0;
    let total = Number.POSITIVE_INFINITY;
    while (have < total) {
      const r = await send({
        ins: 0xb0,
        p1: (have >> 8) & 0x7f,
        p2: have & 0xff,
        ne: Math.min(256, total - have),
      });
      if (r.sw !== SW.OK || r.data.length === 0) break;
      if (have === 0) total = encodedLength(r.data) ?? r.data.length;
      chunks.push(r.data);
      have += r.data.length;
    }
    const out = new Uint8Array(have);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return base64(out.subarray(0, Math.min(have, total)));
  };
  return {
    basicInfo: await read(0x0002, 'the 4 items'),
    integrity: await read(0x0003, 'the integrity record'),
    cvCertificate: await read(0x0004, 'the CV certificate'),
  };
}
