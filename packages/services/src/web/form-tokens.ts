import { createHmac, randomBytes } from 'node:crypto';
import { type Kysely, sameSecret } from '@honnin/runtime';
import type { WebDB } from './session.ts';

/**
 * The form tokens of visitors without a stored session (signup, login, a
 * language switch): a signed double-submit. The browser holds a random secret
 * in an httpOnly cookie; its forms carry HMAC(key, secret). A visitor costs no
 * row, and a cookie planted from a sibling origin (cookies ignore ports) is
 * of no use without the key. The key is made once and kept in the service's
 * storage, so every instance and every restart accepts the same tokens.
 */
export class FormTokenKey {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static async load(db: Kysely<WebDB>, clock: () => number): Promise<FormTokenKey> {
    // the first key stored wins, so instances starting together agree
    await db
      .insertInto('web_key')
      .values({ name: 'form_token', secret: randomBytes(32).toString('base64'), created_at: clock() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const row = await db
      .selectFrom('web_key')
      .select('secret')
      .where('name', '=', 'form_token')
      .executeTakeFirstOrThrow();
    return new FormTokenKey(Buffer.from(row.secret, 'base64'));
  }

  /** The form token of one browser: `secret` is its cookie; `setCookie` gives it one on first use. */
  forBrowser(secret: string | undefined, setCookie: (secret: string) => void): BrowserFormToken {
    let current = secret;
    const sign = (s: string) => createHmac('sha256', this.#key).update(s).digest('base64url');
    return {
      token() {
        if (!current) {
          current = randomBytes(32).toString('base64url');
          setCookie(current);
        }
        return sign(current);
      },
      check(candidate) {
        return !!current && typeof candidate === 'string' && sameSecret(candidate, sign(current));
      },
    };
  }
}

export interface BrowserFormToken {
  /** the token this browser's forms carry (its cookie is set with the response when it has none) */
  token(): string;
  check(candidate: unknown): boolean;
}
