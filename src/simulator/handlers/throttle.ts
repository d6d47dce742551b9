import { throttled, type ArmError } from '../arm-errors.js';
import type { Fault } from '../world.js';

/** A token bucket's shape: a world's `armThrottle`, or `startSimulator({ throttle })`. */
export interface ThrottleOptions {
  /** Bucket size: reads a subscription (per principal) may make at once. */
  burst: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
}

/**
 * ARM's read buckets since 2024 (Microsoft Learn, "Understand how Azure Resource Manager throttles requests",
 * regional throttling and token bucket): 250 tokens refilled at 25 a second, per subscription and principal, and
 * the same for the tenant.
 */
export const ARM_READ_BUCKET: ThrottleOptions = { burst: 250, refillPerSecond: 25 };
/** The global subscription limit, across every principal, is 15 times the per-principal one (same source). */
export const GLOBAL_FACTOR = 15;

interface Bucket {
  tokens: number;
  at: number;
}

/** What a read takes: the headers its answer carries, and the 429 to answer instead when a bucket is empty. */
export interface ReadTaken {
  headers: Record<string, string>;
  refused?: ArmError;
}

/**
 * ARM's read buckets as its answers report them: a subscription's read takes a token from the principal's
 * bucket of that subscription (`x-ms-ratelimit-remaining-subscription-reads`) and from the subscription's
 * global one (`-global-reads`, 15 times larger and faster); any other read from the tenant's bucket
 * (`x-ms-ratelimit-remaining-tenant-reads`). Each header is what is left after the read, rounded down. With
 * `enforce`, a read finding a bucket empty takes nothing and is refused with 429 and Retry-After (the wait
 * for a token); without, the buckets only count (never below 0). The simulator has one caller, so the
 * global bucket is only ever drained by it.
 */
export class ArmReadBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(subscriptionId: string | undefined, shape: ThrottleOptions, enforce: boolean, now = Date.now()): ReadTaken {
    const sub = subscriptionId?.toLowerCase();
    const global = { burst: shape.burst * GLOBAL_FACTOR, refillPerSecond: shape.refillPerSecond * GLOBAL_FACTOR };
    const wanted: Array<[header: string, key: string, ThrottleOptions]> = sub
      ? [
          ['x-ms-ratelimit-remaining-subscription-reads', `principal/${sub}`, shape],
          ['x-ms-ratelimit-remaining-subscription-global-reads', `global/${sub}`, global],
        ]
      : [['x-ms-ratelimit-remaining-tenant-reads', 'tenant', shape]];
    const filled = wanted.map(([header, key, opts]) => ({ header, opts, bucket: this.refill(key, opts, now) }));
    const empty = filled.find(({ bucket }) => bucket.tokens < 1);
    const refused = enforce && empty ? throttledFor(subscriptionId, empty.bucket, empty.opts) : undefined;
    const headers: Record<string, string> = {};
    for (const { header, bucket } of filled) {
      if (!refused) bucket.tokens = Math.max(0, bucket.tokens - 1);
      headers[header] = String(Math.floor(bucket.tokens));
    }
    return refused ? { headers, refused } : { headers };
  }

  private refill(key: string, { burst, refillPerSecond }: ThrottleOptions, now: number): Bucket {
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }
}

function throttledFor(subscriptionId: string | undefined, bucket: Bucket, { refillPerSecond }: ThrottleOptions): ArmError {
  const wait = refillPerSecond > 0 ? Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerSecond)) : 3600;
  return throttled(subscriptionId, wait, wait);
}

/** Resource Graph's per-caller quota (a world's `resourceGraphQuota`); Azure's documented example, and the simulator's default: 15 queries per 5 seconds. */
export interface GraphQuotaOptions {
  queries: number;
  windowSeconds: number;
}

export const RESOURCE_GRAPH_QUOTA: GraphQuotaOptions = { queries: 15, windowSeconds: 5 };

const hhmmss = (ms: number): string => {
  const seconds = Math.ceil(ms / 1000);
  return [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, seconds % 60].map((n) => String(n).padStart(2, '0')).join(':');
};

/**
 * Resource Graph's user quota: each query takes one of `queries` per window; every answer, the 429 too,
 * says what is left (`x-ms-user-quota-remaining`) and when the window resets (`x-ms-user-quota-resets-after`,
 * hh:mm:ss), and a query over the quota is refused with 429 RateLimiting (no Retry-After: Resource Graph's
 * guidance backs off by the reset, and documents no Retry-After).
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
    // A refused query takes nothing: the quota is what the window's answered queries used.
    const throttled = this.used >= options.queries;
    if (!throttled) this.used += 1;
    const headers = {
      'x-ms-user-quota-remaining': String(Math.max(0, options.queries - this.used)),
      'x-ms-user-quota-resets-after': hhmmss(this.windowStart + windowMs - now),
    };
    return { headers, throttled };
  }
}

/** The quota headers a fault puts on a Resource Graph answer (`userQuotaRemaining`, `userQuotaResetsAfterSeconds`), over the world's. */
export function faultQuotaHeaders(fault: Fault): Record<string, string> {
  const headers: Record<string, string> = {};
  if (fault.userQuotaRemaining !== undefined) headers['x-ms-user-quota-remaining'] = String(fault.userQuotaRemaining);
  if (fault.userQuotaResetsAfterSeconds !== undefined) headers['x-ms-user-quota-resets-after'] = hhmmss(fault.userQuotaResetsAfterSeconds * 1000);
  return headers;
}
