import { createHash, type KeyObject, sign } from 'node:crypto';
import { type DistinguishedName, OID } from '@honnin/jpki/profile';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import * as ax from '@peculiar/asn1-x509';

/**
 * Builds and signs X.509 structures with @peculiar/asn1-x509 and Node's RSA.
 * Only the JPKI profile's needs are covered: names, the handful of extensions
 * J-LIS puts in its certificates, sha256WithRSAEncryption.
 */

const ATTR_OID: Record<DistinguishedName[number][0], string> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
};
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function toAsnName(dn: DistinguishedName): ax.Name {
  return new ax.Name(
    dn.map(
      ([type, value]) =>
        new ax.RelativeDistinguishedName([
          new ax.AttributeTypeAndValue({
            type: ATTR_OID[type],
            // ASCII-only values as PrintableString (C must be), others UTF8String
            value: new ax.AttributeValue(
              type === 'C' || PRINTABLE.test(value) ? { printableString: value } : { utf8String: value },
            ),
          }),
        ]),
    ),
  );
}

export function nameDer(dn: DistinguishedName): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(toAsnName(dn)));
}

export const sha256WithRSA = () =>
  new ax.AlgorithmIdentifier({ algorithm: OID.sha256WithRSAEncryption, parameters: null });

/** Key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 method 1). */
export function keyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const spki = AsnConvert.parse(spkiDer, ax.SubjectPublicKeyInfo);
  return new Uint8Array(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

function ext(extnID: string, critical: boolean, value: unknown): ax.Extension {
  return new ax.Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

export const extensions = {
  keyUsage(flags: number): ax.Extension {
    return ext(OID.keyUsage, true, new ax.KeyUsage(flags));
  },
  basicConstraints(cA: boolean, pathLenConstraint?: number): ax.Extension {
    return ext(
      OID.basicConstraints,
      true,
      new ax.BasicConstraints(pathLenConstraint === undefined ? { cA } : { cA, pathLenConstraint }),
    );
  },
  policies(oids: string[]): ax.Extension {
    return ext(
      OID.certificatePolicies,
      false,
      new ax.CertificatePolicies(oids.map((o) => new ax.PolicyInformation({ policyIdentifier: o }))),
    );
  },
  subjectAltNameDer(der: Uint8Array): ax.Extension {
    return new ax.Extension({ extnID: OID.subjectAltName, critical: false, extnValue: new OctetString(der) });
  },
  subjectAltNameDirectory(dn: DistinguishedName): ax.Extension {
    return ext(
      OID.subjectAltName,
      false,
      new ax.GeneralNames([new ax.GeneralName({ directoryName: toAsnName(dn) })]),
    );
  },
  crlDistributionPoint(dn: DistinguishedName): ax.Extension {
    return ext(
      OID.crlDistributionPoints,
      false,
      new ax.CRLDistributionPoints([
        new ax.DistributionPoint({
          distributionPoint: new ax.DistributionPointName({
            fullName: [new ax.GeneralName({ directoryName: toAsnName(dn) })],
          }),
        }),
      ]),
    );
  },
  subjectKeyIdentifier(spkiDer: Uint8Array): ax.Extension {
    return ext(OID.subjectKeyIdentifier, false, new ax.SubjectKeyIdentifier(keyIdentifier(spkiDer)));
  },
  authorityKeyIdentifier(issuerSpkiDer: Uint8Array): ax.Extension {
    return ext(
      OID.authorityKeyIdentifier,
      false,
      new ax.AuthorityKeyIdentifier({ keyIdentifier: new ax.KeyIdentifier(keyIdentifier(issuerSpkiDer)) }),
    );
  },
  extKeyUsage(oids: string[]): ax.Extension {
    return ext(OID.extKeyUsage, false, new ax.ExtendedKeyUsage(oids));
  },
  /** id-pkix-ocsp-nocheck: a delegated OCSP responder's own status is not checked */
  ocspNoCheck(): ax.Extension {
    return new ax.Extension({
      extnID: OID.ocspNoCheck,
      critical: false,
      extnValue: new OctetString(new Uint8Array([0x05, 0x00])),
    });
  },
};

export const KeyUsage = ax.KeyUsageFlags;

export interface CertificateTemplate {
  /** positive serial as hex (no sign byte needed) */
  serialHex: string;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  spkiDer: Uint8Array;
  extensions: ax.Extension[];
}

/** DER INTEGER content for a positive serial given as hex. */
export function serialBytes(serialHex: string): Uint8Array {
  let hex = serialHex.replace(/^0+(?=.)/, '');
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0]! & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes);
}

/** Signs a certificate with the issuer's RSA key (sha256WithRSAEncryption); returns DER. */
export function signCertificate(t: CertificateTemplate, issuerKey: KeyObject): Uint8Array {
  const tbs = new ax.TBSCertificate({
    version: ax.Version.v3,
    serialNumber: serialBytes(t.serialHex).buffer as ArrayBuffer,
    signature: sha256WithRSA(),
    issuer: toAsnName(t.issuer),
    // asn1-x509 picks UTCTime through 2049 and GeneralizedTime after, as RFC 5280 wants
    validity: new ax.Validity({ notBefore: t.notBefore, notAfter: t.notAfter }),
    subject: toAsnName(t.subject),
    subjectPublicKeyInfo: AsnConvert.parse(t.spkiDer, ax.SubjectPublicKeyInfo),
    extensions: new ax.Extensions(t.extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = sign('sha256', tbsDer, issuerKey);
  const cert = new ax.Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: sha256WithRSA(),
    signatureValue: new Uint8Array(signature).buffer as ArrayBuffer,
  });
  return new Uint8Array(AsnConvert.serialize(cert));
}
