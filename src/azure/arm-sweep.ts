import type { Logger } from 'pino';

/**
 * Resource Graph indexes ARM's writes late: most within seconds, with no upper bound promised (Microsoft Learn,
 * Resource Graph "Choose the right query strategy": an eventually consistent index that "lags behind the source
 * of truth by a brief period, occasionally longer"). Discovery trusts it for the subscriptions where it shows
 * instances, so a new instance there would wait, unseen, for indexing. The sweep lists those subscriptions
 * through ARM too, a rotating share each poll: every one at least once per `periodMs` (and at least one a poll,
 * oldest listing first), plus every poll each subscription where the last listing found an instance Resource
 * Graph did not show, until it does. Its cost is bounded: max(1, ceil(S x interval / period)) list requests a
 * poll for S such subscriptions, plus those still waiting for indexing.
 */

export const ARM_SWEEP_PERIOD_MS = 60 * 60_000;

export class ArmSweep {
  /** Subscription -> when it was last listed through ARM (ms). */
  private readonly lastListed = new Map<string, number>();
  private lastPickAt: number | undefined;
  /** Subscriptions whose last listing found an instance Resource Graph did not show. */
  private readonly waiting = new Set<string>();
  /** Instances said (logged) to be missing from Resource Graph: each said once, and once when it shows. */
  private readonly said = new Set<string>();

  constructor(readonly periodMs = ARM_SWEEP_PERIOD_MS) {}

  /** Which of `indexed` (subscriptions where Resource Graph showed instances) to list through ARM this poll. */
  pick(indexed: readonly string[], now: number): string[] {
    const elapsed = this.lastPickAt === undefined ? 0 : Math.max(0, now - this.lastPickAt);
    this.lastPickAt = now;
    // The first poll trusts Resource Graph: it has just been read, and nothing was listed before to compare.
    const share = elapsed === 0 ? 0 : Math.min(indexed.length, Math.max(1, Math.ceil((indexed.length * elapsed) / this.periodMs)));
    const waiting = indexed.filter((id) => this.waiting.has(id));
    const rest = indexed
      .filter((id) => !this.waiting.has(id))
      .sort((a, b) => (this.lastListed.get(a) ?? -1) - (this.lastListed.get(b) ?? -1) || (a < b ? -1 : a > b ? 1 : 0));
    return [...waiting, ...rest.slice(0, share)];
  }

  /**
   * A subscription was listed (or tried) at `now`; `armOnly`: how many of its instances Resource Graph did not
   * show (undefined: the listing failed, and whether it waits for indexing is left as it was).
   */
  listed(subscriptionId: string, now: number, armOnly: number | undefined): void {
    this.lastListed.set(subscriptionId, now);
    if (armOnly === undefined) return;
    if (armOnly > 0) this.waiting.add(subscriptionId);
    else this.waiting.delete(subscriptionId);
  }

  /** Says once that an instance found through ARM is not in Resource Graph yet. */
  notIndexed(log: Logger, instanceId: string, how: string): void {
    if (this.said.has(instanceId)) return;
    this.said.add(instanceId);
    log.info(
      { instance: instanceId },
      `APIM instance ${instanceId} is not in Resource Graph yet (it indexes new and changed resources late): found ${how}, it is monitored from ARM's body until Resource Graph shows it`,
    );
  }

  /** Says once that an instance said to be missing is now in Resource Graph. */
  indexed(log: Logger, instanceId: string): void {
    if (!this.said.delete(instanceId)) return;
    log.info({ instance: instanceId }, `APIM instance ${instanceId} is in Resource Graph now`);
  }
}

/** One sweep per set of ARM clients (one monitor's identity and endpoint), kept across its polls. */
const sweeps = new WeakMap<object, ArmSweep>();

export function sweepFor(owner: object): ArmSweep {
  let sweep = sweeps.get(owner);
  if (!sweep) {
    sweep = new ArmSweep();
    sweeps.set(owner, sweep);
  }
  return sweep;
}
