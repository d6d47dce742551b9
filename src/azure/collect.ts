import { ArmLimiter } from './limits.js';
import { TimeSlicer } from './time-slicer.js';
import { NetworkConfigReader } from './network-config.js';
import { parseSubnetId } from './normalise-subnet.js';
import { NETWORK_QUERY } from './resource-graph.js';
import { ADMIN_RULES_QUERY, AdminRulesReader } from './admin-rules-reader.js';
import { VIRTUAL_HUBS_QUERY, VirtualHubReader } from './virtual-hub-reader.js';
import { DNS_LINKS_QUERY, PrivateDnsReader } from './private-dns-reader.js';
import { discoverBySubscription, discoverExplicit, keepOwn } from './discover.js';
import { graphPages, type BulkPages, type CollectedSnapshot, type CollectOptions, type CollectStats, type PollContext } from './poll-context.js';
import { fetchInstance } from './read-instance.js';
import type { ArmRequestTally } from './clients.js';
import { fleetOrder } from '../model/fleet-order.js';
import type { InstanceInfo, InstanceSnapshot } from '../model/snapshot.js';

export type { CollectedSnapshot, CollectOptions, CollectStats } from './poll-context.js';

/** One poll's reading: discover, read the network configuration in bulk, read each instance, count the cost. */

/**
 * The network resources of the monitored regions, read through Resource Graph across the subscriptions
 * their VNets live in and handed over page by page; false (every resource then read by GET) when off
 * or failed.
 */
function networkInBulk(ctx: PollContext, instances: readonly InstanceInfo[], what = 'network configuration', query = NETWORK_QUERY, also: readonly string[] = []): BulkPages {
  return async (onPage) => {
    if (!ctx.options.resourceGraph) return false;
    const subscriptions = new Set<string>(also.map((id) => id.toLowerCase()));
    for (const info of instances) {
      for (const region of info.regions) {
        const ref = region.subnetId ? parseSubnetId(region.subnetId) : undefined;
        if (ref) subscriptions.add(ref.subscriptionId);
      }
    }
    if (subscriptions.size === 0) return false;
    return graphPages(ctx, what, [...subscriptions], query, onPage);
  };
}

function countDiff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const d = count - (before[key] ?? 0);
    if (d > 0) diff[key] = d;
  }
  return diff;
}

function tallyDiff(after: ArmRequestTally, before: ArmRequestTally): ArmRequestTally {
  return {
    total: after.total - before.total,
    byOperation: countDiff(after.byOperation, before.byOperation),
    bySubscription: countDiff(after.bySubscription, before.bySubscription),
  };
}

/** One poll's worth of ARM reads: discovery, then every instance's NetworkStatus, isolated per target. */
export async function collectSnapshot(options: CollectOptions): Promise<CollectedSnapshot> {
  const requestsBefore = options.clients.requests();
  const ctx: PollContext = {
    options,
    limiter: new ArmLimiter(options.concurrency, options.concurrencyPerSubscription ?? options.concurrency),
    slicer: new TimeSlicer(),
    graphFellBack: false,
  };
  const takenAt = (options.now ?? (() => new Date()))();
  const discovery = keepOwn(options.instances.length > 0 ? await discoverExplicit(ctx) : await discoverBySubscription(ctx), options.owns);
  const toRead = fleetOrder(discovery.instances, (entry) => entry.info);
  options.onDiscovered?.(toRead.map((entry) => entry.info.id));
  const monitored = discovery.instances.filter((entry) => entry.info.vnetType !== 'None');
  const serviceTags = options.serviceTags?.get(
    monitored.map((entry) => ({ subscriptionId: entry.info.subscriptionId, location: entry.info.regions[0]?.location ?? '' })),
  );
  let network: NetworkConfigReader | undefined;
  if (options.serviceTags) {
    const infos = monitored.map((entry) => entry.info);
    const adminRules = new AdminRulesReader(options.clients, ctx.limiter, options.log);
    adminRules.readPresence(networkInBulk(ctx, infos, 'security admin rules', ADMIN_RULES_QUERY));
    const hubs = new VirtualHubReader(options.clients, ctx.limiter, options.log);
    hubs.readHubs(networkInBulk(ctx, infos, 'Virtual WAN hubs', VIRTUAL_HUBS_QUERY));
    const dns = new PrivateDnsReader(options.clients, ctx.limiter, options.log);
    const internal = infos.filter((info) => info.vnetType === 'Internal');
    // Zones often live in a central subscription: every configured one is searched for links too.
    dns.readLinks(internal.length > 0 ? networkInBulk(ctx, internal, 'private DNS zone links', DNS_LINKS_QUERY, options.subscriptions) : async () => true);
    network = new NetworkConfigReader(options.clients, ctx.limiter, options.log, ctx.slicer, { adminRules, hubs, dns });
    network.readInBulk(networkInBulk(ctx, infos));
  }
  let done = 0;
  const total = toRead.length;
  options.onProgress?.(0, total);
  const snapshots = await Promise.all(
    toRead.map(async (entry) => {
      const snapshot = await fetchInstance(entry, options, network, ctx.limiter);
      if (snapshot && options.onInstance) {
        const tags = await serviceTags;
        await ctx.slicer.run(() => options.onInstance?.(snapshot, tags));
      }
      options.onProgress?.(++done, total);
      return snapshot;
    }),
  );
  const tags = await serviceTags;
  const stats: CollectStats = {
    armRequests: tallyDiff(options.clients.requests(), requestsBefore),
    instances: total,
    resourceGraph: !options.resourceGraph ? 'off' : ctx.graphFellBack ? 'fallback' : 'used',
  };
  options.log.info(
    {
      armRequests: stats.armRequests.total,
      armRequestsPerInstance: total > 0 ? Number((stats.armRequests.total / total).toFixed(3)) : null,
      byOperation: stats.armRequests.byOperation,
      resourceGraph: stats.resourceGraph,
    },
    `ARM reads done: ${stats.armRequests.total} requests for ${total} instances`,
  );
  return {
    ...(tags ? { serviceTags: tags } : {}),
    takenAt,
    instances: snapshots.filter((snapshot): snapshot is InstanceSnapshot => snapshot !== undefined),
    subscriptionFailures: discovery.subscriptionFailures,
    unresolvedTargets: discovery.unresolvedTargets,
    stats,
  };
}
