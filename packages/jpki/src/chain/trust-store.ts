import { createHash, type KeyObject } from 'node:crypto';
import { type CertificateInput, decodeCertificateFields, importRsaKey } from '../certificate/parse.ts';
import {
  decodeAuthorityKeyId,
  decodeIsCa,
  decodeKeyUsage,
  decodeSubjectKeyId,
  nameToString,
  type X509Fields,
} from '../certificate/x509.ts';
import { bytesEqual } from '../encoding/der.ts';
import { fromPem } from '../encoding/pem.ts';
import { CertificateNotTrustedError, InvalidOptionsError, type JpkiError } from '../errors.ts';
import { PURPOSE_OU } from '../profile/names.ts';
import { type CertPurpose, OID } from '../profile/oids.ts';
import { type SignedBytes, verifySigned } from '../signature/pkcs1.ts';

/** A JPKI root (one per purpose per CA generation), its key imported once. */
export interface TrustAnchor {
  /** SHA-256 of the DER, hex */
  id: string;
  der: Uint8Array;
  name: string;
  /** which certificates it issues, from its OU (undefined when the name says neither) */
  purpose: CertPurpose | undefined;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  subjectKeyId: Uint8Array | undefined;
  fields: X509Fields;
}

/**
 * The configured trust anchors: every CA generation of both purposes. All
 * generations share one name, so a certificate's issuer is found by its
 * authorityKeyIdentifier and confirmed by the signature — never by name alone.
 */
export class TrustStore {
  readonly anchors: readonly TrustAnchor[];

  constructor(anchors: TrustAnchor[]) {
    if (anchors.length === 0) throw new InvalidOptionsError('at least one trust anchor is needed');
    this.anchors = anchors;
  }

  /** The anchor whose key verifies this certificate's (or CRL's, or OCSP response's) signature. */
  issuerOf(issuerDer: Uint8Array, authorityKeyId: Uint8Array | undefined, signed: SignedBytes): TrustAnchor {
    const named = this.anchors.filter((a) => bytesEqual(a.fields.subjectDer, issuerDer));
    // try the anchor the AKI names first; still verify, and fall back to the others
    if (authorityKeyId)
      named.sort(
        (a, b) => Number(!keyIdMatches(a, authorityKeyId)) - Number(!keyIdMatches(b, authorityKeyId)),
      );
    for (const anchor of named) if (verifySigned(anchor.publicKey, signed)) return anchor;
    throw new CertificateNotTrustedError(
      named.length
        ? 'no trust anchor of that name verifies the signature'
        : 'issued by no configured trust anchor',
    );
  }

  /** The anchor that issued a certificate (whose fields are given). */
  issuerOfCertificate(fields: X509Fields): TrustAnchor {
    const aki = fields.extensions.get(OID.authorityKeyIdentifier);
    return this.issuerOf(fields.issuerDer, aki ? safe(() => decodeAuthorityKeyId(aki.value)) : undefined, {
      algorithm: fields.signatureAlgorithm,
      tbs: fields.tbs,
      signature: fields.signatureValue,
    });
  }

  byId(id: string): TrustAnchor | undefined {
    return this.anchors.find((a) => a.id === id);
  }
}

const keyIdMatches = (a: TrustAnchor, id: Uint8Array) => !!a.subjectKeyId && bytesEqual(a.subjectKeyId, id);

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Reads one trust anchor and checks it is a self-signed RSA CA certificate. */
export function trustAnchor(input: CertificateInput): TrustAnchor {
  let fields: X509Fields;
  try {
    fields = decodeCertificateFields(
      typeof input === 'string' ? (fromPem(input, 'CERTIFICATE')[0] ?? new Uint8Array()) : input,
    );
  } catch (e) {
    throw new InvalidOptionsError('a trust anchor is not a DER or PEM certificate', { cause: e });
  }
  const name = nameToString(fields.subject);
  const fail = (why: string): never => {
    throw new InvalidOptionsError(`trust anchor ${name}: ${why}`);
  };
  let publicKey: KeyObject;
  try {
    publicKey = importRsaKey(fields.spki, 'trust anchor');
  } catch (e) {
    throw new InvalidOptionsError(`trust anchor ${name}: ${(e as JpkiError).message}`, { cause: e });
  }
  const bc = fields.extensions.get(OID.basicConstraints);
  if (!bc || !safe(() => decodeIsCa(bc.value))) fail('not a CA certificate');
  const ku = fields.extensions.get(OID.keyUsage);
  if (ku && !safe(() => decodeKeyUsage(ku.value))?.has(5)) fail('its key usage lacks keyCertSign');
  if (
    !bytesEqual(fields.subjectDer, fields.issuerDer) ||
    !verifySigned(publicKey, {
      algorithm: fields.signatureAlgorithm,
      tbs: fields.tbs,
      signature: fields.signatureValue,
    })
  )
    fail('not a self-signed root');
  const ous = fields.subject.filter(([t]) => t === 'OU').map(([, v]) => v);
  const purpose = (['signature', 'auth'] as const).find((p) => ous.includes(PURPOSE_OU[p]));
  const ski = fields.extensions.get(OID.subjectKeyIdentifier);
  return {
    id: createHash('sha256').update(fields.der).digest('hex'),
    der: fields.der,
    name,
    purpose,
    notBefore: new Date(fields.notBefore),
    notAfter: new Date(fields.notAfter),
    publicKey,
    subjectKeyId: ski ? safe(() => decodeSubjectKeyId(ski.value)) : undefined,
    fields,
  };
}

/** Trust anchors from DER certificates, PEM texts (each may hold several) or both. */
export function createTrustStore(inputs: readonly CertificateInput[] | string): TrustStore {
  const list = typeof inputs === 'string' ? [inputs] : inputs;
  const ders: Uint8Array[] = [];
  for (const i of list) {
    if (typeof i !== 'string') ders.push(i);
    else {
      const blocks = fromPem(i, 'CERTIFICATE');
      if (!blocks.length) throw new InvalidOptionsError('a PEM trust anchor text holds no CERTIFICATE');
      ders.push(...blocks);
    }
  }
  const seen = new Set<string>();
  const anchors = ders.map(trustAnchor).filter((a) => !seen.has(a.id) && !!seen.add(a.id));
  return new TrustStore(anchors);
}
