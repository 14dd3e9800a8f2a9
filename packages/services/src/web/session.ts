import { createHash, randomBytes } from 'node:crypto';
import { HonninError, type Kysely, type PartMigration, sameSecret } from '@honnin/runtime';
import type { BrowserFormToken } from './form-tokens.ts';
import type { Text } from './i18n.ts';
import type { Flash } from './layout.ts';
import { type ThrottleDB, throttleMigrations } from './throttle.ts';

/**
 * Browser sessions kept in the service's own storage (they survive a restart of
 * the service). The cookie holds a random token; the table keys rows by its
 * SHA-256, so a copy of the table opens no session. A session ends on logout,
 * after the idle timeout, or when the same account logs in elsewhere — and the
 * browser whose session ended is told why on its next request. Visitors who
 * only look (and fill in the login or signup form) have no row at all.
 */
export interface WebSessionTable {
  id: string;
  account_id: string | null;
  csrf_token: string;
  /** JSON: flash messages still to show */
  data: string;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
  ended_reason: SessionEnd | null;
}

export interface WebDB extends ThrottleDB {
  web_session: WebSessionTable;
  /** keys the web layer makes once (the form-token key) */
  web_key: { name: string; secret: string; created_at: number };
}

export type SessionEnd = 'logout' | 'idle' | 'superseded';

