import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { HonninError, isUniqueViolation, type Storage } from '@honnin/runtime';
import type { JlisDB } from '../store/schema.ts';

export interface Verifier {
  id: string;
  name: string;
  keyHint: string;
  createdAt: Date;
  disabled: boolean;
}

/** A verifier as created: the API key is shown this once and stored only hashed. */
export interface NewVerifier extends Verifier {
  apiKey: string;
}

/** API keys carry 256 random bits; a plain SHA-256 is enough to keep them unusable at rest. */
const hashKey = (apiKey: string) => createHash('sha256').update(apiKey).digest('hex');
export const newApiKey = () => `jlisv_${randomBytes(32).toString('base64url')}`;
const hint = (apiKey: string) => apiKey.slice(0, 10);

type Row = JlisDB['verifier'];
const toVerifier = (r: Row): Verifier => ({
  id: r.id,
  name: r.name,
  keyHint: r.key_hint,
  createdAt: new Date(Number(r.created_at)),
  disabled: r.disabled_at !== null,
});

/**
 * The approved signature verifiers (署名検証者) — the only ones J-LIS gives
 * revocation data to. Each authenticates with a bearer API key.
 */
export class VerifierRegistry {
  readonly #storage: Storage<JlisDB>;
  readonly #now: () => Date;

  constructor(storage: Storage<JlisDB>, opts: { now?: () => Date } = {}) {
    this.#storage = storage;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Registers a verifier; `apiKey` keeps a key handed out before (e.g. from a credentials file). */
  async add(name: string, apiKey: string = newApiKey()): Promise<NewVerifier> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 200) {
      throw new HonninError('jlis_verifier_invalid', 'a verifier needs a name of 1–200 characters');
    }
    const row: Row = {
      id: randomUUID(),
      name: trimmed,
      key_hash: hashKey(apiKey),
      key_hint: hint(apiKey),
      created_at: this.#now().getTime(),
      disabled_at: null,
    };
    try {
      await this.#storage.db.insertInto('verifier').values(row).execute();
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new HonninError('jlis_verifier_exists', `a verifier named ${trimmed} exists`, {
          status: 409,
          cause: e,
        });
      }
      throw e;
    }
    return { ...toVerifier(row), apiKey };
  }

  async list(): Promise<Verifier[]> {
    const rows = await this.#storage.db.selectFrom('verifier').selectAll().orderBy('created_at').execute();
    return rows.map(toVerifier);
  }

  /** By id or by name. */
  async get(idOrName: string): Promise<Verifier> {
    const row = await this.#storage.db
      .selectFrom('verifier')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    if (!row) throw new HonninError('jlis_verifier_unknown', `no verifier ${idOrName}`, { status: 404 });
    return toVerifier(row);
  }

  /** Gives a verifier a new key (the old one stops working); `apiKey` sets a given one. */
  async rotateKey(idOrName: string, apiKey: string = newApiKey()): Promise<NewVerifier> {
    const v = await this.get(idOrName);
    await this.#storage.db
      .updateTable('verifier')
      .set({ key_hash: hashKey(apiKey), key_hint: hint(apiKey) })
      .where('id', '=', v.id)
      .execute();
    return { ...v, keyHint: hint(apiKey), apiKey };
  }

  async setDisabled(idOrName: string, disabled: boolean): Promise<Verifier> {
    const v = await this.get(idOrName);
    await this.#storage.db
      .updateTable('verifier')
      .set({ disabled_at: disabled ? this.#now().getTime() : null })
      .where('id', '=', v.id)
      .execute();
    return { ...v, disabled };
  }

  /** The verifier an API key belongs to, or undefined (unknown key or disabled verifier). */
  async authenticate(apiKey: string): Promise<Verifier | undefined> {
    const row = await this.#storage.db
      .selectFrom('verifier')
      .selectAll()
      .where('key_hash', '=', hashKey(apiKey))
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return row ? toVerifier(row) : undefined;
  }

  /** True when the key is the verifier's current one. */
  async hasKey(idOrName: string, apiKey: string): Promise<boolean> {
    const v = await this.authenticate(apiKey);
    return v !== undefined && (v.id === idOrName || v.name === idOrName);
  }
}
