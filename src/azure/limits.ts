import pLimit from 'p-limit';

type Limit = ReturnType<typeof pLimit>;

/**
 * A cap on concurrent tasks whose queue has two lanes: a freed slot goes to the oldest urgent task
 * first, then to the oldest of the rest.
 */
class Gate {
  private running = 0;
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, urgent: boolean): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => (urgent ? this.urgent : this.normal).push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next task, so `running` only drops when nothing waits.
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.running--;
    }
  }

  get active(): number {
    return this.running;
  }
}

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
  private readonly global: Gate;
  private readonly perSubscription = new Map<string, Limit>();

  constructor(
    readonly concurrency: number,
    readonly concurrencyPerSubscription: number,
  ) {
    this.global = new Gate(Math.max(1, concurrency));
  }

  run<T>(subscriptionId: string | undefined, task: () => Promise<T>): Promise<T> {
    if (!subscriptionId) return this.global.run(task, true);
    if (this.concurrencyPerSubscription >= this.concurrency) return this.global.run(task, false);
    const key = subscriptionId.toLowerCase();
    let limit = this.perSubscription.get(key);
    if (!limit) {
      limit = pLimit(Math.max(1, this.concurrencyPerSubscription));
      this.perSubscription.set(key, limit);
    }
    return limit(() => this.global.run(task, false));
  }

  /** Requests running now (all subscriptions). */
  get active(): number {
    return this.global.active;
  }
}
