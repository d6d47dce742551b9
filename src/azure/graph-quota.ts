import { setTimeout as sleep } from 'node:timers/promises';
import { GraphReadError } from './graph-read-error.js';

/**
 * Resource Graph's per-caller quota, as its responses report it: `x-ms-user-quota-remaining` (queries
 * left in the window, 15 per 5 seconds by default) and `x-ms-user-quota-resets-after` (hh:mm:ss until the
 * window resets). Each query (each page) takes one. Callers ask `ready(reserve)` before a query: it waits
 * for the reset when no more than `reserve` are left, so the configuration watch, which keeps a reserve,
 * never spends what the poll needs, and no caller runs into a 429.
 *
 * The quota is advice, not a wall: a wait longer than QUOTA_WAIT_LIMIT_MS is not waited for; the query
 * fails at once and its caller falls back (the poll reads resources one by one, the watch leaves the
 * verdicts as they are). After a refusal (429) the callers that keep a reserve (the watch) back off for
 * its Retry-After, up to `azure.maxRetryAfterSeconds`, or, without one, for a back-off that doubles with
 * each refusal. The poll does not wait on that back-off: a page it sent that is refused is sent again once the
 * quota has reset (`refusalWaitMs`), up to GRAPH_REFUSAL_RETRIES times within the same limits, and only then does
 * the poll read the resources one by one.
 */

/** The longest wait for Resource Graph's quota (a reset or a back-off); anything further fails the query at once. */
export const QUOTA_WAIT_LIMIT_MS = 30_000;
/** Back-off after a 429 without Retry-After: from 5 s, doubling, up to 5 minutes. */
const MIN_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 300_000;
/** A Retry-After of 0 still pauses the watch this long, so that it never runs back to back into a refusal. */
const MIN_RETRY_AFTER_MS = 1_000;
/** A page refused (429) is sent again at most this many times, each after the wait `refusalWaitMs` says. */
export const GRAPH_REFUSAL_RETRIES = 3;
/** Before a page is sent again, at least this long (a reset said as 00:00:00 is this very moment). */
const MIN_REFUSAL_WAIT_MS = 250;
/** Without anything said of when to come back: 1 s, doubling with each retry of the page. */
const REFUSAL_BACKOFF_MS = 1_000;

/** `00:00:03` -> 3000; undefined for anything else. */
export function parseResetsAfter(value: string): number | undefined {
  const match = /^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$/.exec(value.trim());
  if (!match) return undefined;
  return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}

export interface UserQuota {
  remaining: number;
  resetsAfterMs: number;
}

export interface GraphQuotaOptions {
  /** The longest Retry-After a refusal's back-off honours (`azure.maxRetryAfterSeconds`; default 60 s). */
  maxRetryAfterMs?: number;
  /** Ends every wait at once (the monitor's shutdown). */
  abortSignal?: AbortSignal;
  now?: () => number;
}

const seconds = (ms: number): number => Math.ceil(ms / 1000);

export class GraphQuota {
  private remaining: number | undefined;
  private resetsAt = 0;
  private throttledUntil = 0;
  private backoffMs = 0;
  private readonly maxRetryAfterMs: number;
  private readonly abortSignal: AbortSignal | undefined;
  private readonly now: () => number;

  constructor(options: GraphQuotaOptions = {}) {
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.abortSignal = options.abortSignal;
    this.now = options.now ?? Date.now;
  }

  /** A Resource Graph response (each attempt): its quota headers, when it sent them. A refusal is told through `refused`. */
  answered(status: number, quota: UserQuota | undefined): void {
    if (status < 400) this.backoffMs = 0;
    if (quota) {
      this.remaining = quota.remaining;
      this.resetsAt = this.now() + quota.resetsAfterMs;
    }
  }

  /** A query refused with 429 (retries spent): back off for its Retry-After (capped), else for the doubling back-off. */
  refused(retryAfterMs?: number): void {
    let wait: number;
    if (retryAfterMs !== undefined) {
      wait = Math.max(Math.min(retryAfterMs, this.maxRetryAfterMs), MIN_RETRY_AFTER_MS);
    } else {
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
      wait = this.backoffMs;
    }
    this.throttledUntil = Math.max(this.throttledUntil, this.now() + wait);
  }

