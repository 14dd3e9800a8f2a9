import { createHash } from 'node:crypto';
import { encodeDigestInfo } from '@honnin/jpki/signature/digest-info';
import type { Kysely } from '@honnin/runtime';
import { compactDecrypt } from 'jose';
import * as oidc from 'openid-client';
import type { RelyingPartyKeys } from './keys.ts';
import { outcomeFromError, RelyingPartyError } from './outcomes.ts';
import type { RelyingPartyDB } from './store.ts';

/**
 * A relying party of the identity platform over its public protocols only:
 * OpenID Connect discovery, the authorization code flow with state, nonce and
 * PKCE S256 held server-side, private_key_jwt, ES256 ID tokens, userinfo; and
 * the signing API (app token → transaction → authorization → JWE result).
 */
export interface RelyingPartyOptions {
  /** the platform's issuer URL */
  issuer: string;
  clientId: string;
  /** this service's callback, as registered with the platform */
  redirectUri: string;
  /** the service's storage (any Storage), migrated with `relyingPartyMigrations` */
  storage: { readonly db: unknown };
  keys: RelyingPartyKeys;
  /** for the service's own records (the platform's tokens are checked against real time) */
  clock?: () => number;
  /** how long a started authorization may take to come back (default 30 minutes) */
  authorizationTtlMs?: number;
}

export interface AuthorizationRequest {
  /** what the service does with the result, e.g. 'dips.sign' */
  purpose: string;
  /** the web session starting it; the callback must arrive in the same session */
  sessionId: string;
  scope: string[];
  acrValues?: string[];
  signTransactionId?: string;
  /** the service's own data for the callback (kept server-side) */
  context?: Record<string, unknown>;
  /** page language for the platform's screens */
  uiLocale?: 'ja' | 'en';
}

export interface Authorized {
  kind: 'success';
  purpose: string;
  context: Record<string, unknown>;
  /** pairwise subject: the same person at this service across logins, renewals and moves */
  sub: string;
  claims: oidc.IDToken;
  accessToken: string;
  signTransactionId: string | undefined;
  /** when the platform says the citizen authenticated (auth_time), epoch ms */
  authenticatedAt: number | undefined;
}

export type CallbackResult =
  | Authorized
  | { kind: 'failure'; purpose: string; context: Record<string, unknown>; error: RelyingPartyError }
  /** the callback was already taken up (a reload or back): show the flow's current state */
  | { kind: 'replayed'; purpose: string; context: Record<string, unknown> }
  /** not a callback of this browser's flows */
  | { kind: 'unknown'; error: RelyingPartyError };

/** What the platform says about a completed signature (the platform-operator model). */
export interface SignResult {
  transactionId: string;
  /** the platform checked signature, chain and revocation, and all were good */
  valid: boolean;
  /** the sandbox's marked answer: no card signed (accepted only when the service asked for it) */
  testResponse: boolean;
  /** the platform's verification: signature, chain, revocation, certificate serial, the 4 items */
  verification: Record<string, unknown>;
  /** present only for a certified signature verifier; a service provider never keeps them */
  signature?: Uint8Array | undefined;
  certificate?: Uint8Array | undefined;
}

export interface SignatureDocument {
  /** SHA-256 of the exact bytes the citizen signs */
  digest: Uint8Array;
  /** what the citizen is shown */
  name: string;
  title?: string;
  summary?: string;
  expiresInSeconds?: number;
}

/** What the service asked to have signed: the signing result must be about exactly this. */
export interface ExpectedSignature {
  /** SHA-256 of the document, as given to `createSignTransaction` */
  digest: Uint8Array;
  /** take the sandbox's test answer (no card signed) as signed — a service in test mode only */
  acceptTestResponse?: boolean | undefined;
}

export const sha256 = (data: Uint8Array | string): Uint8Array =>
  new Uint8Array(createHash('sha256').update(data).digest());

export class RelyingParty {
  readonly #o: RelyingPartyOptions;
  readonly #db: Kysely<RelyingPartyDB>;
  readonly #clock: () => number;
  #config: Promise<oidc.Configuration> | undefined;
  #appToken: { token: string; expiresAt: number } | undefined;

  constructor(opts: RelyingPartyOptions) {
    this.#o = opts;
    this.#db = opts.storage.db as unknown as Kysely<RelyingPartyDB>;
    this.#clock = opts.clock ?? Date.now;
  }

  get clientId(): string {
    return this.#o.clientId;
  }

