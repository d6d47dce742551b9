import type { FleetSnapshot, InstanceInfo, InstanceSnapshot } from './snapshot.js';

/**
 * The last poll's instances, for the targets that fail now: they keep their last data (judged stale in
 * time). A poll takes each instance's old snapshot when it reads that instance, good read or bad, so
 * the old snapshot is let go piece by piece instead of living beside the new one to the end.
 */
export class PreviousInstances {
  private readonly byId: Map<string, InstanceSnapshot>;
  /** The snapshot but its instances, to give back what was not taken (remaining()). */
  private readonly rest: Omit<FleetSnapshot, 'instances'> | undefined;

  constructor(snapshot: FleetSnapshot | undefined) {
    this.byId = new Map(snapshot?.instances.map((instance) => [instance.instance.id, instance]));
    if (snapshot) {
      const { instances: _taken, ...rest } = snapshot;
      this.rest = rest;
    }
  }

  /** What was known of an instance, if it has not been taken yet. */
  info(id: string): InstanceInfo | undefined {
    return this.byId.get(id)?.instance;
  }

  /** The instances known in a subscription (not taken yet). */
  inSubscription(subscriptionId: string): InstanceInfo[] {
    return [...this.byId.values()].filter((known) => known.instance.subscriptionId === subscriptionId).map((known) => known.instance);
  }

  /** Every subscription an instance was known in. */
  subscriptions(): string[] {
    return [...new Set([...this.byId.values()].map((known) => known.instance.subscriptionId))];
  }

  /** The last snapshot with the instances not taken yet: what a poll that failed as a whole leaves for the next. */
  remaining(): FleetSnapshot | undefined {
    return this.rest && { ...this.rest, instances: [...this.byId.values()] };
  }

  /** An instance's last snapshot, if it has not been taken yet; this holder keeps it. */
  peek(id: string): InstanceSnapshot | undefined {
    return this.byId.get(id);
  }

  /** An instance's last snapshot, handed over once: this holder forgets it. */
  take(id: string): InstanceSnapshot | undefined {
    const known = this.byId.get(id);
    this.byId.delete(id);
    return known;
  }
}
