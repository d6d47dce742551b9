import { isDeepStrictEqual } from 'node:util';
import type { InstanceSnapshot, RegionNetworkConfig } from '../model/snapshot.js';

/** What the configuration watch read of an instance's regions, against what its verdicts were judged on. */

/** A copy with every resource ID lower-cased: ARM IDs are case-insensitive. */
function idsLowerCased(value: unknown): unknown {
  if (typeof value === 'string') return /^\/subscriptions\//i.test(value) ? value.toLowerCase() : value;
  if (Array.isArray(value)) return value.map(idsLowerCased);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, idsLowerCased(item)]));
}

/**
 * Two reads of a region are the same configuration when they normalise to the same thing, resource IDs
 * compared case-insensitively: Azure spells one ID differently from read to read (Resource Graph's row `id`
 * changes case with unrelated writes, azure-rest-api-specs #31379; a GET spells it as written). Compared in
 * place first, copied only when that differs: serialising every region of the fleet each minute would only
 * make garbage.
 */
const sameConfig = (a: RegionNetworkConfig, b: RegionNetworkConfig): boolean =>
  isDeepStrictEqual(a, b) || isDeepStrictEqual(idsLowerCased(a), idsLowerCased(b));

/**
 * A region read again is taken when its configuration changed and its subnet is still in the same VNet:
 * the layers the watch does not read (admin rules, hubs, private DNS) were read for that VNet, so a
 * subnet in another VNet is left to the next poll rather than judged without them.
 */
function takes(before: RegionNetworkConfig | undefined, after: RegionNetworkConfig): boolean {
  if (!before || sameConfig(before, after)) return false;
  const vnetBefore = before.subnet?.vnet.id.toLowerCase();
  const vnetAfter = after.subnet?.vnet.id.toLowerCase();
  return vnetBefore === undefined || vnetAfter === undefined || vnetBefore === vnetAfter;
}

/**
 * `snapshot` with the regions whose configuration changed replaced by what was read now, and the
 * locations of those regions; undefined when none changed.
 */
export function withChangedConfig(snapshot: InstanceSnapshot, fresh: readonly RegionNetworkConfig[] | undefined): { snapshot: InstanceSnapshot; locations: string[] } | undefined {
  if (!fresh || !snapshot.network) return undefined;
  const locations: string[] = [];
  const network = snapshot.network.map((region) => {
    const read = fresh.find((candidate) => candidate.location === region.location);
    if (!read || !takes(region, read)) return region;
    locations.push(region.location);
    return read;
  });
  return locations.length > 0 ? { snapshot: { ...snapshot, network }, locations } : undefined;
}
