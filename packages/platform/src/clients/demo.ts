import type { ClientInput } from './registry.ts';

/**
 * The relying parties `honnin start` registers in demo mode: drone registration
 * (DIPS) and national qualifications, each with its keys at its own jwks_uri.
 * Only the qualification system is a certified signature verifier (pki.md,
 * platform operator model): DIPS is a service provider and gets the
 * platform's verification result, never the signature certificate.
 */
export function demoClients(urls: Readonly<Record<string, string>>): ClientInput[] {
  const dips = urls.dips ?? 'http://localhost:7004';
  const qualifications = urls.qualifications ?? 'http://localhost:7005';
  return [
    {
      clientId: 'RP00000001',
      name: 'ドローン登録システム（DIPS）',
      nameEn: 'Drone registration system (DIPS)',
      redirectUris: [`${dips}/auth/callback`],
      jwksUri: `${dips}/.well-known/jwks.json`,
      scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'],
      // an SP事業者 under the platform operator: it files the verification result (signer's 4 items, serial)
      certifiedVerifier: false,
    },
    {
      clientId: 'RP00000002',
      name: '国家資格等情報連携・活用システム',
      nameEn: 'National qualifications online',
      redirectUris: [`${qualifications}/auth/callback`],
      jwksUri: `${qualifications}/.well-known/jwks.json`,
      scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign'],
      // a certified 署名検証者: it files the signature certificate with the signed application
      certifiedVerifier: true,
    },
  ];
}
