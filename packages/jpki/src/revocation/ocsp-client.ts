import { createHash, type KeyObject, randomBytes } from 'node:crypto';
import * as ocsp from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';
import type { JpkiCertificate } from '../certificate/parse.ts';
import { importRsaKey } from '../certificate/parse.ts';
import { decodeExtKeyUsage, decodeX509, type X509Fields } from '../certificate/x509.ts';
import { Lru } from '../chain/lru.ts';
import type { TrustAnchor } from '../chain/trust-store.ts';
import { bytesEqual, children, decodeOid, expectTlv, readTlv, whole } from '../encoding/der.ts';
import {
  InvalidOptionsError,
  JpkiError,
  MalformedError,
  OcspErrorResponseError,
  OcspResponseInvalidError,
  OcspStaleError,
  OcspUnavailableError,
  RevocationUnknownError,
} from '../errors.ts';
import { OID } from '../profile/oids.ts';
import { verifySigned } from '../signature/pkcs1.ts';
import type { RevocationAnswer, RevocationSource } from './source.ts';

/** The part of `fetch` the client needs; inject `globalThis.fetch` or anything shaped like it. */
export type OcspFetch = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: Uint8Array<ArrayBuffer>;
    signal: AbortSignal;
  },
) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface OcspClientOptions {
  /** where to send requests: a URL, or a function of the certificate and its issuer (JPKI certificates carry no AIA) */
  url: string | ((certificate: JpkiCertificate, issuer: TrustAnchor) => string);
  /** the transport (no I/O of its own) */
  fetch: OcspFetch;
  /** extra request headers, e.g. the verifier's `Authorization: Bearer …` at J-LIS */
  headers?: Record<string, string> | undefined;
  /** give up after (ms, default 5000) */
  timeout?: number | undefined;
  /** tolerated difference between our clock and the responder's (ms, default 60 s) */
  clockSkew?: number | undefined;
  /** a response without nextUpdate is fresh this long after thisUpdate (ms, default 1 h) */
  maxAge?: number | undefined;
  /** send a nonce and require it echoed (default true; turn off for responders that cache) */
  nonce?: boolean | undefined;
  /** answers kept until their nextUpdate (default 10,000 certificates; 0 = none) */
  cacheSize?: number | undefined;
  /** the clock for freshness and caching (default: now) */
  now?: (() => Date) | undefined;
}

const NONCE_OID = ocsp.id_pkix_ocsp_nonce;
const MAX_RESPONSE = 1 << 20;
const STATUS_NAMES: Record<number, string> = {
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

/**
 * An OCSP client (RFC 6960) for JPKI: one CertID per request, a nonce, a
 * response signed by the CA itself or by a responder certificate the CA issued
 * for OCSP signing, freshness with clock skew, a timeout, and answers cached
 * until their nextUpdate.
 */
export class OcspClient implements RevocationSource {
  readonly name = 'ocsp';
  readonly #o: Required<Omit<OcspClientOptions, 'headers'>> & { headers: Record<string, string> };
  readonly #cache: Lru<string, RevocationAnswer>;

  constructor(options: OcspClientOptions) {
    if (!options?.url || typeof options.fetch !== 'function')
      throw new InvalidOptionsError('the OCSP client needs a url and a fetch function');
    this.#o = {
      url: options.url,
      fetch: options.fetch,
      headers: options.headers ?? {},
      timeout: options.timeout ?? 5000,
      clockSkew: options.clockSkew ?? 60_000,
      maxAge: options.maxAge ?? 3_600_000,
      nonce: options.nonce ?? true,
      cacheSize: options.cacheSize ?? 10_000,
      now: options.now ?? (() => new Date()),
    };
    this.#cache = new Lru(this.#o.cacheSize);
  }

  async check(certificate: JpkiCertificate, issuer: TrustAnchor): Promise<RevocationAnswer> {
    const key = `${issuer.id}/${certificate.serial}`;
    const now = this.#o.now().getTime();
    const cached = this.#cache.get(key);
    if (cached?.nextUpdate && cached.nextUpdate.getTime() + this.#o.clockSkew >= now) return cached;
    const answer = await this.query(certificate, issuer);
    if (answer.nextUpdate) this.#cache.set(key, answer);
    return answer;
  }

  /** One request to the responder, without the cache. */
  async query(certificate: JpkiCertificate, issuer: TrustAnchor): Promise<RevocationAnswer> {
    const certId = certIdFor(certificate.fields, issuer);
    const nonce = this.#o.nonce ? new Uint8Array(randomBytes(32)) : undefined;
    const request = new ocsp.OCSPRequest({
      tbsRequest: new ocsp.TBSRequest({
        requestList: [new ocsp.Request({ reqCert: certId })],
        ...(nonce ? { requestExtensions: [nonceExtension(nonce)] } : {}),
      }),
    });
    const body = await this.#send(
      typeof this.#o.url === 'function' ? this.#o.url(certificate, issuer) : this.#o.url,
      new Uint8Array(AsnConvert.serialize(request)),
    );
    return verifyOcspResponse(body, {
      certId,
      issuer,
      nonce,
      now: this.#o.now().getTime(),
      clockSkew: this.#o.clockSkew,
      maxAge: this.#o.maxAge,
    });
  }

  async #send(url: string, body: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    let res: Awaited<ReturnType<OcspFetch>>;
    let bytes: ArrayBuffer;
    try {
      const signal = AbortSignal.timeout(this.#o.timeout);
      res = await this.#o.fetch(url, {
        method: 'POST',
        headers: {
          ...this.#o.headers,
          'content-type': 'application/ocsp-request',
          accept: 'application/ocsp-response',
        },
        body,
        signal,
      });
      bytes = await res.arrayBuffer();
    } catch (e) {
      const timedOut = (e as Error)?.name === 'TimeoutError';
      throw new OcspUnavailableError(
        timedOut
          ? `OCSP responder ${url} did not answer within ${this.#o.timeout} ms`
          : `OCSP responder ${url} unreachable`,
        { cause: e },
      );
    }
    if (res.status !== 200)
      throw new OcspUnavailableError(`OCSP responder ${url} answered HTTP ${res.status}`);
    if (bytes.byteLength > MAX_RESPONSE) throw new MalformedError('OCSP response larger than 1 MiB');
    return new Uint8Array(bytes);
  }
}

