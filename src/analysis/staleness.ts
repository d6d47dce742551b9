/** Two missed 15-minute platform refreshes plus five minutes of slack. */
export const DEFAULT_STALE_AFTER_SECONDS = 2 * 15 * 60 + 5 * 60;

/**
 * The NetworkStatus API says a `lastUpdated` that stops moving means the instance lost connectivity
 * to that resource, so a missing or old timestamp counts as stale (and stale counts as down).
 */
export function isStale(lastUpdated: string | undefined, now: Date, staleAfterSeconds: number): boolean {
  const at = lastUpdated === undefined ? NaN : Date.parse(lastUpdated);
  if (Number.isNaN(at)) return true;
  return now.getTime() - at > staleAfterSeconds * 1000 || inTheFuture(lastUpdated, now);
}

/** How far ahead of our clock a timestamp may be (clocks drift) before it is suspect. */
export const CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * A `lastUpdated` ahead of now by more than the skew allowance would count as fresh forever and defeat the
 * staleness rule: it is suspect, judged stale and flagged.
 */
export function inTheFuture(timestamp: string | undefined, now: Date): boolean {
  const at = timestamp === undefined ? NaN : Date.parse(timestamp);
  return !Number.isNaN(at) && at - now.getTime() > CLOCK_SKEW_SECONDS * 1000;
}

/** Seconds from an ISO 8601 timestamp to `now` (never negative); undefined when there is none. */
export function ageSeconds(timestamp: string | undefined, now: Date): number | undefined {
  const at = timestamp === undefined ? NaN : Date.parse(timestamp);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.round((now.getTime() - at) / 1000));
}
