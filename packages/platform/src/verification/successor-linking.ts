import { buildCrlIndex } from '@honnin/jpki';
import type { Logger, Storage } from '@honnin/runtime';
import type { EventLog } from '../events/event-log.ts';
import { FlowError } from '../outcomes.ts';
import type { PlatformDB } from '../store/schema.ts';
import type { Requester } from './card-verifier.ts';
import { type Fees, OPERATOR_ACCOUNT } from './fees.ts';
import type { JlisConnection } from './jlis.ts';

/** CRLReason superseded (RFC 5280): renewal, or re-issue of a card while the certificate was valid. */
const SUPERSEDED = 4;
/** Entries revoked this long before the thisUpdate of the CRL followed last are looked at again. */
const MARGIN_MS = 3_600_000;
/** Serials per lookup of known certificates. */
const BATCH = 500;

interface SuccessorAnswer {
  serial: string;
  newestSerial: string;
  chain: string[];
}

export interface LinkingRun {
  /** 新旧紐付け queries made (each a charged validity check at J-LIS) */
  checked: number;
  /** certificates newly recorded for a known citizen */
  linked: number;
  /** citizens found to be one person and folded into the older record */
  merged: number;
}

/**
 * Old → new linking (新旧紐付け) as soon as the platform can: J-LIS answers
 * only "what replaced this certificate", and a platform operator learns that a
 * certificate it knows was replaced from J-LIS's revocation data. So when a
 * login or signature brings an auth certificate nobody knows, the platform
 * looks at what the auth CA generations' CRLs added since it looked last
 * (conditional GET: nothing to do when unchanged), and asks J-LIS for the
 * successor of each certificate it knows that was revoked as superseded —
 * before it decides who the citizen is. A periodic run follows every
 * superseded entry as a backstop (a CRL J-LIS re-issued late).
 *
 * Only auth certificates are followed: a new signature certificate (a move,
 * or a renewal) is tied to its card's auth certificate by 紐付け at ¥2, which
 * is cheaper than following the old signature certificate at ¥20; and a
 * signature certificate's affiliationChanged also means death or emigration.
 *
 * Each query is asked once (a claim on the known certificate shared by every
 * instance) and metered: to the relying party whose login needed it, else to
 * the operator's own account. The CRL lookups only choose which certificates to
 * ask about; they are not reported as CRL checks, since the 新旧紐付け query
 * performs (and J-LIS charges) the validity check of the same certificate.
 */
export class SuccessorLinker {
  readonly #storage: Storage<PlatformDB>;
  readonly #jlis: JlisConnection;
  readonly #fees: Fees;
  readonly #events: EventLog;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** logins waiting for the current run, by the serial they brought */
  readonly #waiting = new Map<string, Requester>();
  #current: Promise<LinkingRun> | undefined;
  #next: Promise<LinkingRun> | undefined;

  constructor(
    storage: Storage<PlatformDB>,
    jlis: JlisConnection,
    deps: { fees: Fees; events: EventLog; logger: Logger; now: () => number },
  ) {
    this.#storage = storage;
    this.#jlis = jlis;
    this.#fees = deps.fees;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#now = deps.now;
  }

