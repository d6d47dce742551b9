import type pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import { toFetchFailure } from './normalise.js';
import { normaliseNsg, normaliseRouteTable } from './normalise-network.js';
import { parseNetworkResourceId, parseSubnetId, subnetFacts, vnetFacts, type VnetFacts } from './normalise-subnet.js';
import type { NetworkSecurityGroup, RouteTable, SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionNetworkConfig } from '../model/snapshot.js';

type Limit = ReturnType<typeof pLimit>;

/**
 * Reads each region's subnet, VNet, NSG and route table. NSGs, route tables and VNets are often shared
 * by several instances: each is read once per poll (the memo lives as long as one poll).
 */
export class NetworkConfigReader {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clients: ArmClients,
    private readonly limit: Limit,
    private readonly log: Logger,
  ) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.limit(read);
      this.memo.set(key, pending);
    }
    return pending;
  }

  private vnet(subscriptionId: string, resourceGroup: string, name: string): Promise<VnetFacts> {
    return this.once(`vnet:${subscriptionId}/${resourceGroup}/${name}`.toLowerCase(), async () =>
      vnetFacts(await this.clients.networkManagement(subscriptionId).virtualNetworks.get(resourceGroup, name)),
    );
  }

  private nsg(id: string): Promise<NetworkSecurityGroup> {
    return this.once(`nsg:${id}`, async () => {
      const ref = parseNetworkResourceId(id);
      if (!ref) throw new Error(`not a network security group ID: ${id}`);
      return normaliseNsg(await this.clients.networkManagement(ref.subscriptionId).networkSecurityGroups.get(ref.resourceGroup, ref.name));
    });
  }

  private routeTable(id: string): Promise<RouteTable> {
    return this.once(`rt:${id}`, async () => {
      const ref = parseNetworkResourceId(id);
      if (!ref) throw new Error(`not a route table ID: ${id}`);
      return normaliseRouteTable(await this.clients.networkManagement(ref.subscriptionId).routeTables.get(ref.resourceGroup, ref.name));
    });
  }

  async readSubnet(subnetId: string): Promise<SubnetConfig> {
    const ref = parseSubnetId(subnetId);
    if (!ref) throw new Error(`not a subnet ID: ${subnetId}`);
    const client = this.clients.networkManagement(ref.subscriptionId);
    const [facts, vnet] = await Promise.all([
      this.once(`subnet:${subnetId}`, async () => subnetFacts(await client.subnets.get(ref.resourceGroup, ref.vnet, ref.subnet))),
      this.vnet(ref.subscriptionId, ref.resourceGroup, ref.vnet),
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
