import type { ServiceTagSet } from '../model/network.js';

export interface MemoOptions {
  /** Reuse the result of an earlier region that the memo key says is the same (default); false evaluates from scratch. */
  memo?: boolean;
}

/**
 * Results remembered per service-tag set under a string key that says everything they depend on
 * (besides the tag set); `undefined` is remembered like any result. Keyed to the tag set object, so a
 * refreshed tag set starts afresh and the old entries go with the old set. With a `limit`, the least
 * recently used entry of a set goes beyond it, so a fleet of all-different configurations costs a
 * bounded amount of memory, not one entry per region per poll; without one, the keys must come from
 * a bounded domain (tag names, region pairs).
 */
export class TagSetMemo<T> {
  private readonly bySet = new WeakMap<ServiceTagSet, Map<string, T>>();

  constructor(private readonly limit = Infinity) {}

  get(tags: ServiceTagSet, key: string, compute: () => T): T {
    let entries = this.bySet.get(tags);
    if (!entries) this.bySet.set(tags, (entries = new Map()));
    if (entries.has(key)) {
      const found = entries.get(key) as T;
      if (this.limit !== Infinity) {
        // Map keeps insertion order: moving a hit to the end makes the first entry the least recently used.
        entries.delete(key);
        entries.set(key, found);
      }
      return found;
    }
    const value = compute();
    entries.set(key, value);
    if (entries.size > this.limit) entries.delete(entries.keys().next().value!);
    return value;
  }

  /** Entries held for `tags` (tests). */
  size(tags: ServiceTagSet): number {
    return this.bySet.get(tags)?.size ?? 0;
  }
}
