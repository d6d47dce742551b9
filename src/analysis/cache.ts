import type { ServiceTagSet } from '../model/network.js';

/**
 * What the analysis remembers between the regions of a fleet, and between polls, that share one
 * service-tag set: created and owned by the poll (one per tag set), handed down in the contexts
 * (`NsgContext.cache`, `RouteContext.cache`). Without one, everything is computed afresh: the reference
 * the remembered results are tested against, and what a one-off judgement (`whatif`) needs.
 */

/** Results under a string key that says everything they depend on besides the cache's tag set. */
export class Memo<T> {
  private readonly entries = new Map<string, T>();

  /** With a limit, the least recently used entry goes beyond it (a fleet of all-different configurations costs bounded memory). */
  constructor(private readonly limit = Infinity) {}

  get(key: string, compute: () => T): T {
    if (this.entries.has(key)) {
      const found = this.entries.get(key) as T;
      if (this.limit !== Infinity) {
        // Map keeps insertion order: moving a hit to the end makes the first entry the least recently used.
        this.entries.delete(key);
        this.entries.set(key, found);
      }
      return found;
    }
    const value = compute();
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

export class AnalysisCache {
  private readonly memos = new Map<string, Memo<unknown>>();
  private readonly derived = new WeakMap<object, Map<string, unknown>>();

  constructor(readonly serviceTags: ServiceTagSet) {}

  /** The memo of this name, made on first use (each caller names its own, with its own limit). */
  memo<T>(name: string, limit = Infinity): Memo<T> {
    let memo = this.memos.get(name);
    if (!memo) this.memos.set(name, (memo = new Memo<unknown>(limit)));
    return memo as Memo<T>;
  }

  /** A value derived from an object of this tag set's world (a tag, a memoised address set), kept as long as the object lives. */
  of<T>(owner: object, name: string, compute: () => T): T {
    let values = this.derived.get(owner);
    if (!values) this.derived.set(owner, (values = new Map()));
    if (!values.has(name)) values.set(name, compute());
    return values.get(name) as T;
  }
}

/** The cache to use for `tags`: the given one if it was made for them, else none (computed afresh). */
export function cacheFor(cache: AnalysisCache | undefined, tags: ServiceTagSet): AnalysisCache | undefined {
  return cache?.serviceTags === tags ? cache : undefined;
}

/** The cache of the tag set in use: a new tag set (a refresh) starts a new cache, and the old one goes with the old set. */
export class AnalysisCaches {
  private current: AnalysisCache | undefined;

  for(tags: ServiceTagSet): AnalysisCache {
    if (this.current?.serviceTags !== tags) this.current = new AnalysisCache(tags);
    return this.current;
  }
}
