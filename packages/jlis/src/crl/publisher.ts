import { caName } from '@honnin/jpki/profile';
import { HonninError, isUniqueViolation, type Logger, type Storage, silentLogger } from '@honnin/runtime';
import type { CertificateAuthorities } from '../ca/authority.ts';
import { nameDer } from '../ca/x509.ts';
import type { Revoker } from '../revocation/revoker.ts';
import type { JlisDB } from '../store/schema.ts';
import { type CrlEntry, writeCrl } from './writer.ts';

export interface CrlInfo {
  caId: string;
  number: number;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: number;
  size: number;
  sha256: string;
  chunks: number;
}

export interface CrlPublisherOptions {
  /** nextUpdate − thisUpdate, and the longest a CRL goes without being re-issued (default one day) */
  intervalSeconds?: number | undefined;
  /** re-issue a generation's CRL as soon as it revokes something (default true) */
  onRevocation?: boolean | undefined;
  logger?: Logger | undefined;
  now?: () => Date;
}

const CHUNK = 1 << 20;
/** rows per query: small enough that each page dies young in the heap */
const PAGE = 1000;
/** re-issued once this share of its life has passed, so a fetched CRL never runs out */
const REISSUE_AT = 0.9;

type CrlRow = JlisDB['crl'];
const info = (r: CrlRow): CrlInfo => ({
  caId: r.ca_id,
  number: Number(r.number),
  thisUpdate: new Date(Number(r.this_update)),
  nextUpdate: new Date(Number(r.next_update)),
  entries: Number(r.entries),
  size: Number(r.size),
  sha256: r.sha256,
  chunks: Number(r.chunks),
});

/**
 * Publishes one full CRL per CA generation (no partitions: see README) and
 * keeps it current: a CRL is re-issued when its generation revoked something
 * since (every instance sees that through the generation's revocation counter),
 * and on the schedule, before nextUpdate. The DER lives in the store in 1 MiB
 * chunks so every instance serves the same bytes.
 */
export class CrlPublisher {
  readonly #storage: Storage<JlisDB>;
  readonly #ca: CertificateAuthorities;
  readonly #revoker: Revoker;
  readonly #intervalMs: number;
  readonly #onRevocation: boolean;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #running = new Map<string, Promise<unknown>>();
  readonly #debounce = new Map<string, NodeJS.Timeout>();
  readonly #background = new Set<Promise<unknown>>();
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(
    storage: Storage<JlisDB>,
    ca: CertificateAuthorities,
    revoker: Revoker,
    opts: CrlPublisherOptions = {},
  ) {
    this.#storage = storage;
    this.#ca = ca;
    this.#revoker = revoker;
    this.#intervalMs = (opts.intervalSeconds ?? 86_400) * 1000;
    this.#onRevocation = opts.onRevocation ?? true;
    this.#log = opts.logger ?? silentLogger();
    this.#now = opts.now ?? (() => new Date());
  }

  /** Background work for a server: re-issue after revocations and on the schedule. */
  start(): void {
    if (this.#onRevocation) {
      this.#unsubscribe = this.#revoker.onRevoked((caIds) => {
        for (const id of caIds) {
          clearTimeout(this.#debounce.get(id));
          const t = setTimeout(() => {
            this.#debounce.delete(id);
            this.#inBackground(id);
          }, 200);
          t.unref();
          this.#debounce.set(id, t);
        }
      });
    }
    const tick = () => {
      for (const g of this.#ca.list()) if (g.notAfter > this.#now()) this.#inBackground(g.id);
    };
    this.#timer = setInterval(tick, Math.min(this.#intervalMs / 10, 60_000));
    this.#timer.unref();
    tick();
  }

  /** Ends the background work and waits for what is under way (before the store closes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    for (const t of this.#debounce.values()) clearTimeout(t);
    this.#debounce.clear();
    await Promise.allSettled([...this.#background, ...this.#running.values()]);
  }

  /** The generation's CRL, re-issued first when it is stale or due. */
  async current(caId: string): Promise<CrlInfo> {
    this.#ca.get(caId); // 404 for an unknown generation
    for (;;) {
      const running = this.#running.get(caId);
      if (running) await running.catch(() => {});
      const [row, ca] = await Promise.all([
        this.#storage.db.selectFrom('crl').selectAll().where('ca_id', '=', caId).executeTakeFirst(),
        this.#storage.db
          .selectFrom('ca')
          .select('revocations')
          .where('id', '=', caId)
          .executeTakeFirstOrThrow(),
      ]);
      if (row && !this.#stale(row, Number(ca.revocations))) return info(row);
      await this.#publishOnce(caId);
    }
  }

  /** Issues a new CRL now, whether or not anything changed. */
  async publish(caId: string): Promise<CrlInfo> {
    this.#ca.get(caId);
    const running = this.#running.get(caId);
    if (running) await running.catch(() => {});
    await this.#publishOnce(caId);
    const row = await this.#storage.db
      .selectFrom('crl')
      .selectAll()
      .where('ca_id', '=', caId)
      .executeTakeFirstOrThrow();
    return info(row);
  }

  /** The CRL's DER, chunk by chunk. */
  async *chunks(crl: CrlInfo): AsyncIterable<Uint8Array> {
    for (let seq = 0; seq < crl.chunks; seq++) {
      const row = await this.#storage.db
        .selectFrom('crl_chunk')
        .select('data')
        .where('ca_id', '=', crl.caId)
        .where('number', '=', crl.number)
        .where('seq', '=', seq)
        .executeTakeFirst();
      if (!row) {
        throw new HonninError('jlis_crl_superseded', 'the CRL was replaced while it was read; fetch again', {
          status: 503,
        });
      }
      yield new Uint8Array(row.data);
    }
  }

  /** The whole CRL in memory (exports and tests; servers stream `chunks`). */
  async der(caId: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const c of this.chunks(await this.current(caId))) parts.push(c);
    return new Uint8Array(Buffer.concat(parts));
  }

