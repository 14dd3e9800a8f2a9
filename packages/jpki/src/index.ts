// The JPKI verification library. Node-only as a whole (node:crypto); the
// browser-safe modules are errors.ts, login/challenge.ts, signature/digest-info.ts
// and profile/ (import them by path: @honnin/jpki/login/challenge, …).
export * from './certificate/parse.ts';
export { type Attribute, nameToString, type X509Fields } from './certificate/x509.ts';
export * from './chain/trust-store.ts';
export * from './chain/validator.ts';
export * from './encoding/pem.ts';
export * from './errors.ts';
export * from './login/challenge.ts';
export * from './login/verify.ts';
export * from './profile/index.ts';
export * from './revocation/crl-index.ts';
export * from './revocation/crl-source.ts';
export * from './revocation/ocsp-client.ts';
export * from './revocation/reasons.ts';
export * from './revocation/source.ts';
export * from './signature/cms-build.ts';
export { CMS_OID, decodeSignedData, type SignedDataFields } from './signature/cms-structure.ts';
export * from './signature/cms-verify.ts';
export * from './signature/digest-info.ts';
export * from './signature/pkcs1.ts';
export * from './signature/raw.ts';
export * from './signature/signer.ts';
