/**
 * Resource Graph's per-caller quota, as its responses report it: `x-ms-user-quota-remaining` (queries
 * left in the window, 15 per 5 seconds by default) and `x-ms-user-quota-resets-after` (hh:mm:ss until the
 * window resets). Each query (each page) takes one. Callers ask `ready(reserve)` before a query: it waits
 * for the reset when no more than `reserve` are left, so the configuration watch, which keeps a reserve,
 * never spends what the poll needs, and no caller runs into a 429. After a 429 the callers that keep a
 * reserve (the watch) wait out a back-off that doubles with each one (Resource Graph documents no
 * Retry-After); the poll does not wait on it: refused, it reads the resources one by one instead.
 */

const MIN_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 300_000;

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

export class GraphQuota {
  private remaining: number | undefined;
  private resetsAt = 0;
  private throttledUntil = 0;
  private backoffMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A Resource Graph response: its quota headers (when it sent them), or a 429. */
  answered(status: number, quota: UserQuota | undefined): void {
    if (status === 429) {
      this.backoffMs = Math.min(Math.max(this.backoffMs * 2, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
      this.throttledUntil = this.now() + this.backoffMs;
      return;
    }
    if (status < 400) this.backoffMs = 0;
    if (quota) {
      this.remaining = quota.remaining;
      this.resetsAt = this.now() + quota.resetsAfterMs;
    }
  }

  /** Milliseconds to wait before a query that must leave `reserve` queries of the window unspent; 0 to go now. */
  delayMs(reserve = 0): number {
    const now = this.now();
    if (reserve > 0 && this.throttledUntil > now) return this.throttledUntil - now;
    if (this.remaining !== undefined && this.remaining <= reserve && this.resetsAt > now) return this.resetsAt - now;
    return 0;
  }

  /** Waits until a query leaving `reserve` may go; takes one from what is left, so that callers in a burst pace too. */
  async ready(reserve = 0): Promise<void> {
    for (let delay = this.delayMs(reserve); delay > 0; delay = this.delayMs(reserve)) {
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    if (this.remaining !== undefined && this.resetsAt > this.now()) this.remaining -= 1;
  }

  /** What the last response said was left (undefined until one did). */
  get lastRemaining(): number | undefined {
    return this.remaining;
  }
}
