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

/**
 * A life event as the card asks J-LIS for it (README, "J-LIS simulator"): a
 * renewal certifies new keys the card generated; a move or rename changes the
 * holder's 4 items and certifies the card's new signature key.
 */
export type CertificationEvent =
  | { type: 'renewal'; authPublicKey: Uint8Array; signaturePublicKey?: Uint8Array | undefined }
  | {
      type: 'move' | 'rename';
      holder: Partial<Omit<Holder, 'birthDate' | 'sex'>>;
      signaturePublicKey?: Uint8Array | undefined;
    };

/** What J-LIS revoked for a life event and the certificates it issued instead. */
export interface CertifiedEvent {
  revoked: { purpose: 'auth' | 'signature'; serial: string; reason: string }[];
  auth?: CertifiedPair | undefined;
  signature?: CertifiedPair | undefined;
}

/** Who certifies the keys a card generated: J-LIS, over its admin API or as a library. */
export interface Certifier {
  certify(req: CertificationRequest): Promise<CertifiedCard>;
  /** a life event of the card J-LIS knows as `jlisCardId` */
  lifeEvent(jlisCardId: string, event: CertificationEvent): Promise<CertifiedEvent>;
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
  lifecycle: {
    apply(
      cardId: string,
      event: CertificationEvent,
    ): Promise<{
      revoked: { purpose: 'auth' | 'signature'; serial: string; reason: string }[];
      auth?: { der: Uint8Array; caCertDer: Uint8Array; serial: string } | undefined;
      signature?: { der: Uint8Array; caCertDer: Uint8Array; serial: string } | undefined;
    }>;
  };
}

const pairOf = (c: { der: Uint8Array; caCertDer: Uint8Array; serial: string }): CertifiedPair => ({
  certificate: c.der,
  caCertificate: c.caCertDer,
  serial: c.serial,
});

/** Certification through the J-LIS library in the same process (tests, J-LIS not running). */
export function libraryCertifier(jlis: JlisLibrary): Certifier {
  return {
    async certify(req) {
      const card = await jlis.issuer.issueCard(req);
      return {
        jlisCardId: card.cardId,
        expiresAt: card.expiresAt,
        auth: pairOf(card.auth),
        signature: card.signature ? pairOf(card.signature) : undefined,
      };
    },
    async lifeEvent(jlisCardId, event) {
      const r = await jlis.lifecycle.apply(jlisCardId, event);
      return {
        revoked: r.revoked.map(({ purpose, serial, reason }) => ({ purpose, serial, reason })),
        auth: r.auth ? pairOf(r.auth) : undefined,
        signature: r.signature ? pairOf(r.signature) : undefined,
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

/** Certification over J-LIS's admin API (`/admin/cards…`) with the admin bearer token. */
export function httpCertifier(opts: {
  jlisUrl: string;
  adminToken: string;
  fetch?: typeof fetch | undefined;
}): Certifier {
  const doFetch = opts.fetch ?? fetch;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    let res: Response;
    try {
      res = await doFetch(new URL(path, opts.jlisUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.adminToken}` },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new CertificationError('card_jlis_unreachable', `J-LIS is not reachable at ${opts.jlisUrl}`, {
        status: 502,
        cause: e,
      });
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      // J-LIS's own typed errors (invalid holder, card not active …) pass through with their code
      const code = typeof json.error === 'string' ? json.error : 'card_jlis_failed';
      const message = typeof json.message === 'string' ? json.message : `J-LIS answered ${res.status}`;
      throw new CertificationError(code, message, {
        status: res.status >= 500 ? 502 : res.status === 409 ? 409 : 400,
      });
    }
    return json;
  };
  const pair = (j: IssuedJson | undefined): CertifiedPair | undefined =>
    j && {
      certificate: fromBase64(j.certificate),
      caCertificate: fromBase64(j.caCertificate),
      serial: j.serial,
    };
  const key = (name: string, spki: Uint8Array | undefined) => (spki ? { [name]: base64(spki) } : {});
  return {
    async certify(req) {
      const body = await post('/admin/cards', {
        holder: req.holder,
        token: req.token,
        authPublicKey: base64(req.authPublicKey),
        ...key('signaturePublicKey', req.signaturePublicKey),
      });
      return {
        jlisCardId: String(body.cardId),
        expiresAt: new Date(String(body.expiresAt)),
        auth: pair(body.auth as IssuedJson)!,
        signature: pair(body.signature as IssuedJson | undefined),
      };
    },
    async lifeEvent(jlisCardId, event) {
      const body = await post(`/admin/cards/${encodeURIComponent(jlisCardId)}/events`, {
        type: event.type,
        ...(event.type === 'renewal' ? key('authPublicKey', event.authPublicKey) : { holder: event.holder }),
        ...key('signaturePublicKey', event.signaturePublicKey),
      });
      return {
        revoked: (body.revoked as CertifiedEvent['revoked']).map(({ purpose, serial, reason }) => ({
          purpose,
          serial,
          reason,
        })),
        auth: pair(body.auth as IssuedJson | undefined),
        signature: pair(body.signature as IssuedJson | undefined),
      };
    },
  };
}
