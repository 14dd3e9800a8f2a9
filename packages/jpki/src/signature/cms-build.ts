import {
  type CertificateInput,
  certificateDer,
  decodeCertificateFields,
  importRsaKey,
} from '../certificate/parse.ts';
import { oidTlv, setOf, timeTlv, tlv } from '../encoding/der.ts';
import { BadSignatureError, MalformedError } from '../errors.ts';
import { OID } from '../profile/oids.ts';
import { CMS_OID } from './cms-structure.ts';
import { encodeDigestInfo, HASH_OIDS, type HashAlgorithm } from './digest-info.ts';
import { hashBytes, signatureMatches } from './pkcs1.ts';

/**
 * Builds CMS SignedData (RFC 5652) around a signature made by the card, for
 * relying parties that need a container. Two ways:
 * - from a raw signature over the document's DigestInfo: SignedData without
 *   signed attributes;
 * - CAdES-BES: `prepareCadesSignature` gives the signed attributes and the
 *   DigestInfo to have the card sign, then `buildCms` with that signature.
 * The signature is checked against the certificate before anything is built.
 */
export interface CadesPreparation {
  /** DER SET OF Attribute: content-type, signing-time, message-digest, signing-certificate-v2 */
  signedAttributes: Uint8Array;
  /** what the card must sign (SHA of the signed attributes, as DigestInfo) */
  digestInfo: Uint8Array;
  hash: HashAlgorithm;
}

type Content = { content: Uint8Array; digest?: undefined } | { digest: Uint8Array; content?: undefined };

const algorithm = (hash: HashAlgorithm) => tlv(0x30, oidTlv(HASH_OIDS[hash]));
const attribute = (oid: string, value: Uint8Array) => tlv(0x30, oidTlv(oid), tlv(0x31, value));

function contentDigest(c: Content, hash: HashAlgorithm): Uint8Array {
  if (c.content instanceof Uint8Array) return hashBytes(hash, c.content);
  if (c.digest instanceof Uint8Array) {
    if (c.digest.length !== hashBytes(hash, new Uint8Array()).length)
      throw new MalformedError(`the digest must be a ${hash} digest`);
    return c.digest;
  }
  throw new MalformedError('give the content or its digest as bytes');
}

export function prepareCadesSignature(
  opts: Content & {
    certificate: CertificateInput;
    hash?: HashAlgorithm | undefined;
    signingTime?: Date | undefined;
  },
): CadesPreparation {
  const hash = opts.hash ?? 'sha256';
  const der = certificateDer(opts.certificate);
  const cert = decodeCertificateFields(der);
  const signingTime = opts.signingTime ?? new Date();
  // ESSCertIDv2 { certHash (SHA-256, the default algorithm), issuerSerial { GeneralNames { [4] issuer }, serial } }
  const essCertIdV2 = tlv(
    0x30,
    tlv(0x04, hashBytes('sha256', der)),
    tlv(0x30, tlv(0x30, tlv(0xa4, cert.issuerDer)), tlv(0x02, cert.serial)),
  );
  const signedAttributes = setOf([
    attribute(CMS_OID.contentType, oidTlv(CMS_OID.data)),
    attribute(CMS_OID.signingTime, timeTlv(signingTime.getTime())),
    attribute(CMS_OID.messageDigest, tlv(0x04, contentDigest(opts, hash))),
    attribute(CMS_OID.signingCertificateV2, tlv(0x30, tlv(0x30, essCertIdV2))),
  ]);
  return { signedAttributes, digestInfo: encodeDigestInfo(hash, hashBytes(hash, signedAttributes)), hash };
}

export type BuildCmsOptions = {
  /** the raw PKCS#1 v1.5 signature from the card */
  signature: Uint8Array;
  /** the signature certificate */
  certificate: CertificateInput;
  hash?: HashAlgorithm | undefined;
  /** from prepareCadesSignature: the signature is over these (CAdES-BES) */
  signedAttributes?: Uint8Array | undefined;
  /** put the content inside the CMS (default: yes when content is given) */
  attach?: boolean | undefined;
} & (Content | { content?: undefined; digest?: undefined });

/** DER ContentInfo(SignedData) with one signer and its certificate. */
export function buildCms(opts: BuildCmsOptions): Uint8Array {
  const hash = opts.hash ?? 'sha256';
  const der = certificateDer(opts.certificate);
  const cert = decodeCertificateFields(der);
  const signed = opts.signedAttributes ? opts.signedAttributes : contentDigest(opts as Content, hash);
  const digestInfo = encodeDigestInfo(hash, opts.signedAttributes ? hashBytes(hash, signed) : signed);
  if (
    !(opts.signature instanceof Uint8Array) ||
    !signatureMatches(importRsaKey(cert.spki, 'certificate'), digestInfo, opts.signature)
  )
    throw new BadSignatureError('the signature does not verify with this certificate over this content');
  const attach = opts.attach ?? opts.content !== undefined;
  if (attach && !(opts.content instanceof Uint8Array))
    throw new MalformedError('an attached CMS needs the content');

  const signedAttrs = opts.signedAttributes
    ? [tlv(0xa0, opts.signedAttributes.subarray(signedAttributesHeader(opts.signedAttributes)))]
    : [];
  const signerInfo = tlv(
    0x30,
    tlv(0x02, new Uint8Array([1])),
    tlv(0x30, cert.issuerDer, tlv(0x02, cert.serial)),
    algorithm(hash),
    ...signedAttrs,
    tlv(0x30, oidTlv(OID.rsaEncryption), new Uint8Array([0x05, 0x00])),
    tlv(0x04, opts.signature),
  );
  const encap = attach
    ? tlv(0x30, oidTlv(CMS_OID.data), tlv(0xa0, tlv(0x04, opts.content!)))
    : tlv(0x30, oidTlv(CMS_OID.data));
  const signedData = tlv(
    0x30,
    tlv(0x02, new Uint8Array([1])),
    tlv(0x31, algorithm(hash)),
    encap,
    tlv(0xa0, der),
    tlv(0x31, signerInfo),
  );
  return tlv(0x30, oidTlv(CMS_OID.signedData), tlv(0xa0, signedData));
}

/** Length of the SET header, so the attributes can be re-tagged [0] IMPLICIT. */
function signedAttributesHeader(set: Uint8Array): number {
  if (set[0] !== 0x31)
    throw new MalformedError('signedAttributes must be the DER SET from prepareCadesSignature');
  return set[1]! < 0x80 ? 2 : 2 + (set[1]! & 0x7f);
}
