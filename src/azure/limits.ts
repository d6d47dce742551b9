import pLimit from 'p-limit';
import PQueue from 'p-queue';

type Limit = ReturnType<typeof pLimit>;

/** Tenant-level requests go ahead of queued subscription requests (see ArmLimiter). */
const URGENT = 1;

/**
 * Caps concurrent ARM requests globally and per subscription. ARM throttles each subscription on its
 * own (a token bucket per subscription), and the SDK waits out a 429's `Retry-After` while holding
 * its slot: without a per-subscription cap, one throttled subscription would hold every global slot
 * and starve the others. A task takes its subscription's slot first and a global slot second, so that
 * waiting for a busy subscription never holds a global slot.
 *
 * Tenant-level requests (the subscriptions list, Resource Graph pages) take a global slot only, and
 * ahead of every subscription's queued requests: the whole fleet waits for them (discovery, the bulk
 * network read), so queueing them behind a thousand NetworkStatus reads would stall every instance.
 */
export class ArmLimiter {
  /** A freed slot goes to the oldest urgent task first, then to the oldest of the rest. */
  private readonly global: PQueue;
  private readonly perSubscription = new Map<string, Limit>();

  constructor(
    readonly concurrency: number,
    readonly concurrencyPerSubscription: number,
  ) {
    this.global = new PQueue({ concurrency: Math.max(1, concurrency) });
  }

  run<T>(subscriptionId: string | undefined, task: () => Promise<T>): Promise<T> {
    if (!subscriptionId) return this.global.add(task, { priority: URGENT, throwOnTimeout: true });
    if (this.concurrencyPerSubscription >= this.concurrency) return this.global.add(task, { throwOnTimeout: true });
    const key = subscriptionId.toLowerCase();
    let limit = this.perSubscription.get(key);
    if (!limit) {
      limit = pLimit(Math.max(1, this.concurrencyPerSubscription));
      this.perSubscription.set(key, limit);
    }
    return limit(() => this.global.add(task, { throwOnTimeout: true }));
  }

  /** Requests running now (all subscriptions). */
  get active(): number {
    return this.global.pending;
  }
}
