import { createHmac, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import Provider, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { SignTransactions } from '../signing/transactions.ts';
import { CookieKeys } from './cookie-keys.ts';
import { logoutSource, postLogoutSuccessSource } from './logout-pages.ts';
import type { ReleasedIdentities } from './released-identity.ts';
import {
  checkAuthorizationRequest,
  SIGNATURE_DETAIL_TYPE,
  validateSignatureDetail,
} from './request-rules.ts';

/** Scopes: openid, the 4 basic items, signing, refresh tokens. */
export const SCOPES = ['openid', 'offline_access', 'name', 'address', 'birthdate', 'gender', 'sign'];
/** The 4 basic items as userinfo claims, each under the scope of the same name. */
export const BASIC_CLAIMS = ['name', 'address', 'birthdate', 'gender'] as const;
export type BasicClaim = (typeof BASIC_CLAIMS)[number];
/** "At least N years old" without the birth date (J-LIS 年齢判定), asked with the claims parameter. */
export const AGE_CLAIMS = ['age_over_18', 'age_over_20'] as const;
export type AgeClaim = (typeof AGE_CLAIMS)[number];
/** Everything about the citizen a relying party can ask for (and the citizen may refuse). */
export const ITEM_CLAIMS = [...BASIC_CLAIMS, ...AGE_CLAIMS] as const;
export type ItemClaim = (typeof ITEM_CLAIMS)[number];
export const isItemClaim = (s: string): s is ItemClaim => (ITEM_CLAIMS as readonly string[]).includes(s);
export const isAgeClaim = (s: string): s is AgeClaim => (AGE_CLAIMS as readonly string[]).includes(s);
export const ageOf = (claim: AgeClaim): number => Number(claim.slice('age_over_'.length));
export const ACR_VALUES = ['aal3', 'crl'];
/** The longest a client assertion (private_key_jwt) may live. */
export const MAX_ASSERTION_SECONDS = 300;

export interface ProviderDeps {
  issuer: string;
  adapter: Configuration['adapter'];
  jwks: JWK[];
  cookieKeys: string[];
  pairwiseSalt: KeyObject;
  dpopNonceSecret: Buffer;
  identities: ReleasedIdentities;
  signTransactions: SignTransactions;
  renderError: NonNullable<Configuration['renderError']>;
  ttl: { interactionSeconds: number; accessTokenSeconds: number };
}

/**
 * oidc-provider configured as the Digital Agency's service behaves (code flow
 * only, state + nonce + PKCE S256 mandatory, private_key_jwt, ES256 ID tokens,
 * pairwise subs), plus what it lacks: PAR, DPoP, rich authorization requests.
 * Every authorization reads the card: no silent SSO between services.
 */
export function createProvider(d: ProviderDeps): Provider {
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check('card_required', 'every authorization reads the My Number Card', (ctx) =>
        ctx.oidc.result?.login
          ? interactionPolicy.Check.NO_NEED_TO_PROMPT
          : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );

  const provider = new Provider(d.issuer, {
    adapter: d.adapter,
    jwks: { keys: d.jwks as never },
    cookies: {
      keys: new CookieKeys(d.cookieKeys),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: SCOPES,
    claims: {
      // txn: the flow's id, for the relying party's per-transaction event log
      openid: ['sub', 'txn'],
      name: ['name'],
      address: ['address'],
      birthdate: ['birthdate'],
      gender: ['gender'],
      age_over_18: null,
      age_over_20: null,
    },
    acrValues: ACR_VALUES,
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      createHmac('sha256', d.pairwiseSalt)
        .update(`${client.sectorIdentifier}\n${accountId}`)
        .digest('base64url'),
    clientAuthMethods: ['private_key_jwt'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'private_key_jwt',
    },
    enabledJWA: {
      clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256'],
      idTokenSigningAlgValues: ['ES256'],
      dPoPSigningAlgValues: ['ES256', 'EdDSA', 'RS256', 'PS256'],
    },
    extraParams: { sign_transaction_id: checkAuthorizationRequest(d.signTransactions) },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      claimsParameter: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      dPoP: { enabled: true, nonceSecret: d.dpopNonceSecret },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      // a rich authorization request needs a resource: the platform's API. The code's
      // access token stays a userinfo token (carrying the authorization details),
      // which the signing API accepts too.
      resourceIndicators: {
        enabled: true,
        defaultResource: async (ctx, _client, oneOf) =>
          oneOf ?? (ctx.oidc.params?.authorization_details ? `${d.issuer}/api` : undefined),
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, resource) => {
          if (resource !== `${d.issuer}/api`) throw new errors.InvalidTarget();
          return { scope: 'sign', audience: resource, accessTokenFormat: 'opaque' };
        },
      },
      richAuthorizationRequests: {
        enabled: true,
        types: {
          [SIGNATURE_DETAIL_TYPE]: {
            validate: (ctx: KoaContextWithOIDC, detail: unknown) =>
              validateSignatureDetail(detail, ctx.oidc.client?.clientId ?? ''),
          },
        },
        // what the citizen approved, with the transaction the platform made of it
        authorizationDetailsForGrantSource: async (ctx: KoaContextWithOIDC) => ctx.oidc.grant?.rar,
        authorizationDetailsForAccessToken: async (
          _ctx: KoaContextWithOIDC,
          _token: unknown,
          source: { rar?: unknown } | undefined,
        ) => source?.rar,
        authorizationDetailsForIntrospection: async (_ctx: KoaContextWithOIDC, token: { rar?: unknown }) =>
          token.rar,
      } as never,
    },
    ttl: {
      AccessToken: d.ttl.accessTokenSeconds,
      AuthorizationCode: 60,
      ClientCredentials: d.ttl.accessTokenSeconds,
      IdToken: 3600,
      Interaction: d.ttl.interactionSeconds,
      Grant: 14 * 86_400,
      RefreshToken: 14 * 86_400,
      Session: d.ttl.interactionSeconds,
    },
    interactions: { policy, url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // consent is given in the app for each authorization; never reuse an older grant
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    findAccount: async (_ctx, accountId, token) => ({
      accountId,
      async claims(use) {
        const grantId = (token as { grantId?: string } | undefined)?.grantId;
        const released = use === 'userinfo' && grantId ? await d.identities.get(grantId) : undefined;
        return { sub: accountId, ...(released?.claims ?? {}) };
      },
    }),
    // the real service's rule: client assertions live a short while (and carry a jti, checked once)
    assertJwtClientAuthClaimsAndHeader: async (_ctx, claims) => {
      const now = Math.floor(Date.now() / 1000);
      if (typeof claims.exp !== 'number' || claims.exp - now > MAX_ASSERTION_SECONDS)
        throw new errors.InvalidClientAuth(`client assertions must expire within ${MAX_ASSERTION_SECONDS} s`);
      if (typeof claims.jti !== 'string')
        throw new errors.InvalidClientAuth('client assertions must carry a jti');
    },
    clientBasedCORS: () => false,
    // Only the operator registers clients (no dynamic registration), and honnin's
    // services live on loopback addresses, which oidc-provider's SSRF guard refuses.
    fetch: (url, init) => {
      const { dispatcher: _guard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, options);
    },
    renderError: d.renderError,
    conformIdTokenClaims: true,
  });
  provider.proxy = false;
  return provider;
}

export { errors };
