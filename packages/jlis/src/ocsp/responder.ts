import { createHash, sign } from 'node:crypto';
import type { CertPurpose } from '@honnin/jpki/profile';
import type { Storage } from '@honnin/runtime';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { CaGeneration, CertificateAuthorities } from '../ca/authority.ts';
import { sha256WithRSA } from '../ca/x509.ts';
import { tlv } from '../der.ts';
import type { JlisDB } from '../store/schema.ts';
import type { FeeMeter, Metered } from '../verifiers/fees.ts';
import type { ResponderCertificates } from './responder-certificates.ts';

/** CertID hash algorithms the responder matches issuers with. */
const HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
/** Certificates asked about in one request, at most (more is a malformed request here). */
export const MAX_OCSP_REQUESTS = 20;
/** RFC 8954: nonces are 1–32 octets. */
const MAX_NONCE = 32;

export type OcspStatus = 'good' | 'revoked' | 'unknown';

export interface OcspAnswer {
  /** DER OCSPResponse */
  der: Uint8Array;
  /** RFC 6960 responseStatus name */
  responseStatus: 'successful' | 'malformedRequest' | 'internalError' | 'unauthorized';
  statuses: OcspStatus[];
}

/** An OCSPResponse without responseBytes: the error statuses. */
export function ocspError(status: 'malformedRequest' | 'internalError' | 'unauthorized'): OcspAnswer {
  return {
    der: Uint8Array.of(0x30, 0x03, 0x0a, 0x01, ocsp.OCSPResponseStatus[status]),
    responseStatus: status,
    statuses: [],
  };
}

const SHA256_WITH_RSA = new Uint8Array(AsnConvert.serialize(sha256WithRSA()));
const ID_PKIX_OCSP_BASIC = new Uint8Array(
  new asn1js.ObjectIdentifier({ value: ocsp.id_pkix_ocsp_basic }).toBER(),
);

/** Whole seconds: GeneralizedTime in OCSP carries no fractions (RFC 5280 §4.1.2.5.2). */
const seconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * The OCSP responder (RFC 6960): parses a request, answers good / revoked (with
 * time and reason) / unknown for each certificate from J-LIS's records, echoes
 * the nonce and signs with the delegated responder of the CA generation that
 * issued the certificates. Every answer about a certificate is metered.
 */
export class OcspResponder {
  readonly #storage: Storage<JlisDB>;
  readonly #ca: CertificateAuthorities;
  readonly #responders: ResponderCertificates;
  readonly #meter: FeeMeter;
  readonly #validityMs: number;
  readonly #now: () => Date;
  readonly #issuerHashes = new Map<string, [string, string]>();

