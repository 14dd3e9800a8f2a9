import { ascii, fromHex } from '../apdu/bytes.ts';
import type { TokenKind } from '../card.ts';
import { AID, type Applet, applet, type ElementaryFile, type PinRecord } from './applet.ts';

/** Names of the JPKI AP's PINs and keys in the card's tables. */
export const JPKI_PIN = { auth: 'jpki.auth', signature: 'jpki.signature' } as const;
export const JPKI_KEY = { auth: 'jpki.auth', signature: 'jpki.signature' } as const;

/** EF identifiers of the JPKI AP (card.md). */
export const JPKI_EF = {
  signatureCertificate: 0x0001,
  signatureCaCertificate: 0x0002,
  tokenInfo: 0x0006,
  availability: 0x0008,
  authCertificate: 0x000a,
  authCaCertificate: 0x000b,
  authKey: 0x0017,
  authPin: 0x0018,
  signatureKey: 0x001a,
  signaturePin: 0x001b,
} as const;

/** The token label at the start of EF 0006, by kind; `JPKIAPICCTOKEN` is the old 住基カード. */
export const TOKEN_LABEL: Record<TokenKind, string> = {
  card: 'JPKIAPICCTOKEN2',
  android: 'JPKIAPGPSETOKEN',
  iphone: 'JPKIAPIOSTOKEN',
};

/** EF 0006: 160 bytes, the label padded with spaces to 32, then zeros (the rest is not documented). */
export function tokenInfo(token: TokenKind): Uint8Array {
  const out = new Uint8Array(160);
  out.set(ascii(TOKEN_LABEL[token].padEnd(32, ' ')));
  return out;
}

/** EF 0008: `8F 8F 00` with both certificates, `00 8F 00` without the signature one. */
export function availability(hasSignature: boolean): Uint8Array {
  return fromHex(hasSignature ? '8F8F00' : '008F00');
}

export interface JpkiContent {
  token: TokenKind;
  authCertificate: Uint8Array;
  authCaCertificate: Uint8Array;
  /** absent for holders under 15 */
  signature?: { certificate: Uint8Array; caCertificate: Uint8Array } | undefined;
}

export function jpkiApplet(c: JpkiContent): Applet {
  const hasSignature = c.signature !== undefined;
  // on smartphone tokens even the auth certificate needs the PIN (card.md)
  const authReadable = c.token === 'card' ? 'always' : [JPKI_PIN.auth];
  const files: ElementaryFile[] = [
    { type: 'binary', id: JPKI_EF.tokenInfo, data: tokenInfo(c.token), readableWith: 'always' },
    { type: 'binary', id: JPKI_EF.availability, data: availability(hasSignature), readableWith: 'always' },
    { type: 'binary', id: JPKI_EF.authCertificate, data: c.authCertificate, readableWith: authReadable },
    { type: 'binary', id: JPKI_EF.authCaCertificate, data: c.authCaCertificate, readableWith: 'always' },
    { type: 'key', id: JPKI_EF.authKey, key: JPKI_KEY.auth, pin: JPKI_PIN.auth },
    { type: 'pin', id: JPKI_EF.authPin, pin: JPKI_PIN.auth },
  ];
  if (c.signature) {
    files.push(
      {
        type: 'binary',
        id: JPKI_EF.signatureCertificate,
        data: c.signature.certificate,
        readableWith: [JPKI_PIN.signature],
      },
      {
        type: 'binary',
        id: JPKI_EF.signatureCaCertificate,
        data: c.signature.caCertificate,
        readableWith: 'always',
      },
      { type: 'key', id: JPKI_EF.signatureKey, key: JPKI_KEY.signature, pin: JPKI_PIN.signature },
      { type: 'pin', id: JPKI_EF.signaturePin, pin: JPKI_PIN.signature },
    );
  }
  return applet('jpki', fromHex(AID.jpki), files);
}

export function jpkiPins(p: { authPin: string; signPassword?: string | undefined }): Map<string, PinRecord> {
  const pins = new Map<string, PinRecord>([
    [JPKI_PIN.auth, { value: p.authPin, triesLeft: 3, maxTries: 3, format: 'digits4', changeable: true }],
  ]);
  if (p.signPassword !== undefined)
    pins.set(JPKI_PIN.signature, {
      value: p.signPassword,
      triesLeft: 5,
      maxTries: 5,
      format: 'password',
      changeable: true,
    });
  return pins;
}
