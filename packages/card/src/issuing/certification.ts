import { HonninError } from '@honnin/runtime/errors';
import { base64, fromBase64 } from '../apdu/bytes.ts';
import type { TokenKind } from '../card.ts';

/** The holder as J-LIS records them (基本4情報 + the issuing municipality). */
export interface Holder {
  name: string;
  address: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sex: '1' | '2' | '9';
  municipalityCode: string;
}

export interface CertificationRequest {
  holder: Holder;
  token: TokenKind;
  /** SubjectPublicKeyInfo DER generated on the card */
  authPublicKey: Uint8Array;
  signaturePublicKey?: Uint8Array | undefined;
}

export interface CertifiedPair {
  certificate: Uint8Array;
  caCertificate: Uint8Array;
  serial: string;
}

export interface CertifiedCard {
  /** J-LIS's id of the card (for life events) */
  jlisCardId: string;
  expiresAt: Date;
  auth: CertifiedPair;
  /** absent when J-LIS issued no signature certificate (holder under 15) */
  signature?: CertifiedPair | undefined;
}

/** Who certifies the keys a card generated: J-LIS, over its admin API or as a library. */
export interface Certifier {
  certify(req: CertificationRequest): Promise<CertifiedCard>;
}

/** The part of the J-LIS library the direct certifier needs (`openJlis(...)`). */
export interface JlisLibrary {
  issuer: {
    issueCard(req: CertificationRequest): Promise<{
      cardId: string;
      expiresAt: Date;
      auth: { der: Uint8Array; caCertDer: Uint8Array; serial: string };
      signature?: { der: Uint8Array; caCertDer: Uint8Array; serial: string } | undefined;
    }>;
  };
}

/** Certification through the J-LIS library in the same process (tests, J-LIS not running). */
export function libraryCertifier(jlis: JlisLibrary): Certifier {
  return {
    async certify(req) {
      const card = await jlis.issuer.issueCard(req);
      const pair = (c: { der: Uint8Array; caCertDer: Uint8Array; serial: string }) => ({
        certificate: c.der,
        caCertificate: c.caCertDer,
        serial: c.serial,
      });
      return {
        jlisCardId: card.cardId,
        expiresAt: card.expiresAt,
        auth: pair(card.auth),
        signature: card.signature ? pair(card.signature) : undefined,
      };
    },
  };
}

export class CertificationError extends HonninError {}

interface IssuedJson {
  serial: string;
  certificate: string;
  caCertificate: string;
}

/** Certification over J-LIS's admin API: `POST {jlis}/admin/cards` with the admin bearer token. */
export function httpCertifier(opts: {
  jlisUrl: string;
  adminToken: string;
  fetch?: typeof fetch | undefined;
}): Certifier {
  const doFetch = opts.fetch ?? fetch;
  return {
    async certify(req) {
      let res: Response;
      try {
        res = await doFetch(new URL('/admin/cards', opts.jlisUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` },
          body: JSON.stringify({
            holder: req.holder,
            token: req.token,
            authPublicKey: base64(req.authPublicKey),
            ...(req.signaturePublicKey ? { signaturePublicKey: base64(req.signaturePublicKey) } : {}),
          }),
        });
      } catch (e) {
        throw new CertificationError('card_jlis_unreachable', `J-LIS is not reachable at ${opts.jlisUrl}`, {
          status: 502,
          cause: e,
        });
      }
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (!res.ok) {
        // J-LIS's own typed errors (invalid holder …) pass through with their code
        const code = typeof body.error === 'string' ? body.error : 'card_jlis_failed';
        const message = typeof body.message === 'string' ? body.message : `J-LIS answered ${res.status}`;
        throw new CertificationError(code, message, { status: res.status >= 500 ? 502 : 400 });
      }
      const pair = (j: IssuedJson): CertifiedPair => ({
        certificate: fromBase64(j.certificate),
        caCertificate: fromBase64(j.caCertificate),
        serial: j.serial,
      });
      const sig = body.signature as IssuedJson | undefined;
      return {
        jlisCardId: String(body.cardId),
        expiresAt: new Date(String(body.expiresAt)),
        auth: pair(body.auth as IssuedJson),
        signature: sig ? pair(sig) : undefined,
      };
    },
  };
}
