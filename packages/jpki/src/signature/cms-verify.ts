import { createHash } from 'node:crypto';
import { type CertificateInput, certificateDer } from '../certificate/parse.ts';
import { decodeSubjectKeyId, decodeX509, issuerAndSerial } from '../certificate/x509.ts';
import {
  bytesEqual,
  children,
  decodeOid,
  decodeTime,
  expectTlv,
  readTlv,
  type Tlv,
} from '../encoding/der.ts';
import { BadSignatureError, JpkiError, MalformedError } from '../errors.ts';
import { OID } from '../profile/oids.ts';
import { CMS_OID, decodeSignedData, hashOfOid, type SignedDataFields } from './cms-structure.ts';
import { encodeDigestInfo, type HashAlgorithm } from './digest-info.ts';
import { hashBytes } from './pkcs1.ts';
import {
  type SignatureResult,
  type SignedForm,
  type VerifySignatureOptions,
  verifySigner,
} from './signer.ts';

export interface CmsInput {
  /** ContentInfo(SignedData), DER or PEM */
  cms: Uint8Array | string;
  /** the signed content, for a detached CMS (or to check an attached one against) */
  content?: Uint8Array | undefined;
  /** instead of the content: its digest under the CMS's digest algorithm */
  digest?: Uint8Array | undefined;
  /** the signer certificate, when the CMS does not carry it */
  certificate?: CertificateInput | undefined;
}

export interface CmsResult extends SignatureResult {
  /** the encapsulated content of an attached CMS */
  content?: Uint8Array | undefined;
  contentType: string;
  /** true when the signed attributes carry the CAdES signing-certificate(-v2) binding */
  cades: boolean;
}

/**
 * Verifies CMS SignedData made with a signature certificate, attached or
 * detached, with or without (CAdES-BES) signed attributes: structure → content
 * digest → signer certificate (profile, purpose, chain, validity) → signature →
 * revocation. Returns the signer's 4 items and the signing time.
 */
export async function verifyCms(input: CmsInput, options: VerifySignatureOptions): Promise<CmsResult> {
  if (!input) throw new MalformedError('nothing to verify');
  const sd = decodeSignedData(input.cms);
  const { signer } = sd;
  const contentDigest = digestOfContent(sd, input);
  const certificate = signerCertificate(sd, input.certificate);

  let signed: SignedForm;
  let signingTime: Date | undefined;
  let cades = false;
  if (signer.signedAttrs) {
    const one = (oid: string, what: string): Tlv => {
      const values = signer.attributes.get(oid);
      if (values?.length !== 1) throw new MalformedError(`signed attributes need exactly one ${what}`);
      return values[0]!;
    };
    const attrs = signer.signedAttrs;
    if (decodeOid(attrs, one(CMS_OID.contentType, 'content-type')) !== sd.contentType)
      throw new BadSignatureError('the signed content-type differs from the content');
    const md = one(CMS_OID.messageDigest, 'message-digest');
    if (md.tag !== 0x04 || !bytesEqual(attrs.subarray(md.start, md.end), contentDigest))
      throw new BadSignatureError('the signed message digest does not match the content');
    if (signer.attributes.has(CMS_OID.signingTime))
      signingTime = new Date(decodeTime(attrs, one(CMS_OID.signingTime, 'signing-time')));
    cades = checkSigningCertificate(sd, certificate);
    signed = { data: attrs };
  } else {
    if (sd.contentType !== CMS_OID.data)
      throw new MalformedError('without signed attributes the content must be id-data');
    signed = { digestInfo: encodeDigestInfo(signer.hash, contentDigest) };
  }
  const result = await verifySigner(certificate, signed, signer.signature, signer.hash, options, signingTime);
  return { ...result, content: sd.content, contentType: sd.contentType, cades };
}

function digestOfContent(sd: SignedDataFields, input: CmsInput): Uint8Array {
  const hash: HashAlgorithm = sd.signer.hash;
  if (input.content !== undefined && !(input.content instanceof Uint8Array))
    throw new MalformedError('content must be bytes');
  if (sd.content && input.content && !bytesEqual(sd.content, input.content))
    throw new BadSignatureError('the given content differs from the content inside the CMS');
  const content = sd.content ?? input.content;
  if (content) return hashBytes(hash, content);
  if (input.digest instanceof Uint8Array) {
    if (input.digest.length !== hashBytes(hash, new Uint8Array()).length)
      throw new MalformedError(`the digest must be a ${hash} digest`);
    return input.digest;
  }
  throw new MalformedError('a detached CMS needs the signed content or its digest');
}

/** The certificate the SignerInfo names, from the CMS or the caller. */
function signerCertificate(sd: SignedDataFields, given: CertificateInput | undefined): CertificateInput {
  const { signer } = sd;
  for (const der of sd.certificates) {
    try {
      if (signer.serial && signer.issuerDer) {
        const c = issuerAndSerial(der);
        if (bytesEqual(c.serial, signer.serial) && bytesEqual(c.issuerDer, signer.issuerDer)) return der;
      } else if (signer.keyId) {
        const ski = decodeX509(der).extensions.get(OID.subjectKeyIdentifier);
        if (ski && bytesEqual(decodeSubjectKeyId(ski.value), signer.keyId)) return der;
      }
    } catch {
      // other certificates in the bag do not concern us; the signer's is checked when validated
    }
  }
  if (given !== undefined) return given;
  throw new MalformedError('the CMS does not carry its signer certificate; pass it as `certificate`');
}

/**
 * CAdES signing-certificate(-v2): the hash of the signer certificate is signed,
 * so the certificate cannot be swapped for another with the same key.
 */
function checkSigningCertificate(sd: SignedDataFields, certificate: CertificateInput): boolean {
  const attrs = sd.signer.signedAttrs!;
  const v2 = sd.signer.attributes.get(CMS_OID.signingCertificateV2)?.[0];
  const value = v2 ?? sd.signer.attributes.get(CMS_OID.signingCertificate)?.[0];
  if (!value) return false;
  try {
    // SigningCertificate(V2) { certs SEQUENCE OF ESSCertID(v2) { [hashAlgorithm,] certHash, … }, … }
    const certs = expectTlv(attrs, value.start, 0x30, 'certs', value.end);
    const essCertId = readTlv(attrs, certs.start, certs.end);
    const [first, second] = children(attrs, essCertId);
    let hash: string = v2 ? 'sha256' : 'sha1';
    let certHashT = first;
    if (v2 && first?.tag === 0x30) {
      hash = hashOfOid(decodeOid(attrs, readTlv(attrs, first.start, first.end)));
      certHashT = second;
    }
    if (certHashT?.tag !== 0x04) throw new MalformedError('malformed ESSCertID');
    const expected = createHash(hash).update(certificateDer(certificate)).digest();
    if (!bytesEqual(attrs.subarray(certHashT.start, certHashT.end), new Uint8Array(expected)))
      throw new BadSignatureError('the signed signing-certificate attribute names another certificate');
    return true;
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('malformed signing-certificate attribute', { cause: e });
  }
}