/** Include in the service's migrations (names sort by date, so later additions stay in order). */
export const webMigrations: Record<string, PartMigration> = {
  '2026-11-22 web 01 sessions': {
    async up(db) {
      await db.schema
        .createTable('web_session')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text')
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('ended_reason', 'text')
        .execute();
      await db.schema.createIndex('web_session_account').on('web_session').columns(['account_id']).execute();
      await db.schema.createIndex('web_session_seen').on('web_session').columns(['last_seen_at']).execute();
    },
  },
  '2026-11-22 web 02 form token key': {
    async up(db) {
      await db.schema
        .createTable('web_key')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  ...throttleMigrations,
};

export type ConcurrentLogin = 'replace' | 'refuse';

export interface SessionPolicy {
  /** a session unused this long ends (the seeds: 60 minutes) */
  idleTimeoutMs: number;
  /** a second login of the same account ends the first ('replace') or is refused */
  concurrentLogin: ConcurrentLogin;
  clock: () => number;
}

/** A login refused because the account is active in another browser. */
export class ConcurrentLoginError extends HonninError {
  readonly text: Text = {
    ja: 'このアカウントは別の端末（ブラウザ）でログイン中です。そちらでログアウトするか、しばらくしてから再度お試しください。',
    en: 'This account is logged in on another device (browser). Log out there, or try again later.',
  };
  constructor() {
    super('login_concurrent', 'the account is logged in elsewhere', { status: 409 });
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

interface SessionData {
  flash?: Flash[];
}

/**
 * The session of one request. A visitor gets a row only when something must be
 * kept: a login, a flash message, a flow bound to this browser (`id`). Until
 * then its forms carry a signed token instead (form-tokens.ts), and looking
 * at pages writes nothing.
 */
export class WebSession {
  readonly #store: SessionStore;
  readonly #setCookie: (token: string) => void;
  readonly #forms: BrowserFormToken;
  #token: string | undefined;
  #row: WebSessionTable | undefined;
  #data: SessionData;
  #csrf: string;
  #saved: boolean;
  /** set when this browser's previous session ended (idle, another login) — found on this request */
  readonly ended: SessionEnd | null;

  constructor(
    store: SessionStore,
    setCookie: (token: string) => void,
    loaded: { token: string; row: WebSessionTable } | undefined,
    ended: SessionEnd | null,
    forms: BrowserFormToken,
  ) {
    this.#store = store;
    this.#setCookie = setCookie;
    this.#forms = forms;
    this.#token = loaded?.token;
    this.#row = loaded?.row;
    this.#data = loaded ? (JSON.parse(loaded.row.data) as SessionData) : {};
    this.#csrf = loaded?.row.csrf_token ?? token();
    this.#saved = !!loaded;
    this.ended = ended;
  }

  get accountId(): string | null {
    return this.#row?.account_id ?? null;
  }
  /** a stable opaque id of this session (the row key) — bind server-side flows to it; asking stores the session */
  get id(): string {
    return this.#row?.id ?? sha256(this.#ensureToken());
  }
  get createdAt(): number | undefined {
    return this.#row?.created_at;
  }
  /** the token forms carry: the stored session's, or the browser's signed one (nothing stored) */
  get csrfToken(): string {
    return this.#saved ? this.#csrf : this.#forms.token();
  }
  /** true when the session must be written before the response goes out */
  get unsaved(): boolean {
    return !this.#saved && this.#token !== undefined;
  }

  /** The stored session's token once there is one (a form from before a login is refused), else the browser's. */
  checkCsrf(candidate: unknown): boolean {
    if (!this.#saved) return this.#forms.check(candidate);
    return typeof candidate === 'string' && sameSecret(candidate, this.#csrf);
  }

  async flash(kind: Flash['kind'], text: Text): Promise<void> {
    this.#data = { ...this.#data, flash: [...(this.#data.flash ?? []), { kind, text }] };
    await this.save();
  }
  async takeFlash(): Promise<Flash[]> {
    const f = this.#data.flash ?? [];
    if (f.length) {
      this.#data = { ...this.#data, flash: [] };
      await this.save();
    }
    return f;
  }

  /**
   * Logs `accountId` in: a new session id (no fixation), other sessions of the
   * account per the policy — unless `shared`: an account several people use
   * at once on purpose (the staff's), whose other sessions are left alone.
   */
  async login(accountId: string, opts: { shared?: boolean } = {}): Promise<void> {
    const next = token();
    const row = await this.#store.login(accountId, next, this.#row?.id, this.#data, opts.shared);
    this.#token = next;
    this.#row = row;
    this.#csrf = row.csrf_token;
    this.#saved = true;
    this.#setCookie(next);
  }

  /** Ends the session; the browser is a visitor again (with a row only for flash messages still to show). */
  async logout(): Promise<void> {
    if (this.#row) await this.#store.end(this.#row.id, 'logout');
    this.#token = undefined;
    this.#row = undefined;
    this.#csrf = token();
    this.#saved = false;
    const flash = this.#data.flash ?? [];
    this.#data = flash.length ? { flash } : {};
    if (flash.length) await this.save();
  }

  /** Writes the session (creating the row and cookie on first use). */
  async save(): Promise<void> {
    const data = JSON.stringify(this.#data);
    if (this.#row && this.#saved) {
      this.#row = { ...this.#row, data };
      await this.#store.update(this.#row.id, data);
      return;
    }
    const t = this.#ensureToken();
    this.#row = await this.#store.create(t, this.#csrf, data, null);
    this.#saved = true;
    this.#setCookie(t);
  }

  #ensureToken(): string {
    this.#token ??= token();
    return this.#token;
  }
}

export class SessionStore {
  readonly #db: Kysely<WebDB>;
  readonly policy: SessionPolicy;

  constructor(db: Kysely<WebDB>, policy: SessionPolicy) {
    this.#db = db;
    this.policy = policy;
  }

  /**
   * The live session for a cookie token, or why a login session is no longer
   * live (`endedId`: the row to `forget` once the browser has been told).
   * Touching renews the idle timer.
   */
  async load(
    cookieToken: string | undefined,
    touch: boolean,
  ): Promise<{ row?: WebSessionTable; ended: SessionEnd | null; endedId?: string }> {
    if (!cookieToken) return { ended: null };
    const id = sha256(cookieToken);
    const row = await this.#db.selectFrom('web_session').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return { ended: null };
    const told = (reason: SessionEnd | null) =>
      row.account_id && reason && reason !== 'logout' ? { ended: reason, endedId: id } : { ended: null };
    if (row.ended_at !== null) return told(row.ended_reason);
    const now = this.policy.clock();
    if (now - Number(row.last_seen_at) > this.policy.idleTimeoutMs) {
      await this.end(id, 'idle');
      return told('idle');
    }
    if (touch)
      await this.#db.updateTable('web_session').set({ last_seen_at: now }).where('id', '=', id).execute();
    return { row, ended: null };
  }

  async create(cookieToken: string, csrf: string, data: string, accountId: string | null) {
    const now = this.policy.clock();
    const row: WebSessionTable = {
      id: sha256(cookieToken),
      account_id: accountId,
      csrf_token: csrf,
      data,
      created_at: now,
      last_seen_at: now,
      ended_at: null,
      ended_reason: null,
    };
    await this.#db.insertInto('web_session').values(row).execute();
    return row;
  }

  async update(id: string, data: string): Promise<void> {
    await this.#db.updateTable('web_session').set({ data }).where('id', '=', id).execute();
  }

  /** Drops a row whose end the browser has been told: a replay of its cookie finds nothing to tell (or store). */
  async forget(id: string): Promise<void> {
    await this.#db.deleteFrom('web_session').where('id', '=', id).execute();
  }

  async end(id: string, reason: SessionEnd): Promise<void> {
    await this.#db
      .updateTable('web_session')
      .set({ ended_at: this.policy.clock(), ended_reason: reason })
      .where('id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
  }

  async login(
    accountId: string,
    cookieToken: string,
    previousId: string | undefined,
    data: SessionData,
    shared = false,
  ) {
    const now = this.policy.clock();
    const others = shared
      ? []
      : await this.#db
          .selectFrom('web_session')
          .select(['id', 'last_seen_at'])
          .where('account_id', '=', accountId)
          .where('ended_at', 'is', null)
          .execute();
    const live = others.filter(
      (o) => o.id !== previousId && now - Number(o.last_seen_at) <= this.policy.idleTimeoutMs,
    );
    if (live.length && this.policy.concurrentLogin === 'refuse') throw new ConcurrentLoginError();
    for (const o of others) {
      if (o.id === previousId) continue;
      await this.end(o.id, live.includes(o) ? 'superseded' : 'idle');
    }
    if (previousId) await this.#db.deleteFrom('web_session').where('id', '=', previousId).execute();
    return this.create(cookieToken, token(), JSON.stringify({ flash: data.flash ?? [] }), accountId);
  }

  /** Drops rows nobody can use any more (kept a day so the browser still learns why it ended). */
  async sweep(): Promise<number> {
    const cutoff = this.policy.clock() - this.policy.idleTimeoutMs - 24 * 3600_000;
    const r = await this.#db
      .deleteFrom('web_session')
      .where((eb) => eb.or([eb('ended_at', '<', cutoff), eb('last_seen_at', '<', cutoff)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
