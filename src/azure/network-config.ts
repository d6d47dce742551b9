import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import type { TimeSlicer } from './time-slicer.js';
import { toFetchFailure } from './normalise.js';
import { normaliseNsg, normaliseRouteTable } from './normalise-network.js';
import { parseNetworkResourceId, parseSubnetId, subnetFacts, vnetFacts, type VnetFacts } from './normalise-subnet.js';
import type { NetworkSecurityGroup, RouteTable, SecurityRule, SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionNetworkConfig } from '../model/snapshot.js';

/**
 * Network resources read in bulk (Resource Graph rows, `properties` as in ARM), by lower-cased ID. The
 * reader takes NSG and route-table rows out as it normalises them (they are its biggest part, and it
 * remembers the result), so the raw rows do not stay alive for the rest of the poll.
 */
export type PrefetchedResources = Map<string, Record<string, unknown>>;

const vnetIdOf = (ref: { subscriptionId: string; resourceGroup: string; vnet: string }) =>
  `/subscriptions/${ref.subscriptionId}/resourcegroups/${ref.resourceGroup}/providers/microsoft.network/virtualnetworks/${ref.vnet}`.toLowerCase();

/** The subnet embedded in a VNet body (`properties.subnets`), matched on ID, else on name. */
function embeddedSubnet(vnet: Record<string, unknown>, subnetId: string, name: string): unknown {
  const properties = vnet.properties as { subnets?: unknown } | undefined;
  const subnets = Array.isArray(properties?.subnets) ? (properties.subnets as Array<Record<string, unknown>>) : [];
  return (
    subnets.find((s) => typeof s?.id === 'string' && s.id.toLowerCase() === subnetId) ??
    subnets.find((s) => typeof s?.id !== 'string' && typeof s?.name === 'string' && s.name.toLowerCase() === name.toLowerCase())
  );
}

/**
 * Reads each region's subnet, VNet, NSG and route table. NSGs, route tables and VNets are often shared
 * by several instances: each is read once per poll (the memo lives as long as one poll). With
 * `prefetched` (Resource Graph's rows for the fleet's subscriptions), a resource found there costs no
 * request; anything missing from it (another subscription, Resource Graph lagging behind, or the bulk
 * read failing: `undefined`) is read with its own GET, as without Resource Graph.
 */
