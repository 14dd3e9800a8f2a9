import { randomUUID } from 'node:crypto';
import { parseCvCertificate } from '@honnin/card/formats/cv-certificate';
import type { RsaPublicKey } from '@honnin/card/formats/rsa';
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  CertificateRevokedError,
  type CertificateValidator,
  ChallengeExpiredError,
  ChallengeMismatchError,
  type DecodedBasicInfo,
  isJpkiError,
  OcspClient,
  type RevocationStatus,
  verifyLogin,
  verifySignature,
} from '@honnin/jpki';
import type { BasicInfo } from '@honnin/jpki/profile';
import { HonninError, type Logger, type Storage } from '@honnin/runtime';
import type { EventLog } from '../events/event-log.ts';
import { FlowError, type OutcomeCode } from '../outcomes.ts';
import type { PlatformDB } from '../store/schema.ts';
import { verifyCardInfo } from './card-info.ts';
import type { Fees } from './fees.ts';
import { JlisConnection } from './jlis.ts';
import { type LinkingRun, SuccessorLinker } from './successor-linking.ts';

export interface CardVerifierOptions {
  /** J-LIS's base URL (CA certificates, OCSP, verifier services) */
  jlisUrl: string;
  /** the platform operator's verifier API key at J-LIS */
  jlisApiKey: string;
  /**
   * The CV root that certifies the card-info AP's issuer key (what makes the 4
   * items of a login trustworthy): its certificate, or the card host serving it
   * at /v1/cv-root.
   */
  cvRoot: { certificate: Uint8Array } | { cardHostUrl: string };
  fetch?: typeof globalThis.fetch | undefined;
}

/** Who is bound to the request (for fees and the event log). */
export interface Requester {
  clientId: string;
  transactionId: string;
}

export interface LoginProof {
  challenge: Uint8Array;
  signature: Uint8Array;
  certificate: Uint8Array;
  expected: { relyingParty: string; origin: string; nonce: string };
}

/**
 * The platform operator's verification (seed 003's PF事業者): logins and
 * signatures are checked with the JPKI verification library against J-LIS's
 * CA certificates and OCSP responder; each J-LIS check is metered to the
 * relying party; certificates are linked to one citizen across moves
 * (signature → auth linking) and renewals (old → new serial linking).
 */
export class CardVerifier {
  readonly #o: CardVerifierOptions;
  readonly #storage: Storage<PlatformDB>;
  readonly #fees: Fees;
  readonly #events: EventLog;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #jlis: JlisConnection;
  readonly #linker: SuccessorLinker;
  #cvRoot: Promise<RsaPublicKey> | undefined;
  #ocsp: OcspClient;

