import { isDeepStrictEqual } from 'node:util';
import type { InstanceSnapshot, RegionNetworkConfig } from '../model/snapshot.js';

/** What the configuration watch read of an instance's regions, against what its verdicts were judged on. */

/**
 * Two reads of a region are the same configuration when they normalise to the same thing (compared in
 * place: serialising every region of the fleet each minute would only make garbage).
 */
const sameConfig = (a: RegionNetworkConfig, b: RegionNetworkConfig): boolean => isDeepStrictEqual(a, b);

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
