/** Two missed 15-minute platform refreshes plus five minutes of slack. */
export const DEFAULT_STALE_AFTER_SECONDS = 2 * 15 * 60 + 5 * 60;

/**
 * The NetworkStatus API says a `lastUpdated` that stops moving means the instance lost connectivity
 * to that resource, so a missing or old timestamp counts as stale (and stale counts as down).
 */
export function isStale(lastUpdated: Date | undefined, now: Date, staleAfterSeconds: number): boolean {
  if (!lastUpdated || Number.isNaN(lastUpdated.getTime())) return true;
  return now.getTime() - lastUpdated.getTime() > staleAfterSeconds * 1000;
}

export function ageSeconds(timestamp: Date | undefined, now: Date): number | undefined {
  if (!timestamp || Number.isNaN(timestamp.getTime())) return undefined;
  return Math.max(0, Math.round((now.getTime() - timestamp.getTime()) / 1000));
}
