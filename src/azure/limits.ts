import pLimit from 'p-limit';

type Limit = ReturnType<typeof pLimit>;

/**
 * Caps concurrent ARM requests globally and per subscription. ARM throttles each subscription on its
 * own (a token bucket per subscription), and the SDK waits out a 429's `Retry-After` while holding
 * its slot: without a per-subscription cap, one throttled subscription would hold every global slot
 * and starve the others. A task takes its subscription's slot first and a global slot second, so that
 * waiting for a busy subscription never holds a global slot. Tenant-level requests (the subscriptions
 * list, Resource Graph) take a global slot only.
 */
export class ArmLimiter {
  private readonly global: Limit;
  private readonly perSubscription = new Map<string, Limit>();

  constructor(
    readonly concurrency: number,
    readonly concurrencyPerSubscription: number,
  ) {
    this.global = pLimit(Math.max(1, concurrency));
  }

  run<T>(subscriptionId: string | undefined, task: () => Promise<T>): Promise<T> {
    if (!subscriptionId || this.concurrencyPerSubscription >= this.concurrency) return this.global(task);
    const key = subscriptionId.toLowerCase();
    let limit = this.perSubscription.get(key);
    if (!limit) {
      limit = pLimit(Math.max(1, this.concurrencyPerSubscription));
      this.perSubscription.set(key, limit);
    }
    return limit(() => this.global(task));
  }

  /** Requests running now (all subscriptions). */
  get active(): number {
    return this.global.activeCount;
  }
}
