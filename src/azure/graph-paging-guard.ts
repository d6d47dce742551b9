import { createHash } from 'node:crypto';
import { GraphReadError } from './graph-read-error.js';

/**
 * What keeps one Resource Graph read from paging forever, whatever Resource Graph answers: a `$skipToken`
 * answered twice in the read ends it, and so does paging past what the first page's `totalRecords`
 * foretells (with a margin for rows added meanwhile), and so does its wall-clock deadline. Empty pages that
 * still give a token (Azure sends them) are bounded by the same limit on their own, so they never eat into
 * the pages the rows need. Memory stays bounded: a digest per page, and at most twice `pageLimit` pages.
 */

/** Extra pages allowed beyond those totalRecords foretells: 10%, at least 2 (rows added while the read pages). */
const MARGIN_SHARE = 0.1;
const MARGIN_MIN_PAGES = 2;
/** Pages allowed when the first page gives no totalRecords (Resource Graph always does). */
export const PAGES_WITHOUT_TOTAL = 100;
/** Pages a read may take at most, whatever totalRecords says. */
export const MAX_PAGES_PER_READ = 2_000;

/** How many pages a read whose first page said `totalRecords`, at `top` rows a page, may take. */
export function pageLimit(totalRecords: number | undefined, top: number): number {
  if (totalRecords === undefined || !Number.isFinite(totalRecords) || totalRecords < 0) return PAGES_WITHOUT_TOTAL;
  const expected = Math.ceil(totalRecords / top);
  return Math.min(expected + Math.max(MARGIN_MIN_PAGES, Math.ceil(expected * MARGIN_SHARE)), MAX_PAGES_PER_READ);
}

export class PagingGuard {
  /** Digests, not the tokens: a token can be long, and only equality matters. */
  private readonly seen = new Set<string>();
  private pages = 0;
  private emptyPages = 0;
  private limit = PAGES_WITHOUT_TOTAL;
  private total: number | undefined;

  constructor(private readonly top: number) {}

  /** Checks a page just read before its `skipToken` is followed; throws a GraphReadError when it must not be. */
  pageRead(page: { totalRecords?: number; skipToken?: string; data?: readonly unknown[] }): void {
    const first = this.pages + this.emptyPages === 0;
    if (page.data?.length === 0) this.emptyPages += 1;
    else this.pages += 1;
    if (first) {
      this.total = page.totalRecords;
      this.limit = pageLimit(page.totalRecords, this.top);
    }
    if (!page.skipToken) return;
    const digest = createHash('sha256').update(page.skipToken).digest('base64');
    if (this.seen.has(digest)) {
      throw new GraphReadError('repeated_skip_token', 'GraphSkipTokenRepeated', `Resource Graph answered page ${this.pages + this.emptyPages} with a $skipToken it had already given in this read: its paging would never end`);
    }
    if (this.pages >= this.limit || this.emptyPages >= this.limit) {
      const foretold = this.total === undefined ? 'no totalRecords given' : `totalRecords ${this.total} at ${this.top} rows a page`;
      throw new GraphReadError('page_limit', 'GraphPageLimit', `Resource Graph kept paging past ${this.limit} pages (${foretold}): the read is given up`);
    }
    this.seen.add(digest);
  }
}

/** A read's wall-clock deadline: a signal that aborts the page in flight when it passes, and its timer, cleared at the end. */
export class ReadDeadline {
  readonly at: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ms: number) {
    this.at = Date.now() + ms;
    this.timer = setTimeout(() => this.controller.abort(), ms);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs a page's request (its wait for a slot included); fails as `deadline` once the deadline has passed. */
  async bound<T>(request: () => Promise<T>): Promise<T> {
    if (Date.now() >= this.at) throw this.passed();
    try {
      return await request();
    } catch (err) {
      if (this.controller.signal.aborted) throw this.passed();
      throw err;
    }
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  private passed(): GraphReadError {
    return new GraphReadError('deadline', 'GraphReadTimeout', `Resource Graph did not answer every page of the query within ${Math.round(this.ms / 1000)} s (azure.targetTimeoutSeconds)`);
  }
}