export class NetworkConfigReader {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly ruleLists = new Map<string, SecurityRule[]>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
    private readonly slicer: TimeSlicer,
    private readonly prefetched: Promise<PrefetchedResources | undefined> = Promise.resolve(undefined),
  ) {}

  /**
   * One read per key and poll: the body from Resource Graph's rows when `bodyIn` finds it there, else
   * from `get` (within the subscription's request slots), then normalised.
   */
  private once<T>(
    key: string,
    subscriptionId: string,
    bodyIn: (bulk: PrefetchedResources) => unknown,
    get: () => Promise<unknown>,
    normalise: (body: unknown) => T,
  ): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      // Normalised in time slices: the whole fleet's resources become ready at once when the bulk read lands.
      pending = this.prefetched.then(async (bulk) => {
        const body = (bulk ? bodyIn(bulk) : undefined) ?? (await this.limiter.run(subscriptionId, get));
        return this.slicer.run(() => normalise(body));
      });
      this.memo.set(key, pending);
    }
    return pending;
  }

  /**
   * A top-level network resource (VNet, NSG, route table) by its lower-cased ID. `take`: its row is read
   * under this key alone, so it can leave the bulk map (VNet rows are also read for their subnets).
   */
  private resource<T>(id: string, subscriptionId: string, get: () => Promise<unknown>, normalise: (body: unknown) => T, take = false): Promise<T> {
    const bodyIn = (bulk: PrefetchedResources) => {
      const row = bulk.get(id);
      if (take) bulk.delete(id);
      return row;
    };
    return this.once(id, subscriptionId, bodyIn, get, normalise);
  }

  /**
   * Rule lists equal to one read earlier in this poll are that list: fleets repeat the same rules in
   * every NSG (Azure's six default rules in all of them), and a snapshot holds thousands of NSGs.
   */
  private shareRules(nsg: NetworkSecurityGroup): NetworkSecurityGroup {
    const share = (rules: SecurityRule[]): SecurityRule[] => {
      const key = JSON.stringify(rules);
      const known = this.ruleLists.get(key);
      if (known) return known;
      this.ruleLists.set(key, rules);
      return rules;
    };
    return { ...nsg, securityRules: share(nsg.securityRules), defaultSecurityRules: share(nsg.defaultSecurityRules) };
  }

  private vnet(ref: { subscriptionId: string; resourceGroup: string; vnet: string }): Promise<VnetFacts> {
    const client = this.clients.networkManagement(ref.subscriptionId);
    return this.resource(vnetIdOf(ref), ref.subscriptionId, () => client.virtualNetworks.get(ref.resourceGroup, ref.vnet), vnetFacts);
  }

  private nsg(id: string): Promise<NetworkSecurityGroup> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a network security group ID: ${id}`));
    const client = this.clients.networkManagement(ref.subscriptionId);
    return this.resource(id, ref.subscriptionId, () => client.networkSecurityGroups.get(ref.resourceGroup, ref.name), (body) => this.shareRules(normaliseNsg(body)), true);
  }

  private routeTable(id: string): Promise<RouteTable> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a route table ID: ${id}`));
    const client = this.clients.networkManagement(ref.subscriptionId);
    return this.resource(id, ref.subscriptionId, () => client.routeTables.get(ref.resourceGroup, ref.name), normaliseRouteTable, true);
  }

  async readSubnet(subnetId: string): Promise<SubnetConfig> {
    const ref = parseSubnetId(subnetId);
    if (!ref) throw new Error(`not a subnet ID: ${subnetId}`);
    const client = this.clients.networkManagement(ref.subscriptionId);
    const [facts, vnet] = await Promise.all([
      this.once(
        subnetId.toLowerCase(),
        ref.subscriptionId,
        (bulk) => {
          const parent = bulk.get(vnetIdOf(ref));
          return parent ? embeddedSubnet(parent, subnetId.toLowerCase(), ref.subnet) : undefined;
        },
        () => client.subnets.get(ref.resourceGroup, ref.vnet, ref.subnet),
        subnetFacts,
      ),
      this.vnet(ref),
    ]);
    const [nsg, routeTable] = await Promise.all([
      facts.nsgId ? this.nsg(facts.nsgId) : undefined,
      facts.routeTableId ? this.routeTable(facts.routeTableId) : undefined,
    ]);
    const config: SubnetConfig = {
      id: facts.id || subnetId,
      name: facts.name || ref.subnet,
      addressPrefixes: facts.addressPrefixes,
      serviceEndpoints: facts.serviceEndpoints,
      vnet: { id: vnet.id, addressSpace: vnet.addressSpace, dnsServers: vnet.dnsServers },
    };
    if (nsg) config.nsg = nsg;
    if (routeTable) config.routeTable = routeTable;
    return config;
  }

  /** Every region with a subnet; one region's failure is recorded on that region alone. */
  async readInstance(instance: InstanceInfo): Promise<RegionNetworkConfig[]> {
    return Promise.all(
      instance.regions
        .filter((region) => region.subnetId)
        .map(async (region): Promise<RegionNetworkConfig> => {
          const subnetId = region.subnetId as string;
          try {
            return { location: region.location, subnetId, subnet: await this.readSubnet(subnetId) };
          } catch (err) {
            const failure = toFetchFailure('NetworkConfig_Get', err);
            this.log.warn({ instance: instance.id, region: region.location, code: failure.code }, `cannot read subnet configuration: ${failure.message}`);
            return { location: region.location, subnetId, failure };
          }
        }),
    );
  }
}
