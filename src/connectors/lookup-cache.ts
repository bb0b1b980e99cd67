/**
 * The cache of the lookups (JdbcLookup, CassandraLookup): least recently used entries go first once
 * full, and an entry expires `ttlMs` after it was written (expire-after-write) and, with
 * `accessTtlMs`, that long after it was last read (expire-after-access), whichever comes first. A Map keeps
 * insertion order, so a hit moves its entry to the end and eviction takes the first. Time comes from
 * the caller (the job's clock), never from the wall.
 */
export class LookupCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number; written: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly accessTtlMs: number;
  hits = 0;
  misses = 0;

  constructor(maxEntries: number, ttlMs = Number.POSITIVE_INFINITY, accessTtlMs = Number.POSITIVE_INFINITY) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.accessTtlMs = accessTtlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value under `key` while it has not expired at `now`; counts a hit or a miss. */
  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.expires <= now) {
      if (entry !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.accessTtlMs !== Number.POSITIVE_INFINITY) {
      entry.expires = Math.min(entry.written + this.ttlMs, now + this.accessTtlMs);
    }
    this.hits++;
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, {
      value,
      expires: Math.min(now + this.ttlMs, now + this.accessTtlMs),
      written: now,
    });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
