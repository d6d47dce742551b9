/** The orders of a fleet's instances: by resource ID (reports), and the order a poll reads them in. */

/** Lower-cased resource IDs in code-unit order (locale-independent). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Subscriptions taken in turn, each one's instances by resource ID (subscriptions by ID too): the
 * first instance of every subscription, then the second of every one, and so on. A poll reads in
 * this order, which spreads its requests over the subscriptions (ARM throttles each on its own).
 * Deterministic for a given set of instances, and dropping an instance leaves the order of those
 * before it as it was.
 */
export function fleetOrder<T>(items: readonly T[], refOf: (item: T) => { id: string; subscriptionId: string }): T[] {
  const bySubscription = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => compareIds(refOf(a).id, refOf(b).id))) {
    const subscriptionId = refOf(item).subscriptionId;
    let group = bySubscription.get(subscriptionId);
    if (!group) bySubscription.set(subscriptionId, (group = []));
    group.push(item);
  }
  const groups = [...bySubscription.keys()].sort(compareIds).map((subscriptionId) => bySubscription.get(subscriptionId)!);
  const ordered: T[] = [];
  for (let rank = 0; ordered.length < items.length; rank++) {
    for (const group of groups) if (rank < group.length) ordered.push(group[rank]!);
  }
  return ordered;
}