  #stale(row: CrlRow, revocations: number): boolean {
    const age = this.#now().getTime() - Number(row.this_update);
    if (age >= (Number(row.next_update) - Number(row.this_update)) * REISSUE_AT) return true;
    return this.#onRevocation && revocations > Number(row.revocations);
  }

  #inBackground(caId: string): void {
    if (this.#stopped) return;
    const task = this.current(caId)
      .catch((err) => this.#log.error({ err, caId }, 'CRL publication failed'))
      .finally(() => this.#background.delete(task));
    this.#background.add(task);
  }

  /** One publication at a time per generation in this process. */
  #publishOnce(caId: string): Promise<unknown> {
    let p = this.#running.get(caId);
    if (!p) {
      p = this.#generate(caId).finally(() => this.#running.delete(caId));
      this.#running.set(caId, p);
    }
    return p;
  }

  async #generate(caId: string): Promise<void> {
    const db = this.#storage.db;
    const g = this.#ca.get(caId);
    const key = await this.#ca.key(caId);
    // the counter is read before the entries: a revocation that slips in between makes the CRL stale, never wrong
    const [prev, ca] = await Promise.all([
      db.selectFrom('crl').select('number').where('ca_id', '=', caId).executeTakeFirst(),
      db.selectFrom('ca').select('revocations').where('id', '=', caId).executeTakeFirstOrThrow(),
    ]);
    const number = Number(prev?.number ?? 0) + 1;
    const now = this.#now().getTime();
    const thisUpdate = new Date(Math.floor(now / 1000) * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + this.#intervalMs);
    const started = performance.now();

    let seq = 0;
    let buf = new Uint8Array(CHUNK);
    let used = 0;
    const flush = async () => {
      if (used === 0) return;
      await db
        .insertInto('crl_chunk')
        .values({ ca_id: caId, number, seq: seq++, data: buf.slice(0, used) })
        .execute();
      used = 0;
    };
    const sink = async (chunk: Uint8Array) => {
      for (let off = 0; off < chunk.length; ) {
        const n = Math.min(CHUNK - used, chunk.length - off);
        buf.set(chunk.subarray(off, off + n), used);
        used += n;
        off += n;
        if (used === CHUNK) await flush();
      }
    };
    let written: Awaited<ReturnType<typeof writeCrl>>;
    try {
      written = await writeCrl(
        {
          issuerDer: nameDer(caName(g.purpose, this.#ca.org)),
          issuerSpkiDer: g.spkiDer,
          signingKey: key,
          thisUpdate,
          nextUpdate,
          number: BigInt(number),
        },
        this.#entries(caId, now),
        sink,
      );
      await flush();
    } catch (e) {
      // another instance is writing the same number: its CRL will do
      if (isUniqueViolation(e)) return;
      await db.deleteFrom('crl_chunk').where('ca_id', '=', caId).where('number', '=', number).execute();
      throw e;
    } finally {
      buf = new Uint8Array(0);
    }
    await db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('crl').select('number').where('ca_id', '=', caId).executeTakeFirst();
      if (cur && Number(cur.number) >= number) return;
      const row: CrlRow = {
        ca_id: caId,
        number,
        this_update: thisUpdate.getTime(),
        next_update: nextUpdate.getTime(),
        revocations: Number(ca.revocations),
        entries: written.entries,
        size: written.size,
        sha256: written.sha256,
        chunks: seq,
      };
      await trx
        .insertInto('crl')
        .values(row)
        .onConflict((oc) => oc.column('ca_id').doUpdateSet(row))
        .execute();
      // the previous CRL stays for readers still streaming it
      await trx
        .deleteFrom('crl_chunk')
        .where('ca_id', '=', caId)
        .where('number', '<', number - 1)
        .execute();
    });
    this.#log.info(
      {
        caId,
        number,
        entries: written.entries,
        bytes: written.size,
        ms: Math.round(performance.now() - started),
      },
      'CRL published',
    );
  }

  /**
   * The generation's revoked certificates up to `until` (the CRL's thisUpdate before it
   * is cut to whole seconds) in (revoked_at, serial) pages; long-expired ones drop off.
   */
  async *#entries(caId: string, until: number): AsyncIterable<CrlEntry[]> {
    // RFC 5280 §3.3: an entry stays until one scheduled CRL after the certificate expired
    const keepExpiredSince = until - this.#intervalMs;
    let cursor: [number, string] | undefined;
    for (;;) {
      let q = this.#storage.db
        .selectFrom('certificate')
        // rows come out shaped as CRL entries: no second object per entry
        .select(['serial', 'revoked_at as revokedAt', 'revocation_reason as reason'])
        .where('ca_id', '=', caId)
        .where('revoked_at', 'is not', null)
        .where('revoked_at', '<=', until)
        .where('not_after', '>=', keepExpiredSince);
      if (cursor) {
        const [at, serial] = cursor;
        q = q.where((eb) => eb(eb.refTuple('revoked_at', 'serial'), '>', eb.tuple(at, serial)));
      }
      const rows = (await q.orderBy('revoked_at').orderBy('serial').limit(PAGE).execute()) as CrlEntry[];
      if (rows.length === 0) return;
      yield rows;
      const last = rows[rows.length - 1]!;
      cursor = [Number(last.revokedAt), last.serial];
      if (rows.length < PAGE) return;
    }
  }
}