  /**
   * How long to wait before sending a refused (429) page again, its `attempt`-th retry from 0: until the quota
   * resets, as the 429's x-ms-user-quota-resets-after says (Resource Graph sends its quota headers on every answer)
   * or, without them, the last answer's; else its Retry-After; else a short back-off doubling from 1 s.
   */
  refusalWaitMs(refusal: { quota?: UserQuota | undefined; retryAfterMs?: number | undefined }, attempt: number): number {
    const now = this.now();
    let wait: number;
    if (refusal.quota) wait = refusal.quota.resetsAfterMs;
    else if (this.resetsAt > now) wait = this.resetsAt - now;
    else if (refusal.retryAfterMs !== undefined) wait = refusal.retryAfterMs;
    else wait = REFUSAL_BACKOFF_MS * 2 ** attempt;
    return Math.max(wait, MIN_REFUSAL_WAIT_MS);
  }

  /**
   * Waits `waitMs` before a refused page is sent again; false, at once, when that is further than QUOTA_WAIT_LIMIT_MS
   * or past the read's `deadlineAt` (the caller fails the read as refused). An AbortError when the monitor stops.
   */
  async waitOutRefusal(waitMs: number, deadlineAt = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (waitMs > QUOTA_WAIT_LIMIT_MS || this.now() + waitMs > deadlineAt) return false;
    await sleep(waitMs, undefined, this.abortSignal ? { signal: this.abortSignal } : {});
    return true;
  }

  /** A refusal whose Retry-After was beyond `azure.maxRetryAfterSeconds` (the pipeline failed it unread): the cap's back-off. */
  refusedBeyondCap(): void {
    this.refused(this.maxRetryAfterMs);
  }

  /** Milliseconds to wait before a query that must leave `reserve` queries of the window unspent; 0 to go now. */
  delayMs(reserve = 0): number {
    const now = this.now();
    if (reserve > 0 && this.throttledUntil > now) return this.throttledUntil - now;
    if (this.remaining !== undefined && this.remaining <= reserve && this.resetsAt > now) return this.resetsAt - now;
    return 0;
  }

  /**
   * Waits until a query leaving `reserve` may go, and takes one from what is left, so that callers in a burst
   * pace too. Throws (a GraphReadError, at once) when the wait would pass QUOTA_WAIT_LIMIT_MS or the read's
   * `deadlineAt`; an AbortError when the monitor stops meanwhile.
   */
  async ready(reserve = 0, deadlineAt = Number.POSITIVE_INFINITY): Promise<void> {
    for (let delay = this.delayMs(reserve); delay > 0; delay = this.delayMs(reserve)) {
      if (delay > QUOTA_WAIT_LIMIT_MS) throw this.tooLong(delay, reserve);
      if (this.now() + delay > deadlineAt) {
        throw new GraphReadError('deadline', 'GraphReadTimeout', `Resource Graph's quota allows the next page only in ${seconds(delay)} s, after the read's deadline`);
      }
      await sleep(delay, undefined, this.abortSignal ? { signal: this.abortSignal } : {});
    }
    if (this.remaining !== undefined && this.resetsAt > this.now()) this.remaining -= 1;
  }

  private tooLong(delay: number, reserve: number): GraphReadError {
    const limit = `more than the ${seconds(QUOTA_WAIT_LIMIT_MS)} s the monitor waits`;
    if (reserve > 0 && this.throttledUntil - this.now() === delay) {
      return new GraphReadError('throttled', 'Throttled', `Resource Graph refused a query (429): backing off for ${seconds(delay)} s, ${limit}`);
    }
    return new GraphReadError(
      'quota',
      'QuotaExhausted',
      `Resource Graph's quota allows no query for ${seconds(delay)} s (x-ms-user-quota-remaining ${this.remaining}, x-ms-user-quota-resets-after), ${limit}`,
    );
  }

  /** What the last response said was left (undefined until one did). */
  get lastRemaining(): number | undefined {
    return this.remaining;
  }
}
