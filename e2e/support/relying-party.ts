import { createHttpServer, listen } from '@honnin/runtime';
import type { FastifyInstance } from 'fastify';
import { compactDecrypt, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import * as oidc from 'openid-client';

/**
 * A demo relying party built only on `openid-client`, the way a service written
 * against the real デジタル認証アプリ would be: discovery, code flow with state,
 * nonce and PKCE S256, private_key_jwt, ES256 ID tokens, userinfo, the signing
 * API with JWE results — and the extras (PAR, DPoP, rich authorization
 * requests). Its callback page finishes the flow and shows the result, so a
 * browser test sees what the service got.
 */
export interface AuthorizationOptions {
  scope?: string;
  acrValues?: string;
  signTransactionId?: string;
  authorizationDetails?: unknown[];
  claims?: unknown;
  /** push the request first (PAR) */
  par?: boolean;
  /** bind the tokens to a DPoP key */
  dpop?: boolean;
  uiLocales?: string;
  /** `prompt` (e.g. `consent`, which `offline_access` needs) */
  prompt?: string;
  /** leave a mandatory parameter out, to see the platform refuse */
  omit?: ('state' | 'nonce' | 'code_challenge')[];
}

export interface FlowResult {
  state: string;
  ok: boolean;
  /** OIDC error and the platform's outcome code, when the flow failed */
  error?: string | undefined;
  errorCode?: string | undefined;
  txn?: string | undefined;
  errorDescription?: string | undefined;
  idToken?: oidc.IDToken | undefined;
  rawIdToken?: string | undefined;
  accessToken?: string | undefined;
  /** with `offline_access` (and `prompt=consent`) */
  refreshToken?: string | undefined;
  userinfo?: Record<string, unknown> | undefined;
  authorizationDetails?: unknown;
  signResult?: Record<string, unknown> | undefined;
  /** the callback URL exactly as the platform redirected to it */
  callbackUrl: string;
}

interface RpKeys {
  sign: CryptoKeyPair;
  enc: CryptoKeyPair;
  signJwk: JWK;
  encJwk: JWK;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  dpop?: oidc.DPoPHandle | undefined;
  signTransactionId?: string | undefined;
  resolve(r: FlowResult): void;
  result: Promise<FlowResult>;
}

export class DemoRelyingParty {
  readonly clientId: string;
  readonly issuer: string;
  readonly app: FastifyInstance;
  url = '';
  #config: oidc.Configuration | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #keys: RpKeys;

  private constructor(issuer: string, clientId: string, keys: RpKeys) {
    this.issuer = issuer;
    this.clientId = clientId;
    this.#keys = keys;
    this.app = createHttpServer({ name: 'demo-rp' });
    this.app.get('/.well-known/jwks.json', async () => ({ keys: [this.#keys.signJwk, this.#keys.encJwk] }));
    this.app.get('/logged-out', async (_req, reply) =>
      reply
        .type('text/html')
        .send(
          '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>demo RP</title></head><body><h1 id="outcome">signed out</h1></body></html>',
        ),
    );
    this.app.get('/callback', async (req, reply) => {
      const url = new URL(req.url, this.url);
      const r = await this.#callback(url);
      return reply
        .type('text/html')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>demo RP</title></head><body><h1 id="outcome">${r.ok ? 'signed in' : `error ${r.errorCode ?? r.error}`}</h1><pre id="result">${JSON.stringify(r, null, 2).replace(/</g, '&lt;')}</pre></body></html>`,
        );
    });
  }

  static async start(issuer: string, clientId = 'RP00000099'): Promise<DemoRelyingParty> {
    const sign = (await generateKeyPair('ES256', { extractable: true })) as CryptoKeyPair;
    const enc = (await generateKeyPair('RSA-OAEP-256', {
      extractable: true,
      modulusLength: 2048,
    })) as CryptoKeyPair;
    const signJwk = { ...(await exportJWK(sign.publicKey)), kid: 'sig-1', use: 'sig', alg: 'ES256' };
    const encJwk = { ...(await exportJWK(enc.publicKey)), kid: 'enc-1', use: 'enc', alg: 'RSA-OAEP-256' };
    const rp = new DemoRelyingParty(issuer, clientId, { sign, enc, signJwk, encJwk });
    rp.url = await listen(rp.app, 0, '127.0.0.1');
    rp.url = rp.url.replace('127.0.0.1', 'localhost');
    return rp;
  }

  get redirectUri(): string {
    return `${this.url}/callback`;
  }

  /** Where the platform sends the browser after RP-initiated logout. */
  get postLogoutRedirectUri(): string {
    return `${this.url}/logged-out`;
  }

  /** What to register at the platform for this relying party. */
  registration(extra: Record<string, unknown> = {}) {
    return {
      clientId: this.clientId,
      name: 'デモサービス',
      nameEn: 'Demo service',
      redirectUris: [this.redirectUri],
      postLogoutRedirectUris: [this.postLogoutRedirectUri],
      jwksUri: `${this.url}/.well-known/jwks.json`,
      scopes: ['openid', 'name', 'address', 'birthdate', 'gender', 'sign', 'offline_access'] as never,
      certifiedVerifier: true,
      ...extra,
    };
  }

  async config(): Promise<oidc.Configuration> {
    this.#config ??= await oidc.discovery(
      new URL(this.issuer),
      this.clientId,
      {
        redirect_uris: [this.redirectUri],
        id_token_signed_response_alg: 'ES256',
        token_endpoint_auth_method: 'private_key_jwt',
      },
      oidc.PrivateKeyJwt(this.#keys.sign.privateKey, {
        [oidc.modifyAssertion]: (h) => {
          h.kid = 'sig-1';
        },
      }),
      { execute: [oidc.allowInsecureRequests] },
    );
    return this.#config;
  }

  /** Starts a flow: the URL to send the browser to, and a promise of what the callback gets. */
  async authorize(
    o: AuthorizationOptions = {},
  ): Promise<{ url: URL; state: string; result: Promise<FlowResult> }> {
    const config = await this.config();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const verifier = oidc.randomPKCECodeVerifier();
    const params: Record<string, string> = {
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: o.scope ?? 'openid name address birthdate gender',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    for (const k of o.omit ?? []) delete params[k];
    if (o.omit?.includes('code_challenge')) delete params.code_challenge_method;
    if (o.acrValues) params.acr_values = o.acrValues;
    if (o.signTransactionId) params.sign_transaction_id = o.signTransactionId;
    if (o.authorizationDetails) params.authorization_details = JSON.stringify(o.authorizationDetails);
    if (o.claims) params.claims = JSON.stringify(o.claims);
    if (o.uiLocales) params.ui_locales = o.uiLocales;
    if (o.prompt) params.prompt = o.prompt;
    const dpop = o.dpop ? oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256')) : undefined;
    const url = o.par
      ? await oidc.buildAuthorizationUrlWithPAR(config, params, { DPoP: dpop })
      : oidc.buildAuthorizationUrl(config, params);
    let resolve!: (r: FlowResult) => void;
    const result = new Promise<FlowResult>((r) => {
      resolve = r;
    });
    this.#pending.set(state, {
      state,
      nonce,
      verifier,
      dpop,
      signTransactionId: o.signTransactionId,
      resolve,
      result,
    });
    return { url, state, result };
  }

  /** The redirect back: exchange the code (or read the error), fetch userinfo and any signing result. */
  async #callback(url: URL): Promise<FlowResult> {
    const state = url.searchParams.get('state') ?? '';
    const p = this.#pending.get(state);
    const base = { state, callbackUrl: url.href };
    if (!p) return { ...base, ok: false, error: 'unknown_state' };
    let r: FlowResult;
    if (url.searchParams.has('error')) {
      r = {
        ...base,
        ok: false,
        error: url.searchParams.get('error') ?? undefined,
        errorCode: url.searchParams.get('error_code') ?? undefined,
        txn: url.searchParams.get('txn') ?? undefined,
        errorDescription: url.searchParams.get('error_description') ?? undefined,
      };
    } else {
      try {
        r = await this.exchange(url, p);
      } catch (e) {
        r = {
          ...base,
          ok: false,
          error: (e as { error?: string }).error ?? 'exchange_failed',
          errorDescription: (e as Error).message,
        };
      }
    }
    p.resolve(r);
    return r;
  }

  async exchange(
    url: URL,
    p: Pick<Pending, 'nonce' | 'verifier' | 'state' | 'dpop' | 'signTransactionId'>,
  ): Promise<FlowResult> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(
      config,
      url,
      { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce, idTokenExpected: true },
      undefined,
      { DPoP: p.dpop },
    );
    const idToken = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub, { DPoP: p.dpop });
    const details = tokens.authorization_details as { sign_transaction_id?: string }[] | undefined;
    const signId = p.signTransactionId ?? details?.[0]?.sign_transaction_id;
    return {
      state: p.state,
      callbackUrl: url.href,
      ok: true,
      idToken,
      rawIdToken: tokens.id_token,
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token,
      userinfo: userinfo as Record<string, unknown>,
      authorizationDetails: tokens.authorization_details,
      signResult: signId ? await this.signResult(signId, tokens.access_token, p.dpop) : undefined,
    };
  }

  /** A private_key_jwt client assertion signed with this relying party's key, claims overridable. */
  async clientAssertion(audience: string, claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: crypto.randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig-1' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now + 60)
      .sign(this.#keys.sign.privateKey);
  }

  pending(state: string): Pending | undefined {
    return this.#pending.get(state);
  }

  /** The refresh token grant. */
  async refresh(refreshToken: string) {
    return oidc.refreshTokenGrant(await this.config(), refreshToken);
  }

  /** Token revocation (RFC 7009) with the client's assertion. */
  async revoke(token: string, hint?: 'refresh_token' | 'access_token'): Promise<void> {
    await oidc.tokenRevocation(await this.config(), token, hint ? { token_type_hint: hint } : undefined);
  }

  /** RP-initiated logout: the URL of the platform's end-session endpoint to send the browser to. */
  async endSessionUrl(p: {
    idTokenHint: string;
    postLogoutRedirectUri?: string;
    state?: string;
  }): Promise<URL> {
    return oidc.buildEndSessionUrl(await this.config(), {
      id_token_hint: p.idTokenHint,
      ...(p.postLogoutRedirectUri ? { post_logout_redirect_uri: p.postLogoutRedirectUri } : {}),
      ...(p.state ? { state: p.state } : {}),
    });
  }

  async appToken(): Promise<string> {
    const t = await oidc.clientCredentialsGrant(await this.config(), { scope: 'sign' });
    return t.access_token;
  }

  /** POST /api/sign-transactions with an app token. */
  async createSignTransaction(body: Record<string, unknown>): Promise<string> {
    const res = await this.api('POST', '/api/sign-transactions', await this.appToken(), body);
    const json = (await res.json()) as { sign_transaction_id?: string; error?: string; message?: string };
    if (!json.sign_transaction_id) throw new Error(`sign transaction refused: ${json.error} ${json.message}`);
    return json.sign_transaction_id;
  }

  /** GET the signing result with the user's access token, decrypting the JWE. */
  async signResult(
    id: string,
    accessToken: string,
    dpop?: oidc.DPoPHandle,
  ): Promise<Record<string, unknown>> {
    const res = await this.api('GET', `/api/sign-transactions/${id}/result`, accessToken, undefined, dpop);
    const text = await res.text();
    if (!res.headers.get('content-type')?.startsWith('application/jose')) return JSON.parse(text);
    const { plaintext } = await compactDecrypt(text, this.#keys.enc.privateKey);
    return JSON.parse(new TextDecoder().decode(plaintext));
  }

  async events(txn: string): Promise<{ events: { type: string; detail: Record<string, unknown> }[] }> {
    const res = await this.api('GET', `/api/transactions/${txn}/events`, await this.appToken());
    return (await res.json()) as { events: { type: string; detail: Record<string, unknown> }[] };
  }

  async api(
    method: string,
    path: string,
    token: string,
    body?: unknown,
    dpop?: oidc.DPoPHandle,
  ): Promise<Response> {
    return oidc.fetchProtectedResource(
      await this.config(),
      token,
      new URL(path, this.issuer),
      method,
      body === undefined ? null : JSON.stringify(body),
      new Headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      { DPoP: dpop },
    );
  }

  async close(): Promise<void> {
    await this.app.close();
  }
}
