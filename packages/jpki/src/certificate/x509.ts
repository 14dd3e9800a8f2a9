import {
  children,
  decodeOid,
  decodeString,
  decodeTime,
  expectTlv,
  readTlv,
  type Tlv,
  whole,
} from '../encoding/der.ts';
import { MalformedError } from '../errors.ts';

/**
 * A certificate's fields, decoded straight from DER with no schema library: a
 * login verifies one certificate per request, and a schema decoder costs ~30×
 * the RSA verification itself. Values are views into the given bytes.
 */
export interface X509Fields {
  der: Uint8Array;
  /** tbsCertificate, exactly as signed */
  tbs: Uint8Array;
  /** INTEGER content octets of the serial */
  serial: Uint8Array;
  /** DER of the issuer / subject Name (for byte comparison) */
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  issuer: Attribute[];
  subject: Attribute[];
  notBefore: number;
  notAfter: number;
  spki: Uint8Array;
  /** the subjectPublicKey BIT STRING content (without the unused-bits octet) */
  publicKeyBits: Uint8Array;
  spkiAlgorithm: string;
  signatureAlgorithm: string;
  signatureValue: Uint8Array;
  extensions: Map<string, { critical: boolean; value: Uint8Array }>;
}

export type Attribute = readonly [type: string, value: string];

const SHORT: Record<string, string> = {
  '2.5.4.6': 'C',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'serialNumber',
};

export function decodeName(bytes: Uint8Array, name: Tlv): Attribute[] {
  if (name.tag !== 0x30) throw new MalformedError('a Name must be a SEQUENCE');
  const out: Attribute[] = [];
  for (const rdn of children(bytes, name)) {
    if (rdn.tag !== 0x31) throw new MalformedError('an RDN must be a SET');
    for (const atv of children(bytes, rdn)) {
      const [type, value] = children(bytes, atv);
      if (atv.tag !== 0x30 || !type || !value) throw new MalformedError('malformed AttributeTypeAndValue');
      const oid = decodeOid(bytes, type);
      out.push([SHORT[oid] ?? oid, decodeString(bytes, value)]);
    }
  }
  return out;
}

/** RFC 4514-style text, most significant first (as OpenSSL's -nameopt RFC2253 reversed). */
export function nameToString(name: readonly Attribute[]): string {
  return name.map(([t, v]) => `${t}=${v.replace(/([,+"\\<>;=])/g, '\\$1')}`).join(', ');
}

function algorithmOid(bytes: Uint8Array, t: Tlv): string {
  if (t.tag !== 0x30) throw new MalformedError('an AlgorithmIdentifier must be a SEQUENCE');
  return decodeOid(bytes, readTlv(bytes, t.start, t.end));
}

/** BIT STRING content without the unused-bits octet (which must be 0 for keys and signatures). */
export function bitStringBytes(bytes: Uint8Array, t: Tlv): Uint8Array {
  if (t.tag !== 0x03 || t.end === t.start) throw new MalformedError('expected a BIT STRING');
  return bytes.subarray(t.start + 1, t.end);
}