  /**
   * Before an unknown auth certificate gets a new citizen: follows what the
   * CRLs added since the last look. Logins arriving together share one run; one
   * arriving during a run waits for the next, which starts after it.
   */
  async linkFor(authSerial: string, who: Requester): Promise<void> {
    this.#waiting.set(authSerial, who);
    try {
      if (!this.#next) {
        const previous = this.#current ?? Promise.resolve();
        this.#next = previous
          .catch(() => {})
          .then(() => {
            this.#next = undefined;
            this.#current = this.#run('new').finally(() => {
              this.#current = undefined;
            });
            return this.#current;
          });
      }
      await this.#next;
    } finally {
      this.#waiting.delete(authSerial);
    }
  }

  /** The backstop: every superseded entry of every auth CRL, whatever was looked at before. */
  linkAll(): Promise<LinkingRun> {
    return this.#run('all');
  }

  async #run(mode: 'new' | 'all'): Promise<LinkingRun> {
    const totals: LinkingRun = { checked: 0, linked: 0, merged: 0 };
    const failures: unknown[] = [];
    const trust = await this.#jlis.trust();
    for (const g of trust.generations.filter((x) => x.purpose === 'auth')) {
      const seen = await this.#storage.db
        .selectFrom('crl_follow')
        .selectAll()
        .where('ca_id', '=', g.id)
        .executeTakeFirst();
      const res = await this.#jlis.fetch(g.crlPath, {
        headers: mode === 'new' && seen ? { 'if-none-match': seen.etag } : {},
        timeoutMs: 60_000,
      });
      if (res.status === 304) continue;
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new FlowError('revocation_unavailable', `J-LIS CRL ${g.id}: HTTP ${res.status}`, {
          status: 503,
        });
      }
      const crl = await buildCrlIndex(res.body, { trust: trust.validator.trust }).catch((e: Error) => {
        throw new FlowError('revocation_unavailable', `J-LIS CRL ${g.id}: ${e.message}`, {
          status: 503,
          cause: e,
        });
      });
      const since = mode === 'new' && seen ? Number(seen.this_update) - MARGIN_MS : Number.NEGATIVE_INFINITY;
      const failed = failures.length;
      const replaced: string[] = [];
      for (const e of crl.entries())
        if (e.reasonCode === SUPERSEDED && e.revokedAt.getTime() >= since) replaced.push(e.serial);
      for (let i = 0; i < replaced.length; i += BATCH) {
        const known = await this.#storage.db
          .selectFrom('citizen_certificate')
          .select(['serial', 'citizen_id'])
          .where('purpose', '=', 'auth')
          .where('serial', 'in', replaced.slice(i, i + BATCH))
          .where('successor_checked_at', 'is', null)
          .execute();
        for (const k of known) {
          try {
            const r = await this.#follow(k.serial, k.citizen_id);
            totals.checked += r.checked;
            totals.linked += r.linked;
            totals.merged += r.merged;
          } catch (e) {
            failures.push(e);
          }
        }
      }
      // a certificate not followed is looked at again next time: the mark stays where it was
      if (failures.length > failed) continue;
      // every instance starts from here next time (never back to an older CRL)
      const etag = res.headers.get('etag');
      const thisUpdate = crl.thisUpdate.getTime();
      if (etag && (!seen || Number(seen.this_update) <= thisUpdate)) {
        const row = { etag, this_update: thisUpdate, updated_at: this.#now() };
        await this.#storage.db
          .insertInto('crl_follow')
          .values({ ca_id: g.id, ...row })
          .onConflict((oc) => oc.column('ca_id').doUpdateSet(row))
          .execute();
      }
    }
    if (failures.length) {
      this.#logger.warn({ err: failures[0], failures: failures.length }, 'successor linking incomplete');
      throw failures[0];
    }
    return totals;
  }

  /** Asks J-LIS once for a known certificate's successor and records the chain under its citizen. */
  async #follow(serial: string, citizenId: string): Promise<LinkingRun> {
    const now = this.#now();
    const claimed = await this.#storage.db
      .updateTable('citizen_certificate')
      .set({ successor_checked_at: now })
      .where('purpose', '=', 'auth')
      .where('serial', '=', serial)
      .where('successor_checked_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return { checked: 0, linked: 0, merged: 0 };
    let a: SuccessorAnswer;
    try {
      a = await this.#jlis.json<SuccessorAnswer>('POST', '/verifier/successor', { purpose: 'auth', serial });
    } catch (e) {
      await this.#storage.db
        .updateTable('citizen_certificate')
        .set({ successor_checked_at: null })
        .where('purpose', '=', 'auth')
        .where('serial', '=', serial)
        .execute();
      throw e;
    }
    const who = a.chain.map((s) => this.#waiting.get(s)).find((w) => w !== undefined);
    if (who) {
      await this.#fees.charge(who.clientId, who.transactionId, 'successor');
      await this.#events.record(who.transactionId, who.clientId, 'certificate_linked', {
        reason: 'superseded',
      });
    } else await this.#fees.charge(OPERATOR_ACCOUNT, 'successor-linking', 'successor');

    let linked = 0;
    let merged = 0;
    for (const next of a.chain.slice(1)) {
      // the ones in between were replaced too: nothing left to ask about them
      const checked = next === a.newestSerial ? null : now;
      const res = await this.#storage.db
        .insertInto('citizen_certificate')
        .values({
          purpose: 'auth',
          serial: next,
          citizen_id: citizenId,
          first_seen_at: now,
          last_seen_at: now,
          successor_checked_at: checked,
        })
        .onConflict((oc) => oc.columns(['purpose', 'serial']).doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) {
        linked++;
        continue;
      }
      const other = await this.#storage.db
        .selectFrom('citizen_certificate')
        .select('citizen_id')
        .where('purpose', '=', 'auth')
        .where('serial', '=', next)
        .executeTakeFirstOrThrow();
      if (other.citizen_id !== citizenId) {
        await this.#merge(other.citizen_id, citizenId);
        merged++;
      }
    }
    return { checked: 1, linked, merged };
  }

  /**
   * A login the platform could not link yet (a CRL J-LIS issued late) made a
   * second record of one person: fold it into the older one, so from now on
   * both certificates give the citizen's first pairwise subs.
   */
  async #merge(from: string, into: string): Promise<void> {
    await this.#storage.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('citizen_certificate')
        .set({ citizen_id: into })
        .where('citizen_id', '=', from)
        .execute();
      await trx
        .updateTable('app_installation')
        .set({ citizen_id: into })
        .where('citizen_id', '=', from)
        .execute();
      await trx
        .updateTable('sign_transaction')
        .set({ citizen_id: into })
        .where('citizen_id', '=', from)
        .execute();
      await trx
        .updateTable('released_identity')
        .set({ citizen_id: into })
        .where('citizen_id', '=', from)
        .execute();
      await trx.deleteFrom('citizen').where('id', '=', from).execute();
    });
    this.#logger.info({ from, into }, 'one citizen across a renewal linked late: records merged');
  }
}
