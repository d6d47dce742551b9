import type { AddressSet, Interval } from '../addresses.js';
import type { RouteEntry } from './table.js';

export interface RouteShare {
  entry: RouteEntry;
  /** Number of the peer's addresses this entry routes. */
  addresses: bigint;
}

/**
 * Longest-prefix match on ranges: walking the entries in precedence order and letting each claim
 * what is left of the peer inside it gives every address to the first entry that contains it, which
 * is the most specific one, without enumerating addresses.
 */
export function splitByRoutes(peer: AddressSet, entries: readonly RouteEntry[]): RouteShare[] {
  const remaining: Interval[] = peer.v4().intervals.map((interval) => ({ ...interval }));
  const shares: RouteShare[] = [];
  for (const entry of entries) {
    if (remaining.length === 0) break;
    const addresses = carve(remaining, entry.start, entry.end);
    if (addresses > 0n) shares.push({ entry, addresses });
  }
  return shares;
}

/** Removes [start, end] from the sorted, disjoint `remaining` in place; returns how many addresses it took. */
function carve(remaining: Interval[], start: bigint, end: bigint): bigint {
  let low = 0;
  let high = remaining.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (remaining[middle]!.end < start) low = middle + 1;
    else high = middle;
  }
  let taken = 0n;
  const leftovers: Interval[] = [];
  let index = low;
  for (; index < remaining.length && remaining[index]!.start <= end; index++) {
    const interval = remaining[index]!;
    const from = interval.start > start ? interval.start : start;
    const to = interval.end < end ? interval.end : end;
    taken += to - from + 1n;
    if (interval.start < from) leftovers.push({ start: interval.start, end: from - 1n });
    if (interval.end > to) leftovers.push({ start: to + 1n, end: interval.end });
  }
  if (index > low) remaining.splice(low, index - low, ...leftovers);
  return taken;
}
