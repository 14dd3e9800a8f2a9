import { MalformedError } from '../errors.ts';
import { digestInfoOf } from '../signature/digest-info.ts';

/**
 * The login challenge: the bytes the user-authentication key signs, as the
 * PKCS#1 v1.5 signature of their SHA-256 DigestInfo. It binds a server nonce,
 * the relying party, the origin the user saw and the time. UTF-8 text, lines
 * joined by "\n", no trailing newline, fields in this order:
 *
 *     honnin-jpki-login/1
 *     rp:<relying party id>
 *     origin:<scheme://host[:port]>
 *     nonce:<base64url, 16–64 random bytes>
 *     issued:<YYYY-MM-DDTHH:MM:SS.sssZ>
 *
 * Readable on purpose: an app can show what is being signed. Decoding is strict
 * (one encoding per challenge), so the signed bytes are the only truth.
 * Browser-safe: no Node imports.
 */
export const LOGIN_CHALLENGE_HEADER = 'honnin-jpki-login/1';

export interface LoginChallengeFields {
  /** the relying party the login is for (e.g. an OIDC client_id) */
  relyingParty: string;
  /** the web origin the user saw (scheme://host[:port]) */
  origin: string;
  /** base64url of at least 16 random bytes, single use (the verifier remembers it) */
  nonce: string;
  issuedAt: Date;
}

export interface LoginChallenge extends LoginChallengeFields {
  /** exactly the bytes to sign */
  bytes: Uint8Array;
  text: string;
}

const RP = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;
const NONCE = /^[A-Za-z0-9_-]{22,86}$/;
const ISSUED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function problems(f: LoginChallengeFields): string[] {
  const p: string[] = [];
  if (typeof f.relyingParty !== 'string' || !RP.test(f.relyingParty))
    p.push('rp must be 1–255 printable ASCII characters without surrounding spaces');
  if (typeof f.origin !== 'string' || canonicalOrigin(f.origin) !== f.origin)
    p.push('origin must be an http(s) origin written scheme://host[:port]');
  if (typeof f.nonce !== 'string' || !NONCE.test(f.nonce)) p.push('nonce must be base64url of 16–64 bytes');
  if (
    !(f.issuedAt instanceof Date) ||
    Number.isNaN(f.issuedAt.getTime()) ||
    !ISSUED.test(f.issuedAt.toISOString())
  )
    p.push('issued must be a date between years 0 and 9999');
  return p;
}

/** `scheme://host[:port]` as the URL standard serialises it; undefined for anything else. */
export function canonicalOrigin(origin: string): string | undefined {
  try {
    const u = new URL(origin);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.origin === 'null') return undefined;
    return u.origin;
  } catch {
    return undefined;
  }
}

export function encodeLoginChallenge(fields: LoginChallengeFields): LoginChallenge {
  const p = problems(fields);
  if (p.length) throw new MalformedError(`login challenge: ${p.join('; ')}`);
  const text = [
    LOGIN_CHALLENGE_HEADER,
    `rp:${fields.relyingParty}`,
    `origin:${fields.origin}`,
    `nonce:${fields.nonce}`,
    `issued:${fields.issuedAt.toISOString()}`,
  ].join('\n');
  return {
    ...fields,
    issuedAt: new Date(fields.issuedAt.getTime()),
    text,
    bytes: new TextEncoder().encode(text),
  };
}

/** Base64url of fresh random bytes (WebCrypto). */
export function randomNonce(bytes = 32): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A fresh challenge for one login; the caller keeps `nonce` (single use) to verify it later. */
export function createLoginChallenge(opts: {
  relyingParty: string;
  origin: string;
  now?: Date | undefined;
  nonce?: string | undefined;
}): LoginChallenge {
  return encodeLoginChallenge({
    relyingParty: opts.relyingParty,
    origin: opts.origin,
    nonce: opts.nonce ?? randomNonce(),
    issuedAt: opts.now ?? new Date(),
  });
}

/** Strict decoding: anything but the exact canonical encoding is MalformedError. */
export function decodeLoginChallenge(bytes: Uint8Array): LoginChallenge {
  if (!(bytes instanceof Uint8Array) || bytes.length > 1024)
    throw new MalformedError('a login challenge is at most 1024 bytes');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw new MalformedError('login challenge is not UTF-8', { cause: e });
  }
  const lines = text.split('\n');
  const field = (i: number, name: string) => {
    const line = lines[i];
    if (line === undefined || !line.startsWith(`${name}:`))
      throw new MalformedError(`login challenge line ${i + 1} must be ${name}:…`);
    return line.slice(name.length + 1);
  };
  if (lines[0] !== LOGIN_CHALLENGE_HEADER || lines.length !== 5)
    throw new MalformedError(`a login challenge has 5 lines starting with ${LOGIN_CHALLENGE_HEADER}`);
  const issued = field(4, 'issued');
  const challenge = encodeLoginChallenge({
    relyingParty: field(1, 'rp'),
    origin: field(2, 'origin'),
    nonce: field(3, 'nonce'),
    issuedAt: new Date(ISSUED.test(issued) ? issued : Number.NaN),
  });
  if (challenge.text !== text) throw new MalformedError('login challenge is not in canonical form');
  return challenge;
}

/** The SHA-256 DigestInfo the card signs for this challenge (what the JPKI client sends to the card). */
export function loginChallengeDigestInfo(challenge: Uint8Array): Promise<Uint8Array> {
  return digestInfoOf(challenge, 'sha256');
}
