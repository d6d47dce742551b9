import { NetworkConfigReader } from './network-config.js';
import { parseSubnetId } from './normalise-subnet.js';
import { NETWORK_QUERY } from './resource-graph.js';
import { ADMIN_RULES_QUERY, AdminRulesReader, NETWORK_MANAGERS_QUERY } from './admin-rules-reader.js';
import { VIRTUAL_HUBS_QUERY, VirtualHubReader } from './virtual-hub-reader.js';
import { DNS_LINKS_QUERY, PrivateDnsReader } from './private-dns-reader.js';
import { discoverBySubscription, discoverExplicit, keepOwn } from './discover.js';
import { graphPages, newPollContext, type BulkPages, type CollectOptions, type CollectStats, type Discovery, type PollContext } from './poll-context.js';
import { fetchInstance } from './read-instance.js';
import { emptyTally } from './clients.js';
import { fleetOrder } from '../model/fleet-order.js';
import type { ServiceTagSet } from '../model/network.js';
import type { InstanceInfo, InstanceSnapshot } from '../model/snapshot.js';

export type { CollectedSnapshot, CollectOptions, CollectStats, Discovery } from './poll-context.js';

/**
 * The network resources of the monitored regions, read through Resource Graph across the subscriptions
 * their VNets live in and handed over page by page; false (every resource then read by GET) when off
 * or failed.
 */
/** The subscriptions of an instance's subnets. */
function subscriptionsOfVnets(info: InstanceInfo): string[] {
  return info.regions.flatMap((region) => {
    const ref = region.subnetId ? parseSubnetId(region.subnetId) : undefined;
    return ref ? [ref.subscriptionId] : [];
  });
}

export function networkInBulk(ctx: PollContext, instances: readonly InstanceInfo[], what = 'network configuration', query = NETWORK_QUERY, also: readonly string[] = []): BulkPages {
  return async (onPage) => {
    if (!ctx.options.resourceGraph) return false;
    const subscriptions = new Set<string>([...also.map((id) => id.toLowerCase()), ...instances.flatMap(subscriptionsOfVnets)]);
    if (subscriptions.size === 0) return false;
    return graphPages(ctx, what, [...subscriptions], query, onPage);
  };
}

/**
 * One poll's reading of ARM, step by step (the poll calls them in this order): discover the instances,
 * start the fleet-wide reads (service tags, the network configuration in bulk), read each instance,
 * and say what it all cost. Each target's failure stays that target's.
 */
export class FleetReading {
  readonly takenAt: Date;
  private readonly ctx: PollContext;
  /** This reading's requests alone (a watch run may overlap it). */
  private readonly requests = emptyTally();
  private network: NetworkConfigReader | undefined;
  private instances = 0;
  /** The bulk reads started, ended or not: a reading ends with them (none outlives a poll, or a shutdown). */
  private readonly bulkReads: Array<Promise<unknown>> = [];

  constructor(private readonly options: CollectOptions) {
    this.ctx = newPollContext(options);
    this.takenAt = (options.now ?? (() => new Date()))();
  }

  /** The instances this replica reads, in fleet order (subscriptions in turn), and what could not be read at all. */
  discover(): Promise<Discovery> {
    return this.counted(async () => {
      const { options } = this;
      const discovery = keepOwn(options.instances.length > 0 ? await discoverExplicit(this.ctx) : await discoverBySubscription(this.ctx), options.owns);
      this.instances = discovery.instances.length;
      return { ...discovery, instances: fleetOrder(discovery.instances, (entry) => entry.info) };
    });
  }

  /**
   * Starts what is read for the fleet as a whole, when the configuration is read: the service tags
   * (what this resolves to), the security admin rules, Virtual WAN hubs, private DNS links and the
   * network resources, each in bulk.
   */
  startBulkReads(discovery: Discovery): Promise<ServiceTagSet | undefined> {
    return this.counted(() => this.startBulkReadsCounted(discovery));
  }

  private startBulkReadsCounted(discovery: Discovery): Promise<ServiceTagSet | undefined> {
    const { options, ctx } = this;
    if (!options.serviceTags) return Promise.resolve(undefined);
    const infos = discovery.instances.map((entry) => entry.info).filter((info) => info.vnetType !== 'None');
    const serviceTags = options.serviceTags.get(infos.map((info) => ({ subscriptionId: info.subscriptionId, location: info.regions[0]?.location ?? '' })));
    // Landing zones keep hubs and network managers in a connectivity subscription: every subscription discovery searched is searched too.
    const hubSubscriptions = [...new Set([...discovery.subscriptions, ...infos.flatMap(subscriptionsOfVnets)])];
    const adminRules = new AdminRulesReader(options.clients, ctx.limiter, options.log);
    adminRules.readPresence(
      this.tracked(networkInBulk(ctx, infos, 'security admin rules', ADMIN_RULES_QUERY)),
      this.tracked(networkInBulk(ctx, infos, 'network managers', NETWORK_MANAGERS_QUERY, hubSubscriptions)),
    );
    const hubs = new VirtualHubReader(options.clients, ctx.limiter, options.log);
    hubs.readHubs(this.tracked(networkInBulk(ctx, infos, 'Virtual WAN hubs', VIRTUAL_HUBS_QUERY, hubSubscriptions)), hubSubscriptions);
    const dns = new PrivateDnsReader(options.clients, ctx.limiter, options.log);
    const internal = infos.filter((info) => info.vnetType === 'Internal');
    // Zones often live in a central subscription: every configured one is searched for links too.
    dns.readLinks(internal.length > 0 ? this.tracked(networkInBulk(ctx, internal, 'private DNS zone links', DNS_LINKS_QUERY, options.subscriptions)) : async () => true);
    this.network = new NetworkConfigReader(options.clients, ctx.limiter, options.log, ctx.slicer, { adminRules, hubs, dns });
    this.network.readInBulk(this.tracked(networkInBulk(ctx, infos)));
    return serviceTags;
  }

  /** `pages`, its read kept among those the reading waits for in `settled()`. */
  private tracked(pages: BulkPages): BulkPages {
    return (onPage) => {
      const read = pages(onPage);
      this.bulkReads.push(read.catch(() => undefined));
      return read;
    };
  }

  /** Resolves once every bulk read started has ended, whether an instance needed it or not (a poll ends with its reads). */
  async settled(): Promise<void> {
    await Promise.all(this.bulkReads);
  }

  /** One instance's NetworkStatus and network configuration; undefined when it vanished since discovery. */
  readInstance(entry: Discovery['instances'][number]): Promise<InstanceSnapshot | undefined> {
    return this.counted(() => fetchInstance(entry, this.options, this.network, this.ctx.limiter));
  }

  /** Runs a step of this reading, counting its ARM requests (and those of the reads it starts) as this reading's. */
  private counted<T>(step: () => T): T {
    return this.options.clients.countingInto(this.requests, step);
  }

  /** Runs CPU work on what was read between I/O, so that it never holds replies and free request slots. */
  slice<T>(job: () => T): Promise<T> {
    return this.ctx.slicer.run(job);
  }

  /** What the reading cost, logged once. */
  finish(): CollectStats {
    const { options } = this;
    const total = this.instances;
    const stats: CollectStats = {
      armRequests: this.requests,
      instances: total,
      resourceGraph: !options.resourceGraph ? 'off' : this.ctx.graphFellBack ? 'fallback' : 'used',
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
    return stats;
  }
}
