import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import { normaliseNsg, normaliseRouteTable } from './normalise-network.js';
import { parseNetworkResourceId, parseSubnetId, subnetFacts, vnetFacts, type VnetFacts } from './normalise-subnet.js';
import type { NetworkSecurityGroup, RouteTable, SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionNetworkConfig } from '../model/snapshot.js';

/** Network resources read in bulk (Resource Graph rows, `properties` as in ARM), by lower-cased ID. */
export type PrefetchedResources = ReadonlyMap<string, Record<string, unknown>>;

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

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
    private readonly prefetched: Promise<PrefetchedResources | undefined> = Promise.resolve(undefined),
  ) {}

  private once<T>(key: string, subscriptionId: string, fromBulk: (bulk: PrefetchedResources) => T | undefined, read: () => Promise<T>): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.prefetched.then((bulk) => {
        const found = bulk ? fromBulk(bulk) : undefined;
        return found !== undefined ? found : this.limiter.run(subscriptionId, read);
      });
      this.memo.set(key, pending);
    }
    return pending;
  }

  private vnet(ref: { subscriptionId: string; resourceGroup: string; vnet: string }): Promise<VnetFacts> {
    const id = vnetIdOf(ref);
    return this.once(
      `vnet:${id}`,
      ref.subscriptionId,
      (bulk) => {
        const body = bulk.get(id);
        return body ? vnetFacts(body) : undefined;
      },
      async () => vnetFacts(await this.clients.networkManagement(ref.subscriptionId).virtualNetworks.get(ref.resourceGroup, ref.vnet)),
    );
  }

  private nsg(id: string): Promise<NetworkSecurityGroup> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a network security group ID: ${id}`));
    return this.once(
      `nsg:${id}`,
      ref.subscriptionId,
      (bulk) => {
        const body = bulk.get(id);
        return body ? normaliseNsg(body) : undefined;
      },
      async () => normaliseNsg(await this.clients.networkManagement(ref.subscriptionId).networkSecurityGroups.get(ref.resourceGroup, ref.name)),
    );
  }

  private routeTable(id: string): Promise<RouteTable> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a route table ID: ${id}`));
    return this.once(
      `rt:${id}`,
      ref.subscriptionId,
      (bulk) => {
        const body = bulk.get(id);
        return body ? normaliseRouteTable(body) : undefined;
      },
      async () => normaliseRouteTable(await this.clients.networkManagement(ref.subscriptionId).routeTables.get(ref.resourceGroup, ref.name)),
    );
  }

  async readSubnet(subnetId: string): Promise<SubnetConfig> {
    const ref = parseSubnetId(subnetId);
    if (!ref) throw new Error(`not a subnet ID: ${subnetId}`);
    const client = this.clients.networkManagement(ref.subscriptionId);
    const [facts, vnet] = await Promise.all([
      this.once(
        `subnet:${subnetId}`,
        ref.subscriptionId,
        (bulk) => {
          const parent = bulk.get(vnetIdOf(ref));
          const body = parent ? embeddedSubnet(parent, subnetId.toLowerCase(), ref.subnet) : undefined;
          return body ? subnetFacts(body) : undefined;
        },
        async () => subnetFacts(await client.subnets.get(ref.resourceGroup, ref.vnet, ref.subnet)),
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
