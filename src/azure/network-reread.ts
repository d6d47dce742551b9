import { NetworkConfigReader, type NetworkLayers } from './network-config.js';
import { networkInBulk } from './fleet-reading.js';
import { newPollContext, type CollectOptions, type PollContext } from './poll-context.js';
import type { SubnetConfig } from '../model/network.js';
import type { InstanceSnapshot, RegionNetworkConfig } from '../model/snapshot.js';

/** What the configuration watch reads between polls: the network resources again, in bulk. */

/** Of Resource Graph's 15 queries per 5 s, the watch leaves this many to the poll and to other callers. */
export const WATCH_GRAPH_RESERVE = 5;

/** What the last poll read of the layers outside the bulk read (admin rules, hubs, private DNS), by VNet. */
function carriedLayers(instances: readonly InstanceSnapshot[]): NetworkLayers {
  const byVnet = new Map<string, SubnetConfig>();
  for (const instance of instances) {
    for (const region of instance.network ?? []) if (region.subnet) byVnet.set(region.subnet.vnet.id.toLowerCase(), region.subnet);
  }
  const of = (vnetId: string) => byVnet.get(vnetId.toLowerCase());
  return {
    adminRules: { forVnet: async (vnetId) => of(vnetId)?.adminRules },
    hubs: { forVnet: async (vnetId) => of(vnetId)?.hubConnections, whyUnread: async () => 'the peering is newer than the last poll, which reads hubs: the next poll judges it' },
    dns: { forVnet: async (vnetId) => of(vnetId)?.privateDns },
  };
}

/** Reads the network configuration of one instance's regions from what the bulk read holds. */
export type RegionReader = (instance: InstanceSnapshot) => Promise<RegionNetworkConfig[]>;

/**
 * The network configuration of `instances`' regions as Resource Graph has it now: VNets with their
 * subnets, NSGs, route tables and gateways in one paged query for the fleet, read and normalised; then
 * each instance's regions are put together on request, one instance at a time (the caller compares and
 * lets go of each before the next). The layers Resource Graph does not hold are carried over from the
 * instances' last read. Undefined when the bulk read failed (the watch then leaves the poll's verdicts as
 * they are rather than reading every resource one by one).
 */
export async function rereadNetwork(
  options: Pick<CollectOptions, 'clients' | 'concurrency' | 'concurrencyPerSubscription' | 'log'>,
  instances: readonly InstanceSnapshot[],
): Promise<RegionReader | undefined> {
  const watched = instances.filter((instance) => instance.network?.some((region) => region.subnet));
  const ctx: PollContext = {
    ...newPollContext({ ...options, subscriptions: [], instances: [], tags: {}, resourceGraph: true }),
    // Pages of 250 rows, not 1,000: the run's allocations come in smaller bursts (the benchmark fleet's peak RSS
    // with the watch fell from 310-321 MB to 292-302 MB), for 4 times the requests, a tenth of the quota.
    graphPageRows: 250,
    graphReserve: WATCH_GRAPH_RESERVE,
  };
  const reader = new NetworkConfigReader(options.clients, ctx.limiter, options.log, ctx.slicer, carriedLayers(watched));
  reader.readInBulk(networkInBulk(ctx, watched.map((instance) => instance.instance)));
  if (!(await reader.bulkRead)) return undefined;
  return (instance) => reader.readInstance(instance.instance);
}
