import { createHash, type Hash } from 'node:crypto';
import { decodeAuthorityKeyId } from '../certificate/x509.ts';
import type { TrustAnchor, TrustStore } from '../chain/trust-store.ts';
import { children, decodeOid, decodeTime, peekHeader, readTlv, type Tlv, toHex } from '../encoding/der.ts';
import { CrlInvalidError, JpkiError, MalformedError, UnsupportedError } from '../errors.ts';
import { hashOfSignatureAlgorithm } from '../signature/pkcs1.ts';

/** One revoked certificate as the index answers it. */
export interface CrlEntry {
  revokedAt: Date;
  /** CRLReason code, absent when the entry carries none */
  reasonCode?: number | undefined;
}

/** Bytes: a whole CRL, or a stream of chunks (a file read stream, a fetch body, …). */
export type CrlSource = Uint8Array | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

const NO_REASON = 255;
/** Fields other than entries are held whole while parsing; anything bigger is not a JPKI CRL. */
const MAX_ELEMENT = 1 << 16;
const MAX_ENTRY = 4096;

/**
 * A CRL's revoked serials in a compact, immutable structure: serials that fit
 * 64 bits (all of J-LIS's) in two Uint32Arrays sorted for binary search, the
 * revocation time in seconds (Uint32Array) and the reason (Uint8Array) —
 * 13 bytes per entry. Longer or negative serials go to a small map.
 */
export class CrlIndex {
  readonly issuer: TrustAnchor;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: bigint | undefined;
  /** DER of the issuingDistributionPoint extension, when the CRL is partitioned */
  readonly issuingDistributionPoint: Uint8Array | undefined;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #time: Uint32Array;
  readonly #reason: Uint8Array;
  readonly #long: Map<string, CrlEntry>;

  constructor(p: {
    issuer: TrustAnchor;
    thisUpdate: Date;
    nextUpdate: Date | undefined;
    crlNumber: bigint | undefined;
    issuingDistributionPoint: Uint8Array | undefined;
    entries: EntryColumns;
  }) {
    this.issuer = p.issuer;
    this.thisUpdate = p.thisUpdate;
    this.nextUpdate = p.nextUpdate;
    this.crlNumber = p.crlNumber;
    this.issuingDistributionPoint = p.issuingDistributionPoint;
    const e = p.entries;
    this.#hi = e.hi;
    this.#lo = e.lo;
    this.#time = e.time;
    this.#reason = e.reason;
    this.#long = e.long;
  }

  /** Number of revoked certificates. */
  get size(): number {
    return this.#hi.length + this.#long.size;
  }

  /** Memory held by the entry columns (the long-serial map estimated). */
  get byteLength(): number {
    return (
      this.#hi.byteLength +
      this.#lo.byteLength +
      this.#time.byteLength +
      this.#reason.byteLength +
      this.#long.size * 96
    );
  }

