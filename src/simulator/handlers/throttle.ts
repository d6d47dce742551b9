import { throttled, type ArmError } from '../arm-errors.js';
import type { Fault } from '../world.js';

export interface ThrottleOptions {
  /** Bucket size: requests a subscription may make at once. */
  burst: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

/** ARM's token bucket per subscription (the tenant has its own); off unless configured. */
export class Throttle {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly opts: ThrottleOptions) {}

  /** Takes a token for `scope`, or returns the 429 to answer when the bucket is empty. */
  take(subscriptionId: string | undefined, now = Date.now()): ArmError | undefined {
    const key = subscriptionId?.toLowerCase() ?? '';
    const { burst, refillPerSecond } = this.opts;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return undefined;
    }
    const wait = refillPerSecond > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerSecond)) : 3600;
    return throttled(subscriptionId, wait, wait);
  }
}

const READS_PER_HOUR = 12_000;

/**
 * The `x-ms-ratelimit-remaining-*-reads` counters: 11999 after the first read of an hour, one less per
 * read, reset hourly as ARM's classic quota did; never below 0 (the counter only informs, it never
 * refuses: refusing is the Throttle's job).
 */
export class ReadCounters {
  private counters = new Map<string, { remaining: number; windowStart: number }>();

  take(key: string, now = Date.now()): number {
    let c = this.counters.get(key);
    if (!c || now - c.windowStart >= 3600_000) {
      c = { remaining: READS_PER_HOUR, windowStart: now };
      this.counters.set(key, c);
    }
    c.remaining = Math.max(0, c.remaining - 1);
    return c.remaining;
  }
}

/** A world's `resourceGraphQuota`: Resource Graph's per-caller quota (Azure: 15 queries per 5 seconds). */
export interface GraphQuotaOptions {
  queries: number;
  windowSeconds: number;
}

const hhmmss = (ms: number): string => {
  const seconds = Math.ceil(ms / 1000);
  return [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
};

/**
 * Resource Graph's user quota: each query takes one of `queries` per window; the answer says what is left
 * (`x-ms-user-quota-remaining`) and when the window resets (`x-ms-user-quota-resets-after`, hh:mm:ss), and
 * a query over the quota is refused with 429 RateLimiting.
 */
export class GraphUserQuota {
  private windowStart = 0;
  private used = 0;

  take(options: GraphQuotaOptions, now = Date.now()): { headers: Record<string, string>; throttled: boolean } {
    const windowMs = options.windowSeconds * 1000;
    if (now - this.windowStart >= windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += 1;
    const headers = {
      'x-ms-user-quota-remaining': String(Math.max(0, options.queries - this.used)),
      'x-ms-user-quota-resets-after': hhmmss(this.windowStart + windowMs - now),
    };
    return { headers, throttled: this.used > options.queries };
  }
}

/** The quota headers a fault puts on a Resource Graph answer (`userQuotaRemaining`, `userQuotaResetsAfterSeconds`), over the world's. */
export function faultQuotaHeaders(fault: Fault): Record<string, string> {
  const headers: Record<string, string> = {};
  if (fault.userQuotaRemaining !== undefined) headers['x-ms-user-quota-remaining'] = String(fault.userQuotaRemaining);
  if (fault.userQuotaResetsAfterSeconds !== undefined) headers['x-ms-user-quota-resets-after'] = hhmmss(fault.userQuotaResetsAfterSeconds * 1000);
  return headers;
}