function nonceExtension(nonce: Uint8Array): ax.Extension {
  return new ax.Extension({
    extnID: NONCE_OID,
    critical: false,
    extnValue: new OctetString(AsnConvert.serialize(new OctetString(nonce))),
  });
}

/** CertID with SHA-1 (what every responder supports; an identifier, not a security hash). */
export function certIdFor(cert: X509Fields, issuer: TrustAnchor): ocsp.CertID {
  const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest()).buffer as ArrayBuffer;
  return new ocsp.CertID({
    hashAlgorithm: new ax.AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
    issuerNameHash: new OctetString(sha1(issuer.fields.subjectDer)),
    issuerKeyHash: new OctetString(sha1(issuer.fields.publicKeyBits)),
    serialNumber: cert.serial.slice().buffer as ArrayBuffer,
  });
}

export interface OcspExpectation {
  certId: ocsp.CertID;
  issuer: TrustAnchor;
  nonce?: Uint8Array | undefined;
  now: number;
  clockSkew: number;
  maxAge: number;
}

/**
 * Checks an OCSP response against what was asked: status → signature by the
 * CA or a responder it authorised → nonce → the asked certificate → freshness.
 */
export function verifyOcspResponse(der: Uint8Array, expect: OcspExpectation): RevocationAnswer {
  try {
    return verifyResponse(der, expect);
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('OCSP response is not valid DER', { cause: e });
  }
}