  /**
   * Every entry with its serial as J-LIS writes serials (upper-case hex without
   * leading zeros; negative serials left out): what a verifier walks to find
   * which of the certificates it knows were revoked since the CRL it saw before.
   */
  *entries(): Generator<CrlEntry & { serial: string }> {
    for (let i = 0; i < this.#hi.length; i++) {
      const r = this.#reason[i]!;
      yield {
        serial: ((BigInt(this.#hi[i]!) << 32n) | BigInt(this.#lo[i]!)).toString(16).toUpperCase(),
        revokedAt: new Date(this.#time[i]! * 1000),
        reasonCode: r === NO_REASON ? undefined : r,
      };
    }
    for (const [key, entry] of this.#long)
      if (!key.startsWith('-')) yield { serial: key.toUpperCase().replace(/^0+(?=.)/, ''), ...entry };
  }

  /** The entry for a serial (INTEGER content octets, or hex as J-LIS writes serials), if revoked. */
  lookup(serial: Uint8Array | string): CrlEntry | undefined {
    const bytes = typeof serial === 'string' ? hexBytes(serial) : serial;
    if (!bytes) return undefined;
    const key = serialKey(bytes, 0, bytes.length);
    if (typeof key === 'string') return this.#long.get(key);
    const [hi, lo] = key;
    const H = this.#hi;
    const L = this.#lo;
    let a = 0;
    let b = H.length - 1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      const h = H[m]!;
      const l = L[m]!;
      if (h < hi || (h === hi && l < lo)) a = m + 1;
      else if (h > hi || l > lo) b = m - 1;
      else {
        const r = this.#reason[m]!;
        return { revokedAt: new Date(this.#time[m]! * 1000), reasonCode: r === NO_REASON ? undefined : r };
      }
    }
    return undefined;
  }
}

function hexBytes(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F]+$/.test(hex)) return undefined;
  const h = hex.length % 2 ? `0${hex}` : hex;
  const out = new Uint8Array(h.length / 2 + 1); // leading 0: a positive INTEGER
  for (let i = 0; i < h.length / 2; i++) out[i + 1] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The key of an INTEGER's content octets: [hi, lo] for a positive value below
 * 2^64, hex text for anything else.
 */
function serialKey(b: Uint8Array, start: number, end: number): [number, number] | string {
  if (end <= start || b[start]! & 0x80) return `-${toHex(b.subarray(start, end))}`;
  let s = start;
  while (s < end - 1 && b[s] === 0) s++;
  const n = end - s;
  if (n > 8) return toHex(b.subarray(s, end));
  let hi = 0;
  let lo = 0;
  for (let i = s; i < end; i++) {
    hi = ((hi << 8) | (lo >>> 24)) >>> 0;
    lo = ((lo << 8) | b[i]!) >>> 0;
  }
  return [hi, lo];
}

interface EntryColumns {
  hi: Uint32Array;
  lo: Uint32Array;
  time: Uint32Array;
  reason: Uint8Array;
  long: Map<string, CrlEntry>;
}

/** Growable columns of entries; tracks whether serials arrive sorted (then no sort is needed). */
class EntryBuilder {
  hi = new Uint32Array(1024);
  lo = new Uint32Array(1024);
  time = new Uint32Array(1024);
  reason = new Uint8Array(1024);
  n = 0;
  sorted = true;
  readonly long = new Map<string, CrlEntry>();

  add(hi: number, lo: number, seconds: number, reason: number): void {
    if (this.n === this.hi.length) this.reserve(Math.ceil(this.n * 1.25) + 1024);
    const i = this.n++;
    if (i > 0 && this.sorted) {
      const ph = this.hi[i - 1]!;
      if (ph > hi || (ph === hi && this.lo[i - 1]! >= lo)) this.sorted = false;
    }
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.time[i] = seconds;
    this.reason[i] = reason;
  }

  reserve(capacity: number): void {
    if (capacity <= this.hi.length) return;
    const grow = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, this.n));
      return b;
    };
    this.hi = grow(this.hi, (n) => new Uint32Array(n));
    this.lo = grow(this.lo, (n) => new Uint32Array(n));
    this.time = grow(this.time, (n) => new Uint32Array(n));
    this.reason = grow(this.reason, (n) => new Uint8Array(n));
  }

  finish(): EntryColumns {
    const n = this.n;
    const fit = <T extends Uint32Array | Uint8Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    const cols = {
      hi: fit(this.hi),
      lo: fit(this.lo),
      time: fit(this.time),
      reason: fit(this.reason),
      long: this.long,
    };
    if (!this.sorted) sortColumns(cols);
    for (let i = 1; i < n; i++) {
      if (cols.hi[i] === cols.hi[i - 1] && cols.lo[i] === cols.lo[i - 1])
        throw new MalformedError('the CRL lists a serial twice');
    }
    return cols;
  }
}

/** In-place quicksort of the columns by (hi, lo); iterative, median of three, insertion sort for small runs. */
function sortColumns(c: EntryColumns): void {
  const { hi, lo, time, reason } = c;
  const less = (i: number, j: number) => hi[i]! < hi[j]! || (hi[i] === hi[j] && lo[i]! < lo[j]!);
  const swap = (i: number, j: number) => {
    let t = hi[i]!;
    hi[i] = hi[j]!;
    hi[j] = t;
    t = lo[i]!;
    lo[i] = lo[j]!;
    lo[j] = t;
    t = time[i]!;
    time[i] = time[j]!;
    time[j] = t;
    t = reason[i]!;
    reason[i] = reason[j]!;
    reason[j] = t;
  };
  const stack: number[] = [0, hi.length - 1];
  while (stack.length) {
    const r = stack.pop()!;
    const l = stack.pop()!;
    if (r - l < 16) {
      for (let i = l + 1; i <= r; i++) for (let j = i; j > l && less(j, j - 1); j--) swap(j, j - 1);
      continue;
    }
    const m = (l + r) >>> 1;
    if (less(m, l)) swap(m, l);
    if (less(r, l)) swap(r, l);
    if (less(r, m)) swap(r, m);
    swap(m, r - 1); // pivot at r-1
    const p = r - 1;
    let i = l;
    let j = r - 1;
    for (;;) {
      while (less(++i, p));
      while (j > l && less(p, --j));
      if (i >= j) break;
      swap(i, j);
    }
    swap(i, r - 1);
    // smaller half first keeps the stack short
    if (i - l < r - i) stack.push(i + 1, r, l, i - 1);
    else stack.push(l, i - 1, i + 1, r);
  }
}

async function* chunksOf(source: CrlSource): AsyncIterable<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  if (typeof (source as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  yield* source as AsyncIterable<Uint8Array>;
}

/**
 * Stream-parses a DER CRL (RFC 5280 v2) into a CrlIndex: chunks are parsed as
 * they come with no tree of the whole file, the TBS is hashed on the way, and
 * at the end the signature is checked against the trust anchors (the one the
 * authorityKeyIdentifier names first). Any defect is a typed error.
 */
export async function buildCrlIndex(source: CrlSource, options: { trust: TrustStore }): Promise<CrlIndex> {
  const parser = new CrlParser();
  try {
    let pending: Uint8Array | undefined;
    for await (const chunk of chunksOf(source)) {
      if (!(chunk instanceof Uint8Array)) throw new MalformedError('CRL chunks must be bytes');
      let data = chunk;
      if (pending?.length) {
        data = new Uint8Array(pending.length + chunk.length);
        data.set(pending);
        data.set(chunk, pending.length);
      }
      const used = parser.consume(data);
      pending = data.subarray(used);
      if (pending.length > MAX_ELEMENT + 16) throw new MalformedError('CRL element too large');
      if (data === chunk) pending = pending.slice(); // the caller may reuse its chunk buffer
    }
    if (pending?.length) throw new MalformedError('trailing or truncated bytes at the end of the CRL');
    return parser.finish(options.trust);
  } catch (e) {
    if (e instanceof JpkiError) throw e;
    throw new MalformedError('CRL is not valid DER', { cause: e });
  }
}

type State = 'outer' | 'tbs' | 'prefix' | 'entries' | 'afterEntries' | 'sigAlg' | 'signature' | 'done';

/** The incremental parser behind buildCrlIndex: `consume` takes as many whole units as the bytes hold. */
class CrlParser {
  #state: State = 'outer';
  /** absolute stream offset of data[0] in the current consume call */
  #base = 0;
  #outerEnd = 0;
  #tbsStart = 0;
  #tbsEnd = 0;
  #entriesEnd = 0;
  #prefix: Tlv[] = [];
  #prefixBytes: Uint8Array[] = [];
  #hash: Hash | undefined;
  #unhashed: Uint8Array[] = [];
  #sigAlg: string | undefined;
  #signatureAlgorithm: string | undefined;
  #signature: Uint8Array | undefined;
  #issuerDer: Uint8Array | undefined;
  #thisUpdate = 0;
  #nextUpdate: number | undefined;
  #crlNumber: bigint | undefined;
  #aki: Uint8Array | undefined;
  #idp: Uint8Array | undefined;
  #entries = new EntryBuilder();
  #entriesStart = 0;

  consume(data: Uint8Array): number {
    let o = 0;
    const abs = () => this.#base + o;
    loop: for (;;) {
      switch (this.#state) {
        case 'outer': {
          const t = peekHeader(data, o);
          if (!t) break loop;
          if (t.tag !== 0x30) throw new MalformedError('a CRL is a SEQUENCE');
          this.#outerEnd = this.#base + t.end;
          o = t.start;
          this.#state = 'tbs';
          break;
        }
        case 'tbs': {
          const t = peekHeader(data, o);
          if (!t) break loop;
          if (t.tag !== 0x30) throw new MalformedError('tbsCertList must be a SEQUENCE');
          this.#tbsStart = abs();
          this.#tbsEnd = this.#base + t.end;
          if (this.#tbsEnd > this.#outerEnd) throw new MalformedError('tbsCertList overruns the CRL');
          o = t.start;
          this.#state = 'prefix';
          break;
        }
        case 'prefix': {
          if (abs() === this.#tbsEnd) {
            this.#endPrefix();
            this.#state = 'sigAlg';
            break;
          }
          const t = peekHeader(data, o);
          if (!t) break loop;
          if (this.#base + t.end > this.#tbsEnd) throw new MalformedError('CRL field overruns the TBS');
          const last = this.#prefix[this.#prefix.length - 1]?.tag;
          if (t.tag === 0x30 && (last === 0x17 || last === 0x18)) {
            // revokedCertificates: only its header is taken here; entries one by one
            this.#endPrefix();
            this.#entriesStart = this.#base + t.start;
            this.#entriesEnd = this.#base + t.end;
            if (this.#entriesEnd > this.#tbsEnd)
              throw new MalformedError('revokedCertificates overruns the TBS');
            o = t.start;
            this.#state = 'entries';
            break;
          }
          if (t.end - t.offset > MAX_ELEMENT) throw new MalformedError('CRL field too large');
          if (t.end > data.length) break loop;
          if (t.tag === 0xa0) {
            this.#endPrefix();
            this.#extensions(data, t);
            o = t.end;
            this.#state = 'afterEntries';
            break;
          }
          const copy = data.slice(t.offset, t.end);
          this.#prefixBytes.push(copy);
          this.#prefix.push({ tag: t.tag, offset: 0, start: t.start - t.offset, end: t.end - t.offset });
          o = t.end;
          break;
        }
        case 'entries': {
          const end = this.#entriesEnd - this.#base;
          o = this.#parseEntries(data, o, Math.min(end, data.length));
          if (o === end) this.#state = 'afterEntries';
          else break loop;
          break;
        }
        case 'afterEntries': {
          if (abs() === this.#tbsEnd) {
            this.#state = 'sigAlg';
            break;
          }
          const t = peekHeader(data, o);
          if (!t) break loop;
          if (t.tag !== 0xa0 || this.#base + t.end > this.#tbsEnd)
            throw new MalformedError('unexpected field after revokedCertificates');
          if (t.end - t.offset > MAX_ELEMENT) throw new MalformedError('CRL extensions too large');
          if (t.end > data.length) break loop;
          this.#extensions(data, t);
          o = t.end;
          if (abs() !== this.#tbsEnd) throw new MalformedError('bytes after crlExtensions in the TBS');
          break;
        }
        case 'sigAlg': {
          this.#hashed(data, o);
          const t = peekHeader(data, o);
          if (!t || t.end > data.length) break loop;
          if (t.tag !== 0x30) throw new MalformedError('malformed signatureAlgorithm');
          this.#signatureAlgorithm = decodeOid(data, readTlv(data, t.start, t.end));
          o = t.end;
          this.#state = 'signature';
          break;
        }
        case 'signature': {
          const t = peekHeader(data, o);
          if (!t) break loop;
          if (t.tag !== 0x03 || t.end - t.offset > MAX_ELEMENT)
            throw new MalformedError('malformed CRL signature');
          if (t.end > data.length) break loop;
          this.#signature = data.slice(t.start + 1, t.end);
          o = t.end;
          if (abs() !== this.#outerEnd) throw new MalformedError('bytes after the CRL signature');
          this.#state = 'done';
          break;
        }
        case 'done':
          if (o < data.length) throw new MalformedError('trailing bytes after the CRL');
          break loop;
      }
    }
    this.#hashed(data, o);
    this.#base += o;
    return o;
  }

  /** Feeds the TBS bytes consumed so far in this call (`data[0..o)`) to the hash, once each. */
  #hashedUpTo = 0;
  #hashed(data: Uint8Array, o: number): void {
    const from = Math.max(this.#hashedUpTo, this.#tbsStart) - this.#base;
    const to = Math.min(this.#base + o, this.#tbsEnd) - this.#base;
    if (this.#state === 'outer' || this.#state === 'tbs' || to <= from) return;
    const part = data.subarray(from, to);
    if (this.#hash) this.#hash.update(part);
    else this.#unhashed.push(part.slice());
    this.#hashedUpTo = this.#base + to;
  }

  /** The fields before the entries are known: version, signature, issuer, thisUpdate, nextUpdate. */
  #endPrefix(): void {
    let i = 0;
    const f = this.#prefix;
    const b = this.#prefixBytes;
    if (f[0]?.tag === 0x02) {
      if (b[0]!.length !== 3 || b[0]![2] !== 1) throw new UnsupportedError('only v2 CRLs are supported');
      i++;
    }
    if (f[i]?.tag !== 0x30 || f[i + 1]?.tag !== 0x30) throw new MalformedError('malformed CRL TBS');
    this.#sigAlg = decodeOid(b[i]!, readTlv(b[i]!, f[i]!.start, f[i]!.end));
    this.#hash = createHash(hashOfSignatureAlgorithm(this.#sigAlg));
    for (const u of this.#unhashed) this.#hash.update(u);
    this.#unhashed = [];
    this.#issuerDer = b[i + 1]!;
    if (!f[i + 2]) throw new MalformedError('CRL lacks thisUpdate');
    this.#thisUpdate = decodeTime(b[i + 2]!, f[i + 2]!);
    if (f[i + 3]) this.#nextUpdate = decodeTime(b[i + 3]!, f[i + 3]!);
    if (f.length > i + 4) throw new MalformedError('unexpected fields in the CRL TBS');
  }

  #extensions(data: Uint8Array, wrapper: Tlv): void {
    const list = readTlv(data, wrapper.start, wrapper.end);
    if (list.tag !== 0x30) throw new MalformedError('malformed crlExtensions');
    for (const e of children(data, list)) {
      const parts = children(data, e);
      const oid = decodeOid(data, parts[0] ?? e);
      const critical = parts.length === 3 && data[parts[1]!.start] !== 0;
      const v = parts[parts.length - 1]!;
      if (v.tag !== 0x04) throw new MalformedError('malformed CRL extension');
      const value = data.slice(v.start, v.end);
      if (oid === '2.5.29.20') {
        const n = readTlv(value, 0);
        this.#crlNumber = BigInt(`0x${toHex(value.subarray(n.start, n.end)) || '0'}`);
      } else if (oid === '2.5.29.35') this.#aki = decodeAuthorityKeyId(value);
      else if (oid === '2.5.29.28') this.#idp = value;
      else if (oid === '2.5.29.27') throw new UnsupportedError('delta CRLs are not supported');
      else if (critical) throw new UnsupportedError(`critical CRL extension ${oid} is not understood`);
    }
  }

  /** Parses whole entries in data[o..end); returns where it stopped (a partial entry stays for the next chunk). */
  #parseEntries(data: Uint8Array, o: number, end: number): number {
    const entries = this.#entries;
    while (o < end) {
      // entry: 30 len { 02 len serial, 17|18 len time, [30 len extensions] }
      if (o + 2 > end) return o;
      if (data[o] !== 0x30) throw new MalformedError('a CRL entry must be a SEQUENCE');
      let len = data[o + 1]!;
      let start = o + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 2) throw new MalformedError('malformed CRL entry length');
        if (start + n > end) return o;
        len = n === 1 ? data[start]! : (data[start]! << 8) | data[start + 1]!;
        if (len < 0x80 || (n === 2 && len < 0x100)) throw new MalformedError('non-minimal DER length');
        start += n;
      }
      const entryEnd = start + len;
      if (len > MAX_ENTRY) throw new MalformedError('CRL entry too large');
      if (entryEnd > end) {
        if (entryEnd > this.#entriesEnd - this.#base) throw new MalformedError('CRL entry overruns the list');
        return o;
      }
      this.#entry(data, start, entryEnd);
      o = entryEnd;
      if (entries.n === 1024) {
        // size the columns once, from the first entries' average size
        const avg = (this.#base + o - this.#entriesStart) / entries.n;
        entries.reserve(Math.ceil(((this.#entriesEnd - this.#entriesStart) / avg) * 1.02) + 64);
      }
    }
    return o;
  }

  #entry(d: Uint8Array, start: number, end: number): void {
    if (d[start] !== 0x02) throw new MalformedError('a CRL entry starts with the serial INTEGER');
    const sLen = d[start + 1]!;
    if (sLen === 0 || sLen > 0x7f) throw new MalformedError('malformed serial in a CRL entry');
    const sStart = start + 2;
    const sEnd = sStart + sLen;
    const tTag = d[sEnd];
    const tLen = d[sEnd + 1]!;
    const tStart = sEnd + 2;
    if (tStart + tLen > end || (tTag !== 0x17 && tTag !== 0x18))
      throw new MalformedError('malformed revocationDate in a CRL entry');
    const seconds = decodeTime(d, { tag: tTag, offset: sEnd, start: tStart, end: tStart + tLen }) / 1000;
    if (seconds < 0 || seconds > 0xffffffff) throw new UnsupportedError('revocation date outside 1970–2106');
    let reason = NO_REASON;
    let o = tStart + tLen;
    if (o < end) {
      const exts = readTlv(d, o, end);
      if (exts.tag !== 0x30 || exts.end !== end) throw new MalformedError('malformed crlEntryExtensions');
      reason = entryReason(d, exts);
      o = exts.end;
    }
    if (o !== end) throw new MalformedError('bytes after a CRL entry');
    const key = serialKey(d, sStart, sEnd);
    if (typeof key === 'string') {
      if (this.#entries.long.has(key)) throw new MalformedError('the CRL lists a serial twice');
      this.#entries.long.set(key, {
        revokedAt: new Date(seconds * 1000),
        reasonCode: reason === NO_REASON ? undefined : reason,
      });
    } else this.#entries.add(key[0], key[1], seconds, reason);
  }

  finish(trust: TrustStore): CrlIndex {
    if (this.#state !== 'done' || !this.#hash || !this.#signature || !this.#signatureAlgorithm)
      throw new MalformedError('the CRL ended early');
    if (this.#signatureAlgorithm !== this.#sigAlg)
      throw new MalformedError('signature algorithms inside and outside the CRL TBS differ');
    const digest = new Uint8Array(this.#hash.digest());
    let issuer: TrustAnchor;
    try {
      issuer = trust.issuerOf(this.#issuerDer!, this.#aki, {
        algorithm: this.#signatureAlgorithm,
        digest,
        signature: this.#signature,
      });
    } catch (e) {
      throw new CrlInvalidError('the CRL is not signed by a configured trust anchor', { cause: e });
    }
    return new CrlIndex({
      issuer,
      thisUpdate: new Date(this.#thisUpdate),
      nextUpdate: this.#nextUpdate === undefined ? undefined : new Date(this.#nextUpdate),
      crlNumber: this.#crlNumber,
      issuingDistributionPoint: this.#idp,
      entries: this.#entries.finish(),
    });
  }
}

const REASON_CODE_OID = [0x55, 0x1d, 0x15];

/** reasonCode from an entry's extensions (255 when absent); unknown critical extensions are refused. */
function entryReason(d: Uint8Array, exts: Tlv): number {
  let reason = NO_REASON;
  for (const e of children(d, exts)) {
    const parts = children(d, e);
    const oidT = parts[0];
    const v = parts[parts.length - 1];
    if (e.tag !== 0x30 || oidT?.tag !== 0x06 || v?.tag !== 0x04 || parts.length < 2)
      throw new MalformedError('malformed CRL entry extension');
    const isReason = oidT.end - oidT.start === 3 && REASON_CODE_OID.every((b, i) => d[oidT.start + i] === b);
    if (isReason) {
      const en = readTlv(d, v.start, v.end);
      if (en.tag !== 0x0a || en.end - en.start !== 1) throw new MalformedError('malformed reasonCode');
      reason = d[en.start]!;
      if (reason > 10) throw new MalformedError('reasonCode out of range');
    } else if (parts.length === 3 && d[parts[1]!.start] !== 0) {
      throw new UnsupportedError(
        `critical CRL entry extension ${decodeOid(d, oidT)} (indirect CRLs are not supported)`,
      );
    }
  }
  return reason;
}