  constructor(
    storage: Storage<PlatformDB>,
    o: CardVerifierOptions,
    deps: { fees: Fees; events: EventLog; logger: Logger; now: () => number },
  ) {
    this.#o = o;
    this.#storage = storage;
    this.#fees = deps.fees;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#now = deps.now;
    this.#fetch = o.fetch ?? globalThis.fetch;
    this.#jlis = new JlisConnection({ url: o.jlisUrl, apiKey: o.jlisApiKey, fetch: o.fetch });
    this.#linker = new SuccessorLinker(storage, this.#jlis, deps);
    this.#ocsp = new OcspClient({
      url: `${o.jlisUrl}/ocsp`,
      fetch: (url, init) => this.#fetch(url, init),
      headers: { authorization: `Bearer ${o.jlisApiKey}` },
      // same-day status for every check (a revocation must show at once)
      cacheSize: 0,
      now: () => new Date(this.#now()),
    });
  }

  async #trust(refresh = false): Promise<CertificateValidator> {
    return (await this.#jlis.trust(refresh)).validator;
  }

  /** The 4 items the app read from the card-info AP, checked up to the CV root. */
  async cardInfo(files: unknown): Promise<BasicInfo> {
    this.#cvRoot ??= this.#loadCvRoot();
    this.#cvRoot.catch(() => {
      this.#cvRoot = undefined;
    });
    return verifyCardInfo(files, await this.#cvRoot);
  }

  async #loadCvRoot(): Promise<RsaPublicKey> {
    const source = this.#o.cvRoot;
    let der: Uint8Array;
    if ('certificate' in source) der = source.certificate;
    else {
      const res = await this.#fetch(`${source.cardHostUrl}/v1/cv-root`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok)
        throw new HonninError('cv_root_unavailable', `card host CV root: HTTP ${res.status}`, {
          status: 502,
        });
      der = new Uint8Array(
        Buffer.from(((await res.json()) as { certificate: string }).certificate, 'base64'),
      );
    }
    return parseCvCertificate(der).publicKey;
  }

  /** Verifies a card login (auth certificate); returns the citizen it belongs to. */
  async login(
    proof: LoginProof,
    who: Requester,
  ): Promise<{ citizenId: string; serial: string; revocation: RevocationStatus }> {
    const result = await this.#verify(who, 'auth_validity', (validator) =>
      verifyLogin(
        { challenge: proof.challenge, signature: proof.signature, certificate: proof.certificate },
        { validator, expected: proof.expected, at: new Date(this.#now()), revocation: this.#ocsp },
      ),
    );
    const serials = [{ purpose: 'auth', serial: result.serial }];
    const known = await this.#knownCitizen(serials);
    // a certificate nobody knows may be a known citizen's renewal: link it first
    if (!known) await this.#linker.linkFor(result.serial, who);
    const citizenId = await this.#citizenFor(serials, known);
    return { citizenId, serial: result.serial, revocation: result.revocation };
  }

  /** 年齢判定: whether the holder of an auth certificate is at least `age` today (J-LIS knows the birth date). */
  async ageAtLeast(authSerial: string, age: number, who: Requester): Promise<boolean> {
    const a = await this.#jlis.json<{ atLeast: boolean }>('POST', '/verifier/age', {
      purpose: 'auth',
      serial: authSerial,
      age,
    });
    await this.#fees.charge(who.clientId, who.transactionId, 'auth_validity');
    return a.atLeast;
  }

  /** Verifies a signature over a DigestInfo with the signature certificate; links it to the citizen. */
  async signature(
    input: { digestInfo: Uint8Array; signature: Uint8Array; certificate: Uint8Array },
    who: Requester,
  ): Promise<{
    citizenId: string;
    serial: string;
    signer: DecodedBasicInfo;
    revocation: RevocationStatus;
    notBefore: Date;
    notAfter: Date;
    issuer: string;
  }> {
    const r = await this.#verify(who, 'sign_validity', (validator) =>
      verifySignature(input, { validator, at: new Date(this.#now()), revocation: this.#ocsp }),
    );
    const serials: { purpose: 'signature' | 'auth'; serial: string }[] = [
      { purpose: 'signature', serial: r.serial },
    ];
    const known = await this.#knownCitizen(serials);
    if (!known) {
      // 紐付け: the auth certificate of the same card names the citizen a login already knows
      const linked = await this.#jlis.json<{ authSerial: string }>('POST', '/verifier/link', {
        signatureSerial: r.serial,
      });
      await this.#fees.charge(who.clientId, who.transactionId, 'linking');
      const auth = { purpose: 'auth' as const, serial: linked.authSerial };
      if (!(await this.#knownCitizen([auth]))) await this.#linker.linkFor(auth.serial, who);
      serials.push(auth);
    }
    const citizenId = await this.#citizenFor(serials, known);
    return {
      citizenId,
      serial: r.serial,
      signer: r.signer,
      revocation: r.revocation,
      notBefore: r.certificate.notBefore,
      notAfter: r.certificate.notAfter,
      issuer: r.certificate.issuer,
    };
  }

  /** Runs a jpki verification, meters the J-LIS check, and maps failures to outcome codes. */
  async #verify<T extends { revocation: RevocationStatus }>(
    who: Requester,
    fee: 'auth_validity' | 'sign_validity',
    run: (validator: CertificateValidator) => Promise<T>,
  ): Promise<T> {
    let validator = await this.#trust();
    try {
      try {
        const r = await run(validator);
        if (r.revocation.status === 'good') await this.#fees.charge(who.clientId, who.transactionId, fee);
        return r;
      } catch (e) {
        // a CA generation J-LIS added since we fetched the anchors
        if ((e as { code?: string }).code !== 'ERR_JPKI_CERT_NOT_TRUSTED') throw e;
        validator = await this.#trust(true);
        return await run(validator);
      }
    } catch (e) {
      if (e instanceof CertificateRevokedError) await this.#fees.charge(who.clientId, who.transactionId, fee);
      const outcome = outcomeOf(e);
      await this.#events.record(who.transactionId, who.clientId, 'verification_failed', {
        error_code: outcome,
        ...(e instanceof CertificateRevokedError ? { revocation_reason: e.revocation.reason } : {}),
      });
      if (!isJpkiError(e) && !(e instanceof FlowError))
        this.#logger.error({ err: e }, 'card verification failed');
      throw e instanceof FlowError
        ? e
        : new FlowError(outcome, (e as Error).message, {
            cause: e,
            // J-LIS unreachable is the platform's trouble, not the card's: the app may try again
            ...(outcome === 'revocation_unavailable' ? { status: 503 } : {}),
            details:
              e instanceof CertificateRevokedError ? { revocation_reason: e.revocation.reason } : undefined,
          });
    }
  }

  async #knownCitizen(serials: { purpose: string; serial: string }[]): Promise<string | undefined> {
    for (const s of serials) {
      const row = await this.#storage.db
        .selectFrom('citizen_certificate')
        .select('citizen_id')
        .where('purpose', '=', s.purpose)
        .where('serial', '=', s.serial)
        .executeTakeFirst();
      if (row) return row.citizen_id;
    }
    return undefined;
  }

  /**
   * The citizen these serials belong to (`known` when just looked up; else looked up, after
   * linking may have added one; else a new one); records every serial. Two first logins
   * with one certificate at once both make a citizen, but only one mapping row per serial
   * (its key) can be stored: each reads the stored one back and uses its citizen, so one
   * person keeps one `sub`; the citizen that lost is removed.
   */
  async #citizenFor(serials: { purpose: string; serial: string }[], known?: string): Promise<string> {
    const now = this.#now();
    const found = known ?? (await this.#knownCitizen(serials));
    const created = found ? undefined : await this.#newCitizen(now);
    let citizenId = (found ?? created)!;
    // the auth certificate names the citizen first: a login with it may be racing this one
    const ordered = [...serials].sort((a, b) => Number(b.purpose === 'auth') - Number(a.purpose === 'auth'));
    for (const [i, s] of ordered.entries()) {
      await this.#storage.db
        .insertInto('citizen_certificate')
        .values({
          purpose: s.purpose,
          serial: s.serial,
          citizen_id: citizenId,
          first_seen_at: now,
          last_seen_at: now,
        })
        .onConflict((oc) => oc.columns(['purpose', 'serial']).doUpdateSet({ last_seen_at: now }))
        .execute();
      if (i > 0 || !created) continue;
      const stored = await this.#storage.db
        .selectFrom('citizen_certificate')
        .select('citizen_id')
        .where('purpose', '=', s.purpose)
        .where('serial', '=', s.serial)
        .executeTakeFirstOrThrow();
      citizenId = stored.citizen_id;
    }
    if (created && created !== citizenId)
      await this.#storage.db.deleteFrom('citizen').where('id', '=', created).execute();
    return citizenId;
  }

  async #newCitizen(now: number): Promise<string> {
    const id = randomUUID();
    await this.#storage.db.insertInto('citizen').values({ id, created_at: now }).execute();
    return id;
  }

  /** The periodic backstop of old → new linking (and `POST /admin/relink`): see SuccessorLinker. */
  linkAll(): Promise<LinkingRun> {
    return this.#linker.linkAll();
  }
}

/** The documented outcome of a verification failure. */
export function outcomeOf(e: unknown): OutcomeCode {
  if (e instanceof FlowError) return e.outcome;
  if (e instanceof CertificateRevokedError) return 'certificate_revoked';
  if (e instanceof CertificateExpiredError || e instanceof CertificateNotYetValidError)
    return 'certificate_expired';
  if (e instanceof ChallengeMismatchError || e instanceof ChallengeExpiredError) return 'signature_invalid';
  const code = (e as { code?: string }).code ?? '';
  if (code === 'ERR_JPKI_BAD_SIGNATURE') return 'signature_invalid';
  if (/^ERR_JPKI_(REVOCATION_UNKNOWN|OCSP_|CRL_)/.test(code)) return 'revocation_unavailable';
  if (/^ERR_JPKI_/.test(code)) return 'certificate_invalid';
  return 'platform_error';
}
