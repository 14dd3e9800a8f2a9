import { HonninError, type Storage, z } from '@honnin/runtime';
import type { PlatformDB } from '../store/schema.ts';

/** Scopes a relying party may be allowed: the 4 basic items, signing, refresh tokens. */
export const CLIENT_SCOPES = [
  'openid',
  'name',
  'address',
  'birthdate',
  'gender',
  'sign',
  'offline_access',
] as const;
export type ClientScope = (typeof CLIENT_SCOPES)[number];

const webUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http(s) URL')
  .refine((u) => !new URL(u).hash, 'must not carry a fragment');

const publicJwk = z
  .object({ kty: z.string() })
  .passthrough()
  .refine((k) => !('d' in k) && !('k' in k), 'must be a public key (no "d" or "k")');

/**
 * What the platform knows about a relying party (サービス提供者). `name` is what the
 * citizen sees on the consent screen; `certifiedVerifier` marks a 署名検証者 that may
 * receive certificates (everyone else gets only the platform's verification result).
 */
export const clientInput = z
  .object({
    clientId: z.string().regex(/^RP\d{8}$/, 'client ids look like RP00000001'),
    name: z.string().min(1).max(100),
    nameEn: z.string().min(1).max(100).optional(),
    redirectUris: z.array(webUrl).min(1),
    postLogoutRedirectUris: z.array(webUrl).default([]),
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).optional(),
    jwksUri: webUrl.optional(),
    scopes: z
      .array(z.enum(CLIENT_SCOPES))
      .default(['openid', 'name', 'address', 'birthdate', 'gender', 'sign'])
      .transform((s) => [...new Set<ClientScope>(['openid', ...s])]),
    certifiedVerifier: z.boolean().default(false),
    testMode: z.boolean().default(false),
  })
  .refine((c) => (c.jwks === undefined) !== (c.jwksUri === undefined), {
    message: 'give exactly one of jwks and jwksUri (the key that signs client assertions)',
    path: ['jwks'],
  })
  .refine((c) => new Set(c.redirectUris.map((u) => new URL(u).host)).size === 1, {
    message: 'every redirect URI must share one host (the pairwise sub is per host)',
    path: ['redirectUris'],
  });
export type ClientInput = z.input<typeof clientInput>;

export interface Client {
  clientId: string;
  name: string;
  nameEn?: string | undefined;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  jwks?: { keys: Record<string, unknown>[] } | undefined;
  jwksUri?: string | undefined;
  scopes: ClientScope[];
  certifiedVerifier: boolean;
  testMode: boolean;
  createdAt: number;
  updatedAt: number;
  disabled: boolean;
}

export class ClientRegistry {
  readonly #storage: Storage<PlatformDB>;
  readonly #now: () => number;

  constructor(storage: Storage<PlatformDB>, now: () => number = Date.now) {
    this.#storage = storage;
    this.#now = now;
  }

  /** Validates and stores a client (adds it, or replaces the one with that id). */
  async put(input: ClientInput): Promise<Client> {
    const parsed = clientInput.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'client'}: ${i.message}`);
      throw new HonninError('client_invalid', problems.join('; '), { details: { problems } });
    }
    const c = parsed.data;
    const now = this.#now();
    const row = {
      name: c.name,
      name_en: c.nameEn ?? null,
      redirect_uris: JSON.stringify(c.redirectUris),
      post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
      jwks: c.jwks ? JSON.stringify(c.jwks) : null,
      jwks_uri: c.jwksUri ?? null,
      scopes: JSON.stringify(c.scopes),
      certified_verifier: c.certifiedVerifier ? 1 : 0,
      test_mode: c.testMode ? 1 : 0,
      updated_at: now,
      disabled_at: null,
    };
    await this.#storage.db
      .insertInto('client')
      .values({ client_id: c.clientId, created_at: now, ...row })
      .onConflict((oc) => oc.column('client_id').doUpdateSet(row))
      .execute();
    return (await this.get(c.clientId))!;
  }

  /** Adds a client only when its id is free (demo seeding keeps an admin's edits). */
  async ensure(input: ClientInput): Promise<Client> {
    return (await this.get(input.clientId, { includeDisabled: true })) ?? this.put(input);
  }

  async get(clientId: string, opts: { includeDisabled?: boolean } = {}): Promise<Client | undefined> {
    const row = await this.#storage.db
      .selectFrom('client')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row || (row.disabled_at !== null && !opts.includeDisabled)) return undefined;
    return fromRow(row);
  }

  async require(clientId: string): Promise<Client> {
    const c = await this.get(clientId);
    if (!c) throw new HonninError('client_not_found', `no relying party ${clientId}`, { status: 404 });
    return c;
  }

  async list(): Promise<Client[]> {
    const rows = await this.#storage.db.selectFrom('client').selectAll().orderBy('client_id').execute();
    return rows.map(fromRow);
  }

  /** Disables a client: it can no longer start flows or get tokens; its history stays. */
  async disable(clientId: string): Promise<void> {
    const r = await this.#storage.db
      .updateTable('client')
      .set({ disabled_at: this.#now(), updated_at: this.#now() })
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0)
      throw new HonninError('client_not_found', `no relying party ${clientId}`, { status: 404 });
  }

  /** The next free id of the RP00000001 form. */
  async nextClientId(): Promise<string> {
    const rows = await this.#storage.db.selectFrom('client').select('client_id').execute();
    const max = rows.reduce((m, r) => Math.max(m, Number(r.client_id.slice(2)) || 0), 0);
    return `RP${String(max + 1).padStart(8, '0')}`;
  }
}

function fromRow(row: PlatformDB['client']): Client {
  return {
    clientId: row.client_id,
    name: row.name,
    nameEn: row.name_en ?? undefined,
    redirectUris: JSON.parse(row.redirect_uris),
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris),
    jwks: row.jwks ? JSON.parse(row.jwks) : undefined,
    jwksUri: row.jwks_uri ?? undefined,
    scopes: JSON.parse(row.scopes),
    certifiedVerifier: row.certified_verifier === 1,
    testMode: row.test_mode === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    disabled: row.disabled_at !== null,
  };
}

/** The client as oidc-provider's metadata: private_key_jwt, code flow, ES256, pairwise. */
export function oidcMetadata(c: Client): Record<string, unknown> {
  return {
    client_id: c.clientId,
    client_name: c.name,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    ...(c.jwks ? { jwks: c.jwks } : { jwks_uri: c.jwksUri }),
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
    subject_type: 'pairwise',
    scope: c.scopes.join(' '),
    ...(c.scopes.includes('sign') ? { authorization_details_types: ['jpki_signature'] } : {}),
  };
}