  constructor(
    storage: Storage<JlisDB>,
    ca: CertificateAuthorities,
    responders: ResponderCertificates,
    meter: FeeMeter,
    opts: { validitySeconds?: number | undefined; now?: () => Date } = {},
  ) {
    this.#storage = storage;
    this.#ca = ca;
    this.#responders = responders;
    this.#meter = meter;
    this.#validityMs = (opts.validitySeconds ?? 3600) * 1000;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Answers a DER OCSPRequest for a verifier. Never throws for bad input: that is malformedRequest. */
  async respond(requestDer: Uint8Array, verifierId: string): Promise<OcspAnswer> {
    let request: ocsp.OCSPRequest;
    try {
      request = AsnConvert.parse(requestDer, ocsp.OCSPRequest);
    } catch {
      return ocspError('malformedRequest');
    }
    const list = request.tbsRequest.requestList;
    if (list.length === 0 || list.length > MAX_OCSP_REQUESTS) return ocspError('malformedRequest');
    const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === ocsp.id_pkix_ocsp_nonce);
    if (nonce && nonceLength(nonce) > MAX_NONCE) return ocspError('malformedRequest');

    const now = seconds(this.#now());
    const matched = list.map((r) => ({ certID: r.reqCert, generation: this.#issuerOf(r.reqCert) }));
    // one signer per response: the generation of the first certificate we know the issuer of
    const signer = matched.find((m) => m.generation)?.generation ?? this.#ca.active('signature');
    const responses: ocsp.SingleResponse[] = [];
    const statuses: OcspStatus[] = [];
    const metered: Metered[] = [];
    for (const { certID, generation } of matched) {
      const serial = serialHex(certID.serialNumber);
      const purpose: CertPurpose = generation?.purpose ?? signer.purpose;
      const row =
        generation && generation.id === signer.id ? await this.#lookup(generation, serial) : undefined;
      let certStatus: ocsp.CertStatus;
      if (!row) {
        certStatus = new ocsp.CertStatus({ unknown: null });
        statuses.push('unknown');
        metered.push({ kind: 'unknown', channel: 'ocsp', purpose, serial: serial.slice(0, 64) });
      } else {
        if (row.revoked_at === null) {
          certStatus = new ocsp.CertStatus({ good: null });
          statuses.push('good');
        } else {
          certStatus = new ocsp.CertStatus({
            revoked: new ocsp.RevokedInfo({
              revocationTime: seconds(new Date(Number(row.revoked_at))),
              revocationReason: new ax.CRLReason(Number(row.revocation_reason)),
            }),
          });
          statuses.push('revoked');
        }
        metered.push({ kind: 'validity', channel: 'ocsp', purpose, serial, holderId: row.holder_id });
      }
      responses.push(
        new ocsp.SingleResponse({
          certID,
          certStatus,
          thisUpdate: now,
          nextUpdate: new Date(now.getTime() + this.#validityMs),
        }),
      );
    }

    const responder = await this.#responders.current(signer.id);
    const data = new ocsp.ResponseData({
      responderID: new ocsp.ResponderID({ byKey: new ocsp.KeyHash(responder.keyHash) }),
      producedAt: now,
      responses,
      ...(nonce ? { responseExtensions: [nonce] } : {}),
    });
    const tbs = new Uint8Array(AsnConvert.serialize(data));
    const signature = new Uint8Array(sign('sha256', tbs, responder.key));
    // the outer layers are assembled around the responder certificate's DER: parsing and
    // re-encoding it with the object model would cost more than the RSA signature
    const basic = tlv(
      0x30,
      tbs,
      SHA256_WITH_RSA,
      tlv(0x03, Uint8Array.of(0), signature),
      tlv(0xa0, tlv(0x30, responder.certDer)),
    );
    const der = tlv(
      0x30,
      Uint8Array.of(0x0a, 0x01, 0x00),
      tlv(0xa0, tlv(0x30, ID_PKIX_OCSP_BASIC, tlv(0x04, basic))),
    );
    await this.#meter.record(verifierId, metered);
    return { der, responseStatus: 'successful', statuses };
  }

  /** The CA generation a CertID names (name and key hash), if it is one of ours. */
  #issuerOf(certID: ocsp.CertID): CaGeneration | undefined {
    const alg = HASHES[certID.hashAlgorithm.algorithm];
    if (!alg) return undefined;
    const name = Buffer.from(certID.issuerNameHash.buffer).toString('hex');
    const key = Buffer.from(certID.issuerKeyHash.buffer).toString('hex');
    return this.#ca.list().find((g) => {
      const [n, k] = this.#hashes(g, alg);
      return n === name && k === key;
    });
  }

  /** [issuerNameHash, issuerKeyHash] of a generation under a hash algorithm (hex), computed once. */
  #hashes(g: CaGeneration, alg: string): [string, string] {
    const key = `${g.id}/${alg}`;
    let h = this.#issuerHashes.get(key);
    if (!h) {
      const cert = AsnConvert.parse(g.certDer, ax.Certificate);
      const nameDer = new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subject));
      const keyBits = new Uint8Array(cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
      h = [createHash(alg).update(nameDer).digest('hex'), createHash(alg).update(keyBits).digest('hex')];
      this.#issuerHashes.set(key, h);
    }
    return h;
  }

  #lookup(generation: CaGeneration, serial: string) {
    return this.#storage.db
      .selectFrom('certificate')
      .select(['holder_id', 'revoked_at', 'revocation_reason'])
      .where('purpose', '=', generation.purpose)
      .where('serial', '=', serial)
      .where('ca_id', '=', generation.id)
      .executeTakeFirst();
  }
}

/** A serial as J-LIS stores it: upper-case hex, no leading zeros. */
function serialHex(bytes: ArrayBuffer): string {
  const hex = Buffer.from(bytes)
    .toString('hex')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
  return hex || '0';
}

/** The nonce's octets (the extension value is normally an OCTET STRING wrapping them). */
function nonceLength(ext: ax.Extension): number {
  const raw = new Uint8Array(ext.extnValue.buffer);
  try {
    return AsnConvert.parse(raw, OctetString).byteLength;
  } catch {
    return raw.length;
  }
}
