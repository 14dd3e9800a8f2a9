import { Redis } from 'ioredis';
import { HonninError } from '../errors.ts';

/**
 * Short-lived state shared by every instance of a part: flow sessions, one-time
 * codes, counters, and live notifications. In-process when one instance runs;
 * Redis (REDIS_URL) when several do. Keys are namespaced per part.
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores only when the key is absent; true when it stored. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /** Returns the value and deletes it in one step (single-use codes). */
  take(key: string): Promise<string | null>;
  /**
   * Stores `value` only while the key still holds `expected` (null: absent); true
   * when it stored. What read-modify-write callers retry on, across instances.
   */
  compareAndSet(key: string, expected: string | null, value: string, ttlMs?: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Increments; the first increment starts the key's lifetime. */
  incr(key: string, ttlMs: number): Promise<number>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createSharedState(opts: { redisUrl?: string | undefined; namespace: string }): SharedState {
  return opts.redisUrl ? new RedisState(opts.redisUrl, opts.namespace) : new MemoryState(opts.namespace);
}

type Entry = { value: string; expires: number };

export class MemoryState implements SharedState {
  readonly kind = 'memory' as const;
  readonly #ns: string;
  readonly #map = new Map<string, Entry>();
  readonly #subs = new Map<string, Set<(m: string) => void>>();
  #sweeper: NodeJS.Timeout;

  constructor(namespace: string) {
    this.#ns = namespace;
    this.#sweeper = setInterval(() => this.#sweep(), 30_000);
    this.#sweeper.unref();
  }
  #k(key: string) {
    return `${this.#ns}:${key}`;
  }
  #live(key: string): Entry | undefined {
    const e = this.#map.get(this.#k(key));
    if (e && e.expires <= Date.now()) {
      this.#map.delete(this.#k(key));
      return undefined;
    }
    return e;
  }
  #sweep() {
    const now = Date.now();
    for (const [k, e] of this.#map) if (e.expires <= now) this.#map.delete(k);
  }
  async get(key: string) {
    return this.#live(key)?.value ?? null;
  }
  async set(key: string, value: string, ttlMs?: number) {
    this.#map.set(this.#k(key), { value, expires: ttlMs ? Date.now() + ttlMs : Number.POSITIVE_INFINITY });
  }
  async setIfAbsent(key: string, value: string, ttlMs?: number) {
    if (this.#live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async take(key: string) {
    const e = this.#live(key);
    this.#map.delete(this.#k(key));
    return e?.value ?? null;
  }
  async compareAndSet(key: string, expected: string | null, value: string, ttlMs?: number) {
    if ((this.#live(key)?.value ?? null) !== expected) return false;
    await this.set(key, value, ttlMs);
    return true;
  }
  async del(key: string) {
    this.#map.delete(this.#k(key));
  }
  async incr(key: string, ttlMs: number) {
    const e = this.#live(key);
    const n = (e ? Number(e.value) : 0) + 1;
    this.#map.set(this.#k(key), { value: String(n), expires: e ? e.expires : Date.now() + ttlMs });
    return n;
  }
  async publish(channel: string, message: string) {
    const subs = this.#subs.get(this.#k(channel));
    // deliver asynchronously, as Redis would
    if (subs) for (const fn of [...subs]) queueMicrotask(() => fn(message));
  }
  async subscribe(channel: string, handler: (message: string) => void) {
    const k = this.#k(channel);
    const set = this.#subs.get(k) ?? new Set<(m: string) => void>();
    this.#subs.set(k, set);
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) this.#subs.delete(k);
    };
  }
  async close() {
    clearInterval(this.#sweeper);
    this.#map.clear();
    this.#subs.clear();
  }
}

// one script, so nothing runs between the comparison and the write
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1`;

export class RedisState implements SharedState {
  readonly kind = 'redis' as const;
  readonly #ns: string;
  readonly #cmd: Redis;
  #sub: Redis | undefined;
  /** per channel: its handlers and the SUBSCRIBE every one of them waits for */
  readonly #handlers = new Map<string, { fns: Set<(m: string) => void>; ready: Promise<unknown> }>();

  constructor(url: string, namespace: string) {
    this.#ns = namespace;
    this.#cmd = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    this.#cmd.on('error', () => {}); // surfaced per command instead
  }
  #k(key: string) {
    return `honnin:${this.#ns}:${key}`;
  }
  async #run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw new HonninError('state_unavailable', `Redis: ${(e as Error).message}`, { status: 503, cause: e });
    }
  }
  get(key: string) {
    return this.#run(() => this.#cmd.get(this.#k(key)));
  }
  async set(key: string, value: string, ttlMs?: number) {
    await this.#run(() =>
      ttlMs ? this.#cmd.set(this.#k(key), value, 'PX', ttlMs) : this.#cmd.set(this.#k(key), value),
    );
  }
  async setIfAbsent(key: string, value: string, ttlMs?: number) {
    const r = await this.#run(() =>
      ttlMs
        ? this.#cmd.set(this.#k(key), value, 'PX', ttlMs, 'NX')
        : this.#cmd.set(this.#k(key), value, 'NX'),
    );
    return r === 'OK';
  }
  take(key: string) {
    return this.#run(() => this.#cmd.getdel(this.#k(key)));
  }
  async compareAndSet(key: string, expected: string | null, value: string, ttlMs?: number) {
    const r = await this.#run(() =>
      this.#cmd.eval(
        COMPARE_AND_SET,
        1,
        this.#k(key),
        expected === null ? '0' : '1',
        expected ?? '',
        value,
        Math.ceil(ttlMs ?? 0),
      ),
    );
    return r === 1;
  }
  async del(key: string) {
    await this.#run(() => this.#cmd.del(this.#k(key)));
  }
  async incr(key: string, ttlMs: number) {
    const k = this.#k(key);
    const res = await this.#run(() => this.#cmd.multi().incr(k).pexpire(k, ttlMs, 'NX').exec());
    return Number(res?.[0]?.[1]);
  }
  async publish(channel: string, message: string) {
    await this.#run(() => this.#cmd.publish(this.#k(channel), message));
  }
  async subscribe(channel: string, handler: (message: string) => void) {
    const k = this.#k(channel);
    if (!this.#sub) {
      this.#sub = this.#cmd.duplicate();
      this.#sub.on('error', () => {});
      this.#sub.on('message', (ch: string, msg: string) => {
        for (const fn of this.#handlers.get(ch)?.fns ?? []) fn(msg);
      });
    }
    // The handler joins before any await: a channel whose last handler leaves while
    // the SUBSCRIBE is on its way must not be unsubscribed under a newcomer's feet.
    let entry = this.#handlers.get(k);
    if (!entry) {
      entry = { fns: new Set(), ready: this.#run(() => this.#sub!.subscribe(k)) };
      this.#handlers.set(k, entry);
    }
    const joined = entry;
    joined.fns.add(handler);
    const leave = async () => {
      joined.fns.delete(handler);
      if (joined.fns.size === 0 && this.#handlers.get(k) === joined) {
        this.#handlers.delete(k);
        // after the SUBSCRIBE: the connection runs both in order
        await this.#sub?.unsubscribe(k).catch(() => {});
      }
    };
    try {
      await joined.ready;
    } catch (e) {
      await leave();
      throw e;
    }
    return leave;
  }
  async close() {
    await Promise.allSettled([this.#cmd.quit(), this.#sub?.quit()]);
  }
}
