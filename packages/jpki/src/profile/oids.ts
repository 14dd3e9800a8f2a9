/** Object identifiers of the JPKI certificate profile (pki.md). */
export const OID = {
  // certificate policies
  policySignature: '1.2.392.200149.8.5.1.1.20',
  policyAuth: '1.2.392.200149.8.5.1.3.30',
  policySignatureTest: '1.2.392.200149.8.5.1.0.20',
  // subjectAltName otherName types of the signature certificate
  sanName: '1.2.392.200149.8.5.5.1',
  sanNameFlags: '1.2.392.200149.8.5.5.2',
  sanSex: '1.2.392.200149.8.5.5.3',
  sanBirthDate: '1.2.392.200149.8.5.5.4',
  sanAddress: '1.2.392.200149.8.5.5.5',
  sanAddressFlags: '1.2.392.200149.8.5.5.6',
  // X.509
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
  extKeyUsage: '2.5.29.37',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  ocsp: '1.3.6.1.5.5.7.48.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
} as const;

/** The two purposes of a card's certificates. */
export type CertPurpose = 'signature' | 'auth';

/**
 * Which policy OIDs mark each purpose. Production cards use the first set; the
 * J-LIS test environment uses a test signature policy. No public source names a
 * test authentication policy, so the test set keeps the production one for it.
 */
export interface PolicySet {
  signature: string;
  auth: string;
}
export const PRODUCTION_POLICIES: PolicySet = { signature: OID.policySignature, auth: OID.policyAuth };
export const TEST_POLICIES: PolicySet = { signature: OID.policySignatureTest, auth: OID.policyAuth };
