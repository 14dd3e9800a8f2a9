import { createHmac, createSecretKey, type KeyObject, randomUUID, timingSafeEqual } from 'node:crypto';
import { HonninError, type SharedState, type Storage } from '@honnin/runtime';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { PlatformDB } from '../store/schema.ts';
import { oncePerRequest } from '../web/per-request.ts';

/** The versions of the terms and the privacy policy a registration agrees to. */
export const TERMS_VERSION = '2026-04';
export const PRIVACY_VERSION = '2026-04';

const COOKIE = 'honnin_app';

/**
 * The app on one device (デジタル認証アプリ's registration): the device unlock
 * (Face ID / Touch ID / passcode) is a passkey with user verification; the app
 * remembers its installation in a signed cookie. Registration also links the
 * installation to the card that was read (the citizen).
 */
export class Installations {
  readonly #storage: Storage<PlatformDB>;
  readonly #state: SharedState;
  readonly #cookieKey: KeyObject;
  readonly #origin: string;
  readonly #rpId: string;
  readonly #now: () => number;

  constructor(
    storage: Storage<PlatformDB>,
    state: SharedState,
    o: { cookieKey: Buffer; publicUrl: string; now: () => number },
  ) {
    this.#storage = storage;
    this.#state = state;
    this.#cookieKey = createSecretKey(o.cookieKey);
    this.#origin = new URL(o.publicUrl).origin;
    this.#rpId = new URL(o.publicUrl).hostname;
    this.#now = o.now;
  }

  // ── the installation cookie ──

  #sign(id: string): string {
    return createHmac('sha256', this.#cookieKey).update(id).digest('base64url');
  }

  cookie(installationId: string): string {
    return `${COOKIE}=${installationId}.${this.#sign(installationId)}; Path=/app; HttpOnly; SameSite=Lax; Max-Age=315360000`;
  }

  /** The installation this device registered, when its cookie is genuine and it still exists. */
  readonly of = oncePerRequest((req: FastifyRequest) => this.#read(req));

  async #read(req: FastifyRequest): Promise<string | undefined> {
    const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([0-9a-f-]{36})\\.([A-Za-z0-9_-]+)`).exec(
      req.headers.cookie ?? '',
    );
    if (!m) return undefined;
    const expected = Buffer.from(this.#sign(m[1]!));
    const given = Buffer.from(m[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const row = await this.#storage.db
      .selectFrom('app_installation')
      .select('id')
      .where('id', '=', m[1]!)
      .executeTakeFirst();
    return row?.id;
  }

  // ── registration ──

  /** Passkey creation options for a new installation (after terms and privacy policy were agreed). */
  async registrationOptions(
    lang: 'ja' | 'en',
  ): Promise<{ draft: string; options: PublicKeyCredentialCreationOptionsJSON }> {
    const draft = randomUUID();
    const options = await generateRegistrationOptions({
      rpName: lang === 'en' ? 'Digital Authentication App (honnin)' : 'デジタル認証アプリ（honnin）',
      rpID: this.#rpId,
      userName: lang === 'en' ? 'This device' : 'この端末',
      userID: new TextEncoder().encode(draft),
      attestationType: 'none',
      authenticatorSelection: {
        residentKey: 'preferred',
        userVerification: 'required',
        authenticatorAttachment: 'platform',
      },
      timeout: 120_000,
    });
    await this.#state.set(`registration:${draft}`, options.challenge, 300_000);
    return { draft, options };
  }

  /** Verifies the new passkey and creates the installation. */
  async register(draft: string, response: RegistrationResponseJSON): Promise<string> {
    const challenge = await this.#state.take(`registration:${draft}`);
    if (!challenge)
      throw new HonninError('registration_expired', 'the registration took too long; start again', {
        status: 410,
      });
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.#origin,
        expectedRPID: this.#rpId,
        requireUserVerification: true,
      });
    } catch (e) {
      throw new HonninError(
        'device_unlock_failed',
        `the passkey could not be verified: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (!verified.verified)
      throw new HonninError('device_unlock_failed', 'the passkey could not be verified');
    const { credential } = verified.registrationInfo;
    const now = this.#now();
    await this.#storage.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('app_installation')
        .values({
          id: draft,
          citizen_id: null,
          terms_version: TERMS_VERSION,
          privacy_version: PRIVACY_VERSION,
          created_at: now,
          last_used_at: now,
        })
        .execute();
      await trx
        .insertInto('passkey')
        .values({
          credential_id: credential.id,
          installation_id: draft,
          public_key: credential.publicKey,
          counter: credential.counter,
          transports: JSON.stringify(credential.transports ?? []),
          created_at: now,
          last_used_at: null,
        })
        .execute();
    });
    return draft;
  }

  async linkCitizen(installationId: string, citizenId: string): Promise<void> {
    await this.#storage.db
      .updateTable('app_installation')
      .set({ citizen_id: citizenId, last_used_at: this.#now() })
      .where('id', '=', installationId)
      .execute();
  }

  // ── device unlock ──

  async unlockOptions(
    installationId: string,
    purpose: string,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = await this.#storage.db
      .selectFrom('passkey')
      .select(['credential_id', 'transports'])
      .where('installation_id', '=', installationId)
      .execute();
    const options = await generateAuthenticationOptions({
      rpID: this.#rpId,
      userVerification: 'required',
      allowCredentials: passkeys.map((p) => ({ id: p.credential_id, transports: JSON.parse(p.transports) })),
      timeout: 120_000,
    });
    await this.#state.set(`unlock:${installationId}:${purpose}`, options.challenge, 300_000);
    return options;
  }

  /** Checks the device unlock (passkey with user verification) for this installation. */
  async unlock(installationId: string, purpose: string, response: AuthenticationResponseJSON): Promise<void> {
    const challenge = await this.#state.take(`unlock:${installationId}:${purpose}`);
    if (!challenge)
      throw new HonninError('device_unlock_failed', 'the unlock took too long; try again', { status: 410 });
    const passkey = await this.#storage.db
      .selectFrom('passkey')
      .selectAll()
      .where('credential_id', '=', response.id)
      .where('installation_id', '=', installationId)
      .executeTakeFirst();
    if (!passkey)
      throw new HonninError('device_unlock_failed', 'this passkey does not belong to this app', {
        status: 403,
      });
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.#origin,
        expectedRPID: this.#rpId,
        requireUserVerification: true,
        credential: {
          id: passkey.credential_id,
          publicKey: new Uint8Array(passkey.public_key),
          counter: Number(passkey.counter),
          transports: JSON.parse(passkey.transports),
        },
      });
    } catch (e) {
      throw new HonninError('device_unlock_failed', `the device unlock failed: ${(e as Error).message}`, {
        status: 403,
        cause: e,
      });
    }
    if (!result.verified)
      throw new HonninError('device_unlock_failed', 'the device unlock failed', { status: 403 });
    const now = this.#now();
    await this.#storage.db
      .updateTable('passkey')
      .set({ counter: result.authenticationInfo.newCounter, last_used_at: now })
      .where('credential_id', '=', passkey.credential_id)
      .execute();
    await this.#storage.db
      .updateTable('app_installation')
      .set({ last_used_at: now })
      .where('id', '=', installationId)
      .execute();
  }
}
