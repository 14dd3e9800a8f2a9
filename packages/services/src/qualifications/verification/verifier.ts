import { X509Certificate } from 'node:crypto';
import { HonninError } from '@honnin/runtime';
import {
  decodeBase64Loose,
  decodePayload,
  openRecord,
  type QualificationRecord,
  RecordError,
  type RecordProblem,
  verifyRecordSignature,
} from '../certificate/record.ts';
import type { CertificateStatus } from '../registry/certificates.ts';
import type { CrlChecker } from './revocation.ts';

/**
 * Why a presented certificate is 「無効です」. Every way the input can be wrong
 * ends in one of these; none of them is an error page.
 */
export type InvalidReason =
  | 'empty'
  | 'not_our_qr'
  | 'not_base64'
  | RecordProblem
  | 'unknown_key_id'
  | 'signer_untrusted'
  | 'signer_expired'
  | 'signer_revoked'
  | 'unknown_certificate'
  | Exclude<CertificateStatus, 'valid'>
  | 'registry_unavailable'
  | 'ca_unavailable';

export type Verification =
  | { valid: true; keyId: string; record: QualificationRecord }
  | {
      valid: false;
      reason: InvalidReason;
      keyId?: string;
      record?: QualificationRecord;
      replacedBy?: string;
    };

/** What the verifier asks of the qualification system. */
export interface RegistryClient {
  /** the official-status certificate (DER) of a key id; undefined when unknown */
  signingCertificate(keyId: string): Promise<Uint8Array | undefined>;
  /** a certificate's status; undefined when the registry does not know the id */
  status(
    certificateId: string,
  ): Promise<{ status: CertificateStatus; replacedBy: string | null } | undefined>;
}

/** The registry's public API over HTTP. Signing certificates never change, so they are kept. */
export function httpRegistryClient(baseUrl: string, fetchFn: typeof fetch = fetch): RegistryClient {
  const certs = new Map<string, Uint8Array>();
  const get = async (path: string) => {
    try {
      return await fetchFn(`${baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new HonninError('registry_unavailable', `registry unreachable: ${(e as Error).message}`, {
        status: 502,
        cause: e,
      });
    }
  };
  return {
    async signingCertificate(keyId) {
      const cached = certs.get(keyId);
      if (cached) return cached;
      const res = await get(`/api/v1/signing-keys/${encodeURIComponent(keyId)}/certificate`);
      if (res.status === 404) return undefined;
      if (!res.ok)
        throw new HonninError('registry_unavailable', `registry answered ${res.status}`, { status: 502 });
      const der = new Uint8Array(await res.arrayBuffer());
      certs.set(keyId, der);
      return der;
    },
    async status(certificateId) {
      const res = await get(`/api/v1/certificates/${encodeURIComponent(certificateId)}/status`);
      if (res.status === 404) return undefined;
      if (!res.ok)
        throw new HonninError('registry_unavailable', `registry answered ${res.status}`, { status: 502 });
      return (await res.json()) as { status: CertificateStatus; replacedBy: string | null };
    },
  };
}

/**
 * Takes what the QR held — the full URL `…/w/?c=<base64>` or the base64 alone —
 * and returns the record bytes, or the reason they cannot be had.
 */
export function extractRecordBytes(input: string): Uint8Array | InvalidReason {
  const text = input.trim();
  if (!text) return 'empty';
  let data = text;
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return 'not_our_qr';
    }
    const c = url.searchParams.get('c');
    if (!/^\/w\/?$/.test(url.pathname) || !c) return 'not_our_qr';
    data = c;
  }
  return decodeBase64Loose(data) ?? 'not_base64';
}

/**
 * The checks of the verification page (seed 004): the record is untampered
 * (signature by a key the official-status CA certified), its signing
 * certificate is not revoked (asked of the CA), and the certificate is neither
 * revoked, suspended, deleted nor replaced (asked of the registry).
 */
export class CertificateVerifier {
  readonly #registry: RegistryClient;
  readonly #crl: CrlChecker;
  readonly #root: X509Certificate;
  readonly #now: () => Date;
  readonly #signers = new Map<string, X509Certificate>();

  constructor(opts: { registry: RegistryClient; crl: CrlChecker; rootDer: Uint8Array; now?: () => Date }) {
    this.#registry = opts.registry;
    this.#crl = opts.crl;
    this.#root = new X509Certificate(opts.rootDer);
    this.#now = opts.now ?? (() => new Date());
  }

  async verify(input: string): Promise<Verification> {
    const bytes = extractRecordBytes(input);
    if (!(bytes instanceof Uint8Array)) return { valid: false, reason: bytes };
    return this.verifyBytes(bytes);
  }

  async verifyBytes(bytes: Uint8Array): Promise<Verification> {
    let opened: ReturnType<typeof openRecord>;
    try {
      opened = openRecord(bytes);
    } catch (e) {
      if (e instanceof RecordError) return { valid: false, reason: e.problem };
      throw e;
    }
    const keyId = opened.keyId;
    const signer = await this.#signer(keyId);
    if (typeof signer === 'string') return { valid: false, reason: signer, keyId };
    if (!verifyRecordSignature(opened, signer.publicKey))
      return { valid: false, reason: 'signature_invalid', keyId };
    let record: QualificationRecord;
    try {
      record = decodePayload(opened.payload);
    } catch (e) {
      if (e instanceof RecordError) return { valid: false, reason: e.problem, keyId };
      throw e;
    }
    const now = this.#now().getTime();
    if (now < Date.parse(signer.validFrom) || now > Date.parse(signer.validTo)) {
      return { valid: false, reason: 'signer_expired', keyId, record };
    }
    try {
      if (await this.#crl.isRevoked(signer)) return { valid: false, reason: 'signer_revoked', keyId, record };
    } catch (e) {
      if (e instanceof HonninError) return { valid: false, reason: 'ca_unavailable', keyId, record };
      throw e;
    }
    let status: Awaited<ReturnType<RegistryClient['status']>>;
    try {
      status = await this.#registry.status(record.certificateId);
    } catch (e) {
      if (e instanceof HonninError) return { valid: false, reason: 'registry_unavailable', keyId, record };
      throw e;
    }
    if (!status) return { valid: false, reason: 'unknown_certificate', keyId, record };
    if (status.status !== 'valid') {
      return {
        valid: false,
        reason: status.status,
        keyId,
        record,
        ...(status.replacedBy ? { replacedBy: status.replacedBy } : {}),
      };
    }
    return { valid: true, keyId, record };
  }

  /** The signing certificate of a key id, checked to be issued by the trusted root. */
  async #signer(keyId: string): Promise<X509Certificate | InvalidReason> {
    const known = this.#signers.get(keyId);
    if (known) return known;
    let der: Uint8Array | undefined;
    try {
      der = await this.#registry.signingCertificate(keyId);
    } catch (e) {
      if (e instanceof HonninError) return 'registry_unavailable';
      throw e;
    }
    if (!der) return 'unknown_key_id';
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch {
      return 'signer_untrusted';
    }
    if (!cert.checkIssued(this.#root) || !cert.verify(this.#root.publicKey)) return 'signer_untrusted';
    this.#signers.set(keyId, cert);
    return cert;
  }
}
