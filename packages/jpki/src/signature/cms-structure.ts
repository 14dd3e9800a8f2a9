import { children, decodeOid, expectTlv, readTlv, type Tlv, whole } from '../encoding/der.ts';
import { fromPem } from '../encoding/pem.ts';
import { JpkiError, MalformedError, UnsupportedError } from '../errors.ts';
import { OID } from '../profile/oids.ts';
import { HASH_OIDS, type HashAlgorithm } from './digest-info.ts';

/** Object identifiers of CMS (RFC 5652) and CAdES (ETSI EN 319 122) used here. */
export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
} as const;

const SIGNATURE_ALGORITHMS: Readonly<Record<string, HashAlgorithm | 'any'>> = {
  [OID.rsaEncryption]: 'any',
  [OID.sha256WithRSAEncryption]: 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

export function hashOfOid(oid: string): HashAlgorithm {
  const h = (Object.keys(HASH_OIDS) as HashAlgorithm[]).find((k) => HASH_OIDS[k] === oid);
  if (!h) throw new UnsupportedError(`digest algorithm ${oid} is not supported (SHA-256/384/512 only)`);
  return h;
}

export interface SignerInfoFields {
  /** issuerAndSerialNumber: issuer Name DER and serial INTEGER content */
  issuerDer?: Uint8Array | undefined;
  serial?: Uint8Array | undefined;
  /** subjectKeyIdentifier form */
  keyId?: Uint8Array | undefined;
  hash: HashAlgorithm;
  /** the signed attributes re-tagged as SET OF (the bytes the signature covers) */
  signedAttrs?: Uint8Array | undefined;
  /** attribute OID → the element(s) of its value SET, views into `signedAttrs` */
  attributes: Map<string, Tlv[]>;
  signature: Uint8Array;
}

export interface SignedDataFields {
  contentType: string;
  /** the encapsulated content (absent when detached) */
  content?: Uint8Array | undefined;
  certificates: Uint8Array[];
  signer: SignerInfoFields;
}

/** Decodes a CMS ContentInfo holding SignedData (DER, or PEM "CMS"/"PKCS7"), with exactly one signer. */
export function decodeSignedData(input: Uint8Array | string): SignedDataFields {
  const der = typeof input === 'string' ? (fromPem(input)[0] ?? new Uint8Array()) : input;
  try {
    return decode(der);
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('CMS is not valid DER', { cause: e });
  }
}

function decode(der: Uint8Array): SignedDataFields {
  if (!(der instanceof Uint8Array)) throw new MalformedError('CMS must be bytes or PEM text');
  const ci = expectTlv(der, 0, 0x30, 'ContentInfo');
  if (ci.end !== der.length) throw new MalformedError('trailing bytes after the CMS');
  const [typeT, explicitT] = children(der, ci);
  if (!typeT || decodeOid(der, typeT) !== CMS_OID.signedData)
    throw new MalformedError('CMS is not SignedData');
  if (explicitT?.tag !== 0xa0) throw new MalformedError('SignedData content missing');
  const sd = expectTlv(der, explicitT.start, 0x30, 'SignedData', explicitT.end);
  const parts = children(der, sd);
  const [versionT, , encapT] = parts;
  if (versionT?.tag !== 0x02 || encapT?.tag !== 0x30) throw new MalformedError('malformed SignedData');
  const [eTypeT, eContentT] = children(der, encapT);
  if (!eTypeT) throw new MalformedError('malformed EncapsulatedContentInfo');
  let content: Uint8Array | undefined;
  if (eContentT) {
    if (eContentT.tag !== 0xa0) throw new MalformedError('malformed eContent');
    const os = readTlv(der, eContentT.start, eContentT.end);
    if (os.tag !== 0x04) throw new UnsupportedError('eContent must be a primitive OCTET STRING (DER)');
    content = der.subarray(os.start, os.end);
  }
  const certificates: Uint8Array[] = [];
  let signerInfosT: Tlv | undefined;
  for (const t of parts.slice(3)) {
    if (t.tag === 0xa0)
      for (const c of children(der, t)) if (c.tag === 0x30) certificates.push(whole(der, c));
    if (t.tag === 0x31) signerInfosT = t;
  }
  if (!signerInfosT) throw new MalformedError('SignedData has no signerInfos');
  const signerInfos = children(der, signerInfosT);
  if (signerInfos.length === 0) throw new MalformedError('SignedData has no signer');
  if (signerInfos.length > 1) throw new UnsupportedError('only CMS with one signer is supported');
  return {
    contentType: decodeOid(der, eTypeT),
    content,
    certificates,
    signer: signerInfo(der, signerInfos[0]!),
  };
}

function signerInfo(der: Uint8Array, si: Tlv): SignerInfoFields {
  if (si.tag !== 0x30) throw new MalformedError('SignerInfo must be a SEQUENCE');
  const f = children(der, si);
  const [versionT, sidT, digestAlgT, ...rest] = f;
  if (versionT?.tag !== 0x02 || !sidT || digestAlgT?.tag !== 0x30)
    throw new MalformedError('malformed SignerInfo');
  const out: Partial<SignerInfoFields> = {};
  if (sidT.tag === 0x30) {
    const [issuerT, serialT] = children(der, sidT);
    if (issuerT?.tag !== 0x30 || serialT?.tag !== 0x02)
      throw new MalformedError('malformed IssuerAndSerialNumber');
    out.issuerDer = whole(der, issuerT);
    out.serial = der.subarray(serialT.start, serialT.end);
  } else if (sidT.tag === 0x80) out.keyId = der.subarray(sidT.start, sidT.end);
  else throw new MalformedError('malformed SignerIdentifier');
  const hash = hashOfOid(decodeOid(der, readTlv(der, digestAlgT.start, digestAlgT.end)));

  let i = 0;
  const attributes = new Map<string, Tlv[]>();
  let signedAttrs: Uint8Array | undefined;
  if (rest[0]?.tag === 0xa0) {
    const attrsT = rest[i++]!;
    // the signature covers the attributes encoded as SET OF (tag 0x31), not [0]
    signedAttrs = new Uint8Array(whole(der, attrsT));
    signedAttrs[0] = 0x31;
    const view = expectTlv(signedAttrs, 0, 0x31, 'signedAttrs');
    for (const a of children(signedAttrs, view)) {
      const [oidT, valuesT] = children(signedAttrs, a);
      if (a.tag !== 0x30 || !oidT || valuesT?.tag !== 0x31) throw new MalformedError('malformed Attribute');
      const oid = decodeOid(signedAttrs, oidT);
      if (attributes.has(oid)) throw new MalformedError(`signed attribute ${oid} appears twice`);
      attributes.set(oid, children(signedAttrs, valuesT));
    }
  }
  const sigAlgT = rest[i++];
  const sigT = rest[i++];
  if (sigAlgT?.tag !== 0x30 || sigT?.tag !== 0x04) throw new MalformedError('malformed SignerInfo signature');
  const sigAlg = SIGNATURE_ALGORITHMS[decodeOid(der, readTlv(der, sigAlgT.start, sigAlgT.end))];
  if (!sigAlg || (sigAlg !== 'any' && sigAlg !== hash))
    throw new UnsupportedError('the signature algorithm must be RSA PKCS#1 v1.5 with the digest algorithm');
  return { ...out, hash, signedAttrs, attributes, signature: der.subarray(sigT.start, sigT.end) };
}