  /** Discovery, once (retried after a failure: the platform may start after us). */
  configuration(): Promise<oidc.Configuration> {
    this.#config ??= this.#discover().catch((e: unknown) => {
      this.#config = undefined;
      throw e;
    });
    return this.#config;
  }

  async #discover(): Promise<oidc.Configuration> {
    const { keys } = this.#o;
    const issuer = new URL(this.#o.issuer);
    const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    return this.#call(() =>
      oidc.discovery(
        issuer,
        this.#o.clientId,
        {
          redirect_uris: [this.#o.redirectUri],
          response_types: ['code'],
          id_token_signed_response_alg: 'ES256',
          token_endpoint_auth_method: 'private_key_jwt',
        },
        oidc.PrivateKeyJwt({ key: keys.signing.privateKey, kid: keys.signing.kid }),
        { execute, timeout: 10 },
      ),
    );
  }

  /** Starts an authorization: stores state, nonce and PKCE verifier; returns the URL to send the browser to. */
  async authorize(req: AuthorizationRequest): Promise<URL> {
    const config = await this.configuration();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const now = this.#clock();
    await this.#db
      .insertInto('rp_authorization')
      .values({
        state,
        nonce,
        code_verifier: codeVerifier,
        session_id: req.sessionId,
        purpose: req.purpose,
        context: JSON.stringify(req.context ?? {}),
        sign_transaction_id: req.signTransactionId ?? null,
        created_at: now,
        expires_at: now + (this.#o.authorizationTtlMs ?? 30 * 60_000),
        consumed_at: null,
      })
      .execute();
    const params: Record<string, string> = {
      redirect_uri: this.#o.redirectUri,
      response_type: 'code',
      scope: req.scope.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    if (req.acrValues?.length) params.acr_values = req.acrValues.join(' ');
    if (req.signTransactionId) params.sign_transaction_id = req.signTransactionId;
    if (req.uiLocale) params.ui_locales = req.uiLocale;
    return oidc.buildAuthorizationUrl(config, params);
  }

  /**
   * Takes up the redirect back from the platform: checks it belongs to a flow
   * this browser session started, takes it up once, and exchanges the code
   * (state, nonce, PKCE and the ID token checked by openid-client).
   */
  async callback(currentUrl: URL, sessionId: string): Promise<CallbackResult> {
    const state = currentUrl.searchParams.get('state');
    const row = state
      ? await this.#db
          .selectFrom('rp_authorization')
          .selectAll()
          .where('state', '=', state)
          .executeTakeFirst()
      : undefined;
    if (!row || row.session_id !== sessionId) {
      return {
        kind: 'unknown',
        error: new RelyingPartyError('state_invalid', 'no such flow in this session'),
      };
    }
    const base = { purpose: row.purpose, context: JSON.parse(row.context) as Record<string, unknown> };
    if (row.consumed_at !== null) return { kind: 'replayed', ...base };
    const now = this.#clock();
    // Taken up at most once, whichever instance gets the request.
    const taken = await this.#db
      .updateTable('rp_authorization')
      .set({ consumed_at: now })
      .where('state', '=', row.state)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) return { kind: 'replayed', ...base };
    if (Number(row.expires_at) < now) {
      return {
        kind: 'failure',
        ...base,
        error: new RelyingPartyError('flow_expired', 'authorization too old'),
      };
    }
    const p = currentUrl.searchParams;
    if (p.has('error')) {
      return {
        kind: 'failure',
        ...base,
        error: outcomeFromError({
          error: p.get('error'),
          error_code: p.get('error_code'),
          error_description: p.get('error_description'),
          revocation_reason: p.get('revocation_reason'),
        }),
      };
    }
    try {
      const config = await this.configuration();
      const tokens = await this.#call(() =>
        oidc.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: row.code_verifier,
          expectedState: row.state,
          expectedNonce: row.nonce,
          idTokenExpected: true,
        }),
      );
      const claims = tokens.claims()!;
      return {
        kind: 'success',
        ...base,
        sub: claims.sub,
        claims,
        accessToken: tokens.access_token,
        signTransactionId: row.sign_transaction_id ?? undefined,
        authenticatedAt: typeof claims.auth_time === 'number' ? claims.auth_time * 1000 : undefined,
      };
    } catch (e) {
      if (e instanceof RelyingPartyError) return { kind: 'failure', ...base, error: e };
      throw e;
    }
  }

  /** Userinfo for an access token of `sub` (the claims the citizen allowed). */
  async userInfo(accessToken: string, sub: string): Promise<Record<string, unknown>> {
    const config = await this.configuration();
    return this.#call(() => oidc.fetchUserInfo(config, accessToken, sub));
  }

  /** Prepares a signing transaction for a document's digest; returns its id for `authorize`. */
  async createSignTransaction(doc: SignatureDocument): Promise<string> {
    const config = await this.configuration();
    const body = JSON.stringify({
      hash_algorithm: 'SHA-256',
      digest: Buffer.from(doc.digest).toString('base64'),
      document: {
        name: doc.name,
        ...(doc.title ? { title: doc.title } : {}),
        ...(doc.summary ? { summary: doc.summary } : {}),
      },
      ...(doc.expiresInSeconds ? { expires_in: doc.expiresInSeconds } : {}),
    });
    const res = await this.#api(
      config,
      await this.#applicationToken(config),
      'POST',
      '/api/sign-transactions',
      body,
    );
    const json = (await res.json()) as { sign_transaction_id?: unknown };
    if (typeof json.sign_transaction_id !== 'string') {
      throw new RelyingPartyError('platform_error', 'no sign_transaction_id in the answer');
    }
    return json.sign_transaction_id;
  }

  /**
   * The signing result (JWE to our encryption key), decrypted and held against
   * what the service asked: the platform must have verified a signature over
   * the DigestInfo of `expected.digest`. Failed transactions raise their
   * outcome; a result about another document, or one the platform did not
   * verify, raises `signature_invalid` — never evidence of a signature.
   */
  async signResult(
    transactionId: string,
    accessToken: string,
    expected: ExpectedSignature,
  ): Promise<SignResult> {
    const config = await this.configuration();
    const path = `/api/sign-transactions/${encodeURIComponent(transactionId)}/result`;
    const res = await this.#api(config, accessToken, 'GET', path);
    const text = (await res.text()).trim();
    const jwe = text.startsWith('{') ? (JSON.parse(text) as { result?: string }).result : text;
    if (typeof jwe !== 'string')
      throw new RelyingPartyError('platform_error', 'the signing result is not a JWE');
    let payload: Record<string, unknown>;
    try {
      const { plaintext } = await compactDecrypt(jwe, this.#o.keys.encryption.privateKey);
      payload = JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
    } catch (e) {
      throw new RelyingPartyError('platform_error', 'the signing result cannot be decrypted', { cause: e });
    }
    if (
      payload.status === 'failed' ||
      typeof payload.error_code === 'string' ||
      typeof payload.error === 'string'
    ) {
      throw outcomeFromError(payload as Parameters<typeof outcomeFromError>[0]);
    }
    const bytes = (v: unknown) =>
      typeof v === 'string' ? new Uint8Array(Buffer.from(v, 'base64')) : undefined;
    const signed = bytes(payload.digest_info);
    if (!signed || !Buffer.from(signed).equals(encodeDigestInfo('sha256', expected.digest)))
      throw new RelyingPartyError(
        'signature_invalid',
        'the result is about another document than the one asked',
      );
    const verification = (payload.verification ?? {}) as Record<string, unknown>;
    const valid = verification.valid === true;
    const testResponse = verification.test_response === true;
    if (testResponse ? !expected.acceptTestResponse : !valid)
      throw new RelyingPartyError(
        'signature_invalid',
        testResponse
          ? 'a test response, and this service is not in test mode'
          : 'the platform did not verify it',
      );
    return {
      transactionId,
      valid,
      testResponse,
      verification,
      signature: bytes(payload.signature),
      certificate: bytes(payload.certificate),
    };
  }

  /** Drops finished or abandoned authorizations. */
  async sweep(): Promise<void> {
    await this.#db
      .deleteFrom('rp_authorization')
      .where('expires_at', '<', this.#clock() - 24 * 3600_000)
      .execute();
  }

  async #applicationToken(config: oidc.Configuration): Promise<string> {
    const now = Date.now();
    if (this.#appToken && this.#appToken.expiresAt > now + 10_000) return this.#appToken.token;
    const t = await this.#call(() => oidc.clientCredentialsGrant(config, { scope: 'sign' }));
    this.#appToken = { token: t.access_token, expiresAt: now + (t.expires_in ?? 60) * 1000 };
    return t.access_token;
  }

  async #api(config: oidc.Configuration, token: string, method: string, path: string, body?: string) {
    const url = new URL(path, this.#o.issuer.endsWith('/') ? this.#o.issuer : `${this.#o.issuer}/`);
    const res = await this.#call(() =>
      oidc.fetchProtectedResource(
        config,
        token,
        url,
        method,
        body ?? null,
        new Headers(body ? { 'content-type': 'application/json', accept: 'application/json' } : {}),
      ),
    );
    if (!res.ok) {
      const err = (await res.json().catch(() => ({}))) as Record<string, string | undefined>;
      throw outcomeFromError({ error: err.error ?? 'server_error', ...err });
    }
    return res;
  }

  /** Runs a call to the platform, turning transport and protocol failures into typed outcomes. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof RelyingPartyError) throw e;
      if (e instanceof oidc.ResponseBodyError) {
        if (e.error === 'invalid_grant')
          throw new RelyingPartyError('state_invalid', e.message, { cause: e });
        throw outcomeFromError({
          error: e.error,
          error_description: e.error_description,
          error_code: typeof e.cause.error_code === 'string' ? e.cause.error_code : undefined,
        });
      }
      if (e instanceof oidc.AuthorizationResponseError) {
        throw outcomeFromError({
          error: e.error,
          error_description: e.error_description,
          error_code: e.cause.get('error_code'),
        });
      }
      if (e instanceof TypeError || (e as { name?: string }).name === 'TimeoutError') {
        throw new RelyingPartyError('platform_unavailable', (e as Error).message, { cause: e });
      }
      throw new RelyingPartyError('platform_error', (e as Error).message, { cause: e });
    }
  }
}
