import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { children, expectTlv, readTlv, serialHex, type Tlv } from '../encoding/der.ts';
import { fromPem } from '../encoding/pem.ts';
import { JpkiError, MalformedError, NotJpkiError, UnsupportedError } from '../errors.ts';
import { BasicInfoError, type DecodedBasicInfo, decodeBasicInfoSan } from '../profile/basic-info.ts';
import { PURPOSE_OU } from '../profile/names.ts';
import { type CertPurpose, OID, type PolicySet, PRODUCTION_POLICIES } from '../profile/oids.ts';
import {
  type Attribute,
  decodeIsCa,
  decodeKeyUsage,
  decodeName,
  decodePolicies,
  decodeX509,
  nameToString,
  type X509Fields,
} from './x509.ts';

/** A JPKI end-entity certificate, decoded and checked against the profile. */
export interface JpkiCertificate {
  der: Uint8Array;
  purpose: CertPurpose;
  /** upper-case hex without leading zeros, as J-LIS writes serials */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  issuer: string;
  subject: string;
  /** the JPKI policy OID that marks the purpose */
  policy: string;
  keyUsage: { digitalSignature: boolean; nonRepudiation: boolean };
  /** 基本4情報 of a signature certificate (absent on auth certificates: they carry none) */
  basicInfo?: DecodedBasicInfo | undefined;
  /** where the CRL for this certificate is published (a directory name in JPKI) */
  crlDistributionPoint?: string | undefined;
  /** SHA-256 of the DER, hex */
  fingerprint: string;
  publicKey: KeyObject;
  /** raw decoded fields (issuer bytes, TBS, extensions) for chain and revocation checks */
  fields: X509Fields;
}

export interface ParseOptions {
  /** the policy OIDs that mark JPKI purposes (default: production) */
  policies?: PolicySet | readonly PolicySet[] | undefined;
}

/** DER bytes, or PEM text with one CERTIFICATE. */
export type CertificateInput = Uint8Array | string;

export function certificateDer(input: CertificateInput): Uint8Array {
  if (typeof input !== 'string') {
    if (!(input instanceof Uint8Array))
      throw new MalformedError('a certificate must be DER bytes or PEM text');
    return input;
  }
  const blocks = fromPem(input, 'CERTIFICATE');
  if (blocks.length !== 1) throw new MalformedError('expected PEM text with exactly one CERTIFICATE');
  return blocks[0]!;
}

/** Decodes DER (throwing only typed errors). */
export function decodeCertificateFields(der: Uint8Array): X509Fields {
  try {
    return decodeX509(der);
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('certificate is not valid DER', { cause: e });
  }
}

export function importRsaKey(spki: Uint8Array, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({
      key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength),
      format: 'der',
      type: 'spki',
    });
  } catch (e) {
    throw new MalformedError(`${what}: the public key cannot be read`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'rsa') throw new UnsupportedError(`${what}: only RSA keys are used in JPKI`);
  return key;
}

const ouOf = (name: readonly Attribute[]) => name.filter(([t]) => t === 'OU').map(([, v]) => v);

/**
 * Parses a JPKI certificate: which kind it is (by policy, confirmed by the
 * issuer's OU), serial, validity and — for a signature certificate — the 4 items
 * from its subjectAltName. Anything else is refused with NotJpkiError.
 */
export function parseCertificate(input: CertificateInput, options: ParseOptions = {}): JpkiCertificate {
  const der = certificateDer(input);
  const fields = decodeCertificateFields(der);
  const sets = options.policies === undefined ? [PRODUCTION_POLICIES] : [options.policies].flat();

  const policiesExt = fields.extensions.get(OID.certificatePolicies);
  const policies = policiesExt ? guarded(() => decodePolicies(policiesExt.value)) : [];
  let purpose: CertPurpose | undefined;
  let policy: string | undefined;
  for (const p of policies) {
    for (const s of sets) {
      if (p === s.signature) [purpose, policy] = ['signature', p];
      else if (p === s.auth) [purpose, policy] = ['auth', p];
    }
  }
  if (!purpose || !policy) throw new NotJpkiError('the certificate carries no JPKI certificate policy');
  if (!ouOf(fields.issuer).includes(PURPOSE_OU[purpose]))
    throw new NotJpkiError(`a ${purpose} certificate must be issued by a "${PURPOSE_OU[purpose]}" CA`);

  const bc = fields.extensions.get(OID.basicConstraints);
  if (bc && guarded(() => decodeIsCa(bc.value)))
    throw new NotJpkiError('a CA certificate is not a card certificate');
  const ku = fields.extensions.get(OID.keyUsage);
  if (!ku) throw new NotJpkiError('JPKI certificates carry a keyUsage extension');
  const bits = guarded(() => decodeKeyUsage(ku.value));
  const keyUsage = { digitalSignature: bits.has(0), nonRepudiation: bits.has(1) };
  if (!keyUsage.digitalSignature) throw new NotJpkiError('the key usage lacks digitalSignature');
  if (fields.signatureAlgorithm !== OID.sha256WithRSAEncryption)
    throw new UnsupportedError('JPKI certificates are signed sha256WithRSAEncryption');

  let basicInfo: DecodedBasicInfo | undefined;
  if (purpose === 'signature') {
    const san = fields.extensions.get(OID.subjectAltName);
    if (!san) throw new NotJpkiError('a signature certificate carries the 4 items in its subjectAltName');
    try {
      basicInfo = decodeBasicInfoSan(san.value);
    } catch (e) {
      if (e instanceof BasicInfoError) throw new NotJpkiError(`subjectAltName: ${e.message}`, { cause: e });
      throw new MalformedError('subjectAltName is not valid DER', { cause: e });
    }
  }
  const dp = fields.extensions.get(OID.crlDistributionPoints);
  return {
    der,
    purpose,
    serial: serialHex(fields.serial),
    notBefore: new Date(fields.notBefore),
    notAfter: new Date(fields.notAfter),
    issuer: nameToString(fields.issuer),
    subject: nameToString(fields.subject),
    policy,
    keyUsage,
    basicInfo,
    crlDistributionPoint: dp ? guarded(() => distributionPointName(dp.value)) : undefined,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    publicKey: importRsaKey(fields.spki, 'certificate'),
    fields,
  };
}

/** The first directoryName of a cRLDistributionPoints extension, as text. */
function distributionPointName(value: Uint8Array): string | undefined {
  const seq = expectTlv(value, 0, 0x30, 'cRLDistributionPoints');
  for (const dp of children(value, seq)) {
    const name = directoryNameOf(value, dp);
    if (name) return name;
  }
  return undefined;
}

/**
 * The directoryName in a DistributionPoint or an IssuingDistributionPoint
 * (both start with distributionPoint [0] { fullName [0] GeneralNames }), as text.
 */
export function directoryNameOf(bytes: Uint8Array, point: Tlv): string | undefined {
  const dpName = children(bytes, point).find((t) => t.tag === 0xa0);
  const fullName = dpName && readTlv(bytes, dpName.start, dpName.end);
  if (fullName?.tag !== 0xa0) return undefined;
  for (const gn of children(bytes, fullName)) {
    if (gn.tag === 0xa4) return nameToString(decodeName(bytes, readTlv(bytes, gn.start, gn.end)));
  }
  return undefined;
}

/** Runs a decoder of extension contents, turning any failure into MalformedError. */
function guarded<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('certificate extension is not valid DER', { cause: e });
  }
}