export function decodeX509(der: Uint8Array): X509Fields {
  const cert = expectTlv(der, 0, 0x30, 'Certificate');
  if (cert.end !== der.length) throw new MalformedError('trailing bytes after the certificate');
  const [tbsT, sigAlgT, sigT, ...rest] = children(der, cert);
  if (!tbsT || !sigAlgT || !sigT || rest.length) throw new MalformedError('a Certificate has 3 elements');
  if (tbsT.tag !== 0x30) throw new MalformedError('tbsCertificate must be a SEQUENCE');
  const f = children(der, tbsT);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++; // [0] version
  const [serialT, innerAlgT, issuerT, validityT, subjectT, spkiT] = f.slice(i, i + 6);
  if (!serialT || !innerAlgT || !issuerT || !validityT || !subjectT || !spkiT)
    throw new MalformedError('tbsCertificate lacks fields');
  if (serialT.tag !== 0x02 || serialT.end === serialT.start)
    throw new MalformedError('serial must be an INTEGER');
  const signatureAlgorithm = algorithmOid(der, sigAlgT);
  if (algorithmOid(der, innerAlgT) !== signatureAlgorithm)
    throw new MalformedError('signature algorithms inside and outside the TBS differ');
  const [nb, na] = children(der, validityT);
  if (validityT.tag !== 0x30 || !nb || !na) throw new MalformedError('malformed validity');
  if (spkiT.tag !== 0x30) throw new MalformedError('subjectPublicKeyInfo must be a SEQUENCE');
  const [spkiAlgT, keyT] = children(der, spkiT);
  if (!spkiAlgT || !keyT) throw new MalformedError('malformed subjectPublicKeyInfo');

  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  for (const t of f.slice(i + 6)) {
    if (t.tag === 0x81 || t.tag === 0x82) continue; // issuer/subject unique IDs
    if (t.tag !== 0xa3) throw new MalformedError('unexpected field in tbsCertificate');
    const list = expectTlv(der, t.start, 0x30, 'Extensions', t.end);
    for (const e of children(der, list)) {
      const parts = children(der, e);
      const oid = decodeOid(der, parts[0] ?? e);
      const critical = parts.length === 3 && parts[1]!.tag === 0x01 && der[parts[1]!.start] !== 0;
      const valueT = parts[parts.length - 1]!;
      if (e.tag !== 0x30 || parts.length < 2 || valueT.tag !== 0x04)
        throw new MalformedError('malformed Extension');
      if (extensions.has(oid)) throw new MalformedError(`extension ${oid} appears twice`);
      extensions.set(oid, { critical, value: der.subarray(valueT.start, valueT.end) });
    }
  }
  return {
    der,
    tbs: whole(der, tbsT),
    serial: der.subarray(serialT.start, serialT.end),
    issuerDer: whole(der, issuerT),
    subjectDer: whole(der, subjectT),
    issuer: decodeName(der, issuerT),
    subject: decodeName(der, subjectT),
    notBefore: decodeTime(der, nb),
    notAfter: decodeTime(der, na),
    spki: whole(der, spkiT),
    publicKeyBits: bitStringBytes(der, keyT),
    spkiAlgorithm: algorithmOid(der, spkiAlgT),
    signatureAlgorithm,
    signatureValue: bitStringBytes(der, sigT),
    extensions,
  };
}

/** A certificate's issuer Name DER and serial content, without decoding the rest (CMS signer lookup). */
export function issuerAndSerial(der: Uint8Array): { issuerDer: Uint8Array; serial: Uint8Array } {
  const cert = expectTlv(der, 0, 0x30, 'Certificate');
  const tbs = expectTlv(der, cert.start, 0x30, 'tbsCertificate', cert.end);
  let t = readTlv(der, tbs.start, tbs.end);
  if (t.tag === 0xa0) t = readTlv(der, t.end, tbs.end);
  const serial = t;
  const alg = readTlv(der, serial.end, tbs.end);
  const issuer = readTlv(der, alg.end, tbs.end);
  if (serial.tag !== 0x02 || issuer.tag !== 0x30) throw new MalformedError('malformed tbsCertificate');
  return { issuerDer: whole(der, issuer), serial: der.subarray(serial.start, serial.end) };
}

/** KeyUsage bits (RFC 5280 numbering: 0 digitalSignature, 1 nonRepudiation, 5 keyCertSign, 6 cRLSign). */
export function decodeKeyUsage(value: Uint8Array): Set<number> {
  const t = expectTlv(value, 0, 0x03, 'KeyUsage');
  const bits = new Set<number>();
  for (let i = t.start + 1; i < t.end; i++) {
    for (let b = 0; b < 8; b++) if (value[i]! & (0x80 >> b)) bits.add((i - t.start - 1) * 8 + b);
  }
  return bits;
}

/** The policy identifiers of a certificatePolicies extension. */
export function decodePolicies(value: Uint8Array): string[] {
  const seq = expectTlv(value, 0, 0x30, 'certificatePolicies');
  return children(value, seq).map((pi) => {
    if (pi.tag !== 0x30) throw new MalformedError('malformed PolicyInformation');
    return decodeOid(value, readTlv(value, pi.start, pi.end));
  });
}

/** BasicConstraints cA flag. */
export function decodeIsCa(value: Uint8Array): boolean {
  const seq = expectTlv(value, 0, 0x30, 'basicConstraints');
  const first = children(value, seq)[0];
  return first?.tag === 0x01 && value[first.start] !== 0;
}

/** keyIdentifier [0] of an authorityKeyIdentifier. */
export function decodeAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const seq = expectTlv(value, 0, 0x30, 'authorityKeyIdentifier');
  const id = children(value, seq).find((t) => t.tag === 0x80);
  return id ? value.subarray(id.start, id.end) : undefined;
}

/** subjectKeyIdentifier OCTET STRING. */
export function decodeSubjectKeyId(value: Uint8Array): Uint8Array {
  const t = expectTlv(value, 0, 0x04, 'subjectKeyIdentifier');
  return value.subarray(t.start, t.end);
}

/** extKeyUsage purposes. */
export function decodeExtKeyUsage(value: Uint8Array): string[] {
  const seq = expectTlv(value, 0, 0x30, 'extKeyUsage');
  return children(value, seq).map((t) => decodeOid(value, t));
}
