import type { UserQuota } from './graph-quota.js';
import type { GraphReadFailure } from './graph-read-error.js';

/** What the Azure layer tells the rest of the service about each ARM request it sends. */
export interface ArmRequestEvent {
  operation: string;
  /** HTTP status as a string, or the error code when no response came back (e.g. `ETIMEDOUT`). */
  code: string;
  subscriptionId?: string;
  /** `x-ms-ratelimit-remaining-*` headers: scope (e.g. `subscription-reads`) -> remaining. */
  rateLimitRemaining: Record<string, number>;
  /** Resource Graph's `x-ms-user-quota-remaining` / `-resets-after`, when the response had them. */
  userQuota?: UserQuota;
  durationMs: number;
}

export interface ArmObserver {
  onRequest(event: ArmRequestEvent): void;
  /** A Resource Graph read (every page of one query) failed, and why (told once per read). */
  onGraphReadFailed?(reason: GraphReadFailure): void;
}

export const NO_OBSERVER: ArmObserver = { onRequest: () => undefined };