function verifyResponse(der: Uint8Array, expect: OcspExpectation): RevocationAnswer {
  const outer = expectTlv(der, 0, 0x30, 'OCSPResponse');
  if (outer.end !== der.length) throw new MalformedError('trailing bytes after the OCSP response');
  const [statusT, bytesT] = children(der, outer);
  if (statusT?.tag !== 0x0a || statusT.end - statusT.start !== 1)
    throw new MalformedError('malformed OCSP responseStatus');
  const status = der[statusT.start]!;
  if (status !== 0)
    throw new OcspErrorResponseError(
      `OCSP responder answered ${STATUS_NAMES[status] ?? `status ${status}`}`,
      {
        details: { responseStatus: STATUS_NAMES[status] ?? status },
      },
    );
  if (bytesT?.tag !== 0xa0) throw new MalformedError('successful OCSP response without responseBytes');
  const rb = expectTlv(der, bytesT.start, 0x30, 'ResponseBytes', bytesT.end);
  const [typeT, octetsT] = children(der, rb);
  if (!typeT || decodeOid(der, typeT) !== ocsp.id_pkix_ocsp_basic || octetsT?.tag !== 0x04)
    throw new MalformedError('OCSP response is not id-pkix-ocsp-basic');
  const basic = der.subarray(octetsT.start, octetsT.end);
  const basicT = expectTlv(basic, 0, 0x30, 'BasicOCSPResponse');
  if (basicT.end !== basic.length) throw new MalformedError('trailing bytes in BasicOCSPResponse');
  const [tbsT, algT, sigT, certsT] = children(basic, basicT);
  if (tbsT?.tag !== 0x30 || algT?.tag !== 0x30 || sigT?.tag !== 0x03)
    throw new MalformedError('malformed BasicOCSPResponse');
  const tbs = whole(basic, tbsT);
  const data = AsnConvert.parse(tbs, ocsp.ResponseData);
  const signed = {
    algorithm: decodeOid(basic, readTlv(basic, algT.start, algT.end)),
    tbs,
    signature: basic.subarray(sigT.start + 1, sigT.end),
  };
  const certs =
    certsT?.tag === 0xa0
      ? children(basic, expectTlv(basic, certsT.start, 0x30, 'certs', certsT.end)).map((t) => whole(basic, t))
      : [];
  const signerKey = responderKey(data.responderID, certs, expect);
  if (!verifySigned(signerKey, signed))
    throw new OcspResponseInvalidError('the OCSP response signature does not verify');

  if (expect.nonce) {
    const ext = data.responseExtensions?.find((e) => e.extnID === NONCE_OID);
    const echoed = ext ? nonceValue(new Uint8Array(ext.extnValue.buffer)) : undefined;
    if (!echoed || !bytesEqual(echoed, expect.nonce))
      throw new OcspResponseInvalidError(
        'the OCSP response does not echo our nonce (replayed or cached answer)',
      );
  }
  const single = data.responses.find((r) => sameCertId(r.certID, expect.certId));
  if (!single) throw new OcspResponseInvalidError('the OCSP response is not about the asked certificate');

  const { now, clockSkew, maxAge } = expect;
  const thisUpdate = single.thisUpdate.getTime();
  const nextUpdate = single.nextUpdate?.getTime();
  if (thisUpdate > now + clockSkew) throw new OcspStaleError('the OCSP response is dated in the future');
  if (nextUpdate !== undefined ? nextUpdate < now - clockSkew : thisUpdate < now - maxAge - clockSkew)
    throw new OcspStaleError('the OCSP response is too old');

  const base = {
    source: 'ocsp',
    thisUpdate: single.thisUpdate,
    nextUpdate: single.nextUpdate,
  };
  const cs = single.certStatus;
  if (cs.revoked) {
    return {
      ...base,
      status: 'revoked',
      revokedAt: cs.revoked.revocationTime,
      reasonCode: cs.revoked.revocationReason?.reason,
    };
  }
  if (cs.good !== undefined) return { ...base, status: 'good' };
  throw new RevocationUnknownError('the OCSP responder does not know this certificate (status unknown)');
}

/** The key that must have signed: the issuing CA's, or a responder certificate's that the CA issued for OCSP. */
function responderKey(id: ocsp.ResponderID, certs: Uint8Array[], expect: OcspExpectation): KeyObject {
  const { issuer, now, clockSkew } = expect;
  const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
  const named = (f: X509Fields) =>
    id.byKey
      ? bytesEqual(sha1(f.publicKeyBits), new Uint8Array(id.byKey.buffer))
      : !!id.byName && bytesEqual(new Uint8Array(AsnConvert.serialize(id.byName)), f.subjectDer);
  if (named(issuer.fields)) return issuer.publicKey;
  for (const der of certs) {
    let f: X509Fields;
    try {
      f = decodeX509(der);
    } catch {
      continue;
    }
    if (!named(f)) continue;
    if (
      !bytesEqual(f.issuerDer, issuer.fields.subjectDer) ||
      !verifySigned(issuer.publicKey, {
        algorithm: f.signatureAlgorithm,
        tbs: f.tbs,
        signature: f.signatureValue,
      })
    )
      throw new OcspResponseInvalidError(
        'the OCSP responder certificate was not issued by the certificate’s CA',
      );
    const eku = f.extensions.get(OID.extKeyUsage);
    if (!eku || !decodeExtKeyUsage(eku.value).includes(OID.ocspSigning))
      throw new OcspResponseInvalidError('the OCSP responder certificate is not authorised for OCSP signing');
    if (now + clockSkew < f.notBefore || now - clockSkew > f.notAfter)
      throw new OcspResponseInvalidError('the OCSP responder certificate is not valid now');
    return importRsaKey(f.spki, 'OCSP responder');
  }
  throw new OcspResponseInvalidError('the OCSP response is signed by a responder the CA did not authorise');
}

function nonceValue(extnValue: Uint8Array): Uint8Array {
  const t = readTlv(extnValue, 0);
  return t.tag === 0x04 && t.end === extnValue.length ? extnValue.subarray(t.start, t.end) : extnValue;
}

function sameCertId(a: ocsp.CertID, b: ocsp.CertID): boolean {
  const u = (x: ArrayBuffer | OctetString) => new Uint8Array(x instanceof OctetString ? x.buffer : x);
  const strip = (s: Uint8Array) => (s.length > 1 && s[0] === 0 ? s.subarray(1) : s);
  return (
    a.hashAlgorithm.algorithm === b.hashAlgorithm.algorithm &&
    bytesEqual(u(a.issuerNameHash), u(b.issuerNameHash)) &&
    bytesEqual(u(a.issuerKeyHash), u(b.issuerKeyHash)) &&
    bytesEqual(strip(u(a.serialNumber)), strip(u(b.serialNumber)))
  );
}
