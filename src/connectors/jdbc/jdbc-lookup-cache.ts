/**
 * The cache of a {@link JdbcLookup} (jdbc-lookup.ts): least recently used entries go first once
 * `maxRows` keys are held, and an entry expires `ttlMs` after it was written (Flink's
 * expire-after-write). A Map keeps insertion order, so a hit moves its entry to the end and eviction
 * takes the first. Time is given by the caller (the job's processing-time clock).
 */
export class JdbcLookupCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly maxRows: number;
  private readonly ttlMs: number;
  hits = 0;
  misses = 0;

  constructor(maxRows: number, ttlMs = Number.POSITIVE_INFINITY) {
    this.maxRows = maxRows;
    this.ttlMs = ttlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value of `key` if it is held and not expired at `now`; counts a hit or a miss. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expires <= now) {
      if (entry !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.value;
  }

  /** Holds `value` under `key` until `now + ttlMs`, evicting the least recently used if full. */
  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    if (this.entries.size > this.maxRows) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
