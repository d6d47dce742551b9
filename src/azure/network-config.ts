import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import type { ArmLimiter } from './limits.js';
import type { TimeSlicer } from './time-slicer.js';
import { toFetchFailure } from './normalise.js';
import { normaliseNsg, normaliseRouteTable } from './normalise-network.js';
import { gatewayFacts, parseNetworkResourceId, parseSubnetId, subnetFacts, vnetFacts, type GatewayFacts, type VnetFacts } from './normalise-subnet.js';
import { hubOfPeering } from './normalise-hub.js';
import type { GraphRow } from './resource-graph.js';
import type { BulkPages } from './poll-context.js';
import type { AdminRuleSet, GatewayRouteSource, HubConnectionSource, NetworkSecurityGroup, PrivateDnsConfig, RouteTable, SecurityRule, SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionNetworkConfig } from '../model/snapshot.js';

/**
 * The layers around a subnet that resources outside the bulk read add, by VNet: the poll's readers
 * (admin rules, Virtual WAN hubs, private DNS), or what the last poll read of them (the watch). What a
 * layer does not know is `undefined`.
 */
export interface NetworkLayers {
  adminRules?: { forVnet(vnetId: string): Promise<AdminRuleSet | undefined> };
  hubs?: { forVnet(vnetId: string): Promise<HubConnectionSource[] | undefined>; whyUnread?(hubName: string): Promise<string> };
  dns?: { forVnet(vnetId: string): Promise<PrivateDnsConfig | undefined> };
}

/** A resource read in bulk, normalised when its page arrived, or what normalising it threw. */
type Prepared = { value: unknown } | { error: unknown };

function settle(normalise: () => unknown): Prepared {
  try {
    return { value: normalise() };
  } catch (error) {
    return { error };
  }
}


const BULK_TYPES = {
  nsg: 'microsoft.network/networksecuritygroups',
  routeTable: 'microsoft.network/routetables',
  vnet: 'microsoft.network/virtualnetworks',
  gateway: 'microsoft.network/virtualnetworkgateways',
} as const;

const vnetIdOf = (ref: { subscriptionId: string; resourceGroup: string; vnet: string }) =>
  `/subscriptions/${ref.subscriptionId}/resourcegroups/${ref.resourceGroup}/providers/microsoft.network/virtualnetworks/${ref.vnet}`.toLowerCase();

/** The subnets embedded in a VNet body (`properties.subnets`), each under its lower-cased ID. */
function embeddedSubnets(vnetId: string, vnet: Record<string, unknown>): Array<[string, unknown]> {
  const properties = vnet.properties as { subnets?: unknown } | undefined;
  const subnets = Array.isArray(properties?.subnets) ? (properties.subnets as Array<Record<string, unknown>>) : [];
  return subnets.flatMap((subnet): Array<[string, unknown]> => {
    if (typeof subnet?.id === 'string') return [[subnet.id.toLowerCase(), subnet]];
    return typeof subnet?.name === 'string' ? [[`${vnetId}/subnets/${subnet.name.toLowerCase()}`, subnet]] : [];
  });
}

/**
 * Reads each region's subnet, VNet, NSG and route table. NSGs, route tables and VNets are often shared
 * by several instances: each is read once per poll (the memo lives as long as one poll). With a bulk
 * read (Resource Graph's rows for the fleet's subscriptions), a resource found there costs no request;
 * anything missing from it (another subscription, Resource Graph lagging behind, or the bulk read
 * failing) is read with its own GET, as without Resource Graph.
 */
export class NetworkConfigReader {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly ruleLists = new Map<string, SecurityRule[]>();
  /**
   * The bulk read's resources by lower-cased ID (subnets under their own), normalised page by page as
   * they arrive: the raw rows (kilobytes per NSG, megabytes per page) never pile up for the whole poll.
   */
  private readonly bulk = new Map<string, Prepared>();
  /** True once every page is in and normalised; false without a bulk read, or when it failed. */
  private bulkComplete: Promise<boolean> = Promise.resolve(false);
  /** Set when the bulk read failed: pages still in hand are not worth normalising. */
  private bulkGivenUp = false;

  constructor(
    private readonly clients: ArmClients,
    private readonly limiter: ArmLimiter,
    private readonly log: Logger,
    private readonly slicer: TimeSlicer,
    private readonly layers: NetworkLayers = {},
  ) {}

  /**
   * Takes the network resources from a bulk read: `pages` hands over each page's rows and resolves
   * true when it read them all. Until then every read waits; after a failed bulk read, each resource
   * is read on its own.
   */
  readInBulk(pages: BulkPages): void {
    this.bulkComplete = pages((rows) => this.prepare(rows)).then((complete) => {
      if (!complete) {
        this.bulkGivenUp = true;
        this.bulk.clear();
      }
      return complete;
    });
  }

  /** Whether the bulk read got every page (false without one). */
  get bulkRead(): Promise<boolean> {
    return this.bulkComplete;
  }

  private async prepare(rows: readonly GraphRow[]): Promise<void> {
    // In time slices: a page is a thousand rows, and replies keep arriving meanwhile.
    await Promise.all(rows.map((row) => this.slicer.run(() => this.prepareRow(row))));
  }

  private prepareRow(row: GraphRow): void {
    if (this.bulkGivenUp) return;
    const id = row.id.toLowerCase();
    switch (String(row.type ?? '').toLowerCase()) {
      case BULK_TYPES.nsg:
        this.bulk.set(id, settle(() => this.normaliseNsg(row)));
        break;
      case BULK_TYPES.routeTable:
        this.bulk.set(id, settle(() => normaliseRouteTable(row)));
        break;
      case BULK_TYPES.vnet:
        this.bulk.set(id, settle(() => vnetFacts(row)));
        for (const [subnetId, subnet] of embeddedSubnets(id, row)) this.bulk.set(subnetId, settle(() => subnetFacts(subnet)));
        break;
      case BULK_TYPES.gateway:
        this.bulk.set(id, settle(() => gatewayFacts(row)));
        break;
    }
  }

  /** One read per key and poll: the bulk read's resource when it has it, else a GET (within the subscription's request slots), normalised. */
  private once<T>(key: string, subscriptionId: string, get: () => Promise<unknown>, normalise: (body: unknown) => T): Promise<T> {
    let pending = this.memo.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = this.bulkComplete.then(async (complete) => {
        const found = complete ? this.bulk.get(key) : undefined;
        if (found) {
          if ('error' in found) throw found.error;
          return found.value as T;
        }
        const body = await this.limiter.run(subscriptionId, get);
        return this.slicer.run(() => normalise(body));
      });
      this.memo.set(key, pending);
    }
    return pending;
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

  /** The subscription's Network client, made only when a resource has to be read on its own (a client is ~100 KB). */
  private network(ref: { subscriptionId: string }) {
    return this.clients.networkManagement(ref.subscriptionId);
  }

  private readonly normaliseNsg = (body: unknown): NetworkSecurityGroup => this.shareRules(normaliseNsg(body));

  private vnet(ref: { subscriptionId: string; resourceGroup: string; vnet: string }): Promise<VnetFacts> {
    return this.once(vnetIdOf(ref), ref.subscriptionId, () => this.network(ref).virtualNetworks.get(ref.resourceGroup, ref.vnet), vnetFacts);
  }

  private nsg(id: string): Promise<NetworkSecurityGroup> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a network security group ID: ${id}`));
    return this.once(id, ref.subscriptionId, () => this.network(ref).networkSecurityGroups.get(ref.resourceGroup, ref.name), this.normaliseNsg);
  }

  private routeTable(id: string): Promise<RouteTable> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a route table ID: ${id}`));
    return this.once(id, ref.subscriptionId, () => this.network(ref).routeTables.get(ref.resourceGroup, ref.name), normaliseRouteTable);
  }

  private gateway(id: string): Promise<GatewayFacts> {
    const ref = parseNetworkResourceId(id);
    if (!ref) return Promise.reject(new Error(`not a virtual network gateway ID: ${id}`));
    return this.once(id, ref.subscriptionId, () => this.network(ref).virtualNetworkGateways.get(ref.resourceGroup, ref.name), gatewayFacts);
  }

  /** One gateway as a route source; what cannot be read says why (its routes still may arrive). */
  private async gatewaySource(id: string, vnetId: string, peering?: string): Promise<GatewayRouteSource> {
    const via = peering === undefined ? {} : { peering };
    try {
      const gateway = await this.gateway(id);
      return { id: gateway.id || id, name: gateway.name, gatewayType: gateway.gatewayType, vnetId, ...via };
    } catch (err) {
      const failure = toFetchFailure('VirtualNetworkGateways_Get', err);
      return { id, name: id.split('/').pop() ?? '', gatewayType: '', vnetId, ...via, unreadable: failure.message };
    }
  }

  /**
   * The gateways whose routes Azure propagates to the VNet's subnets: the VNet's own, and those of each
   * remote VNet it uses through `useRemoteGateways` (gateway transit). Never rejects.
   */
  private gatewayRoutes(vnet: VnetFacts): Promise<GatewayRouteSource[]> {
    const own = vnet.gatewayIds.map((id) => this.gatewaySource(id, vnet.id));
    // A hub connection's peering leads to the hub's managed network, which only Microsoft can read: the hub's own
    // resources say what it routes (hubRoutes).
    const remote = vnet.peerings
      .filter((peering) => peering.useRemoteGateways && hubOfPeering(peering) === undefined)
      .map(async (peering): Promise<GatewayRouteSource[]> => {
        const ref = parseNetworkResourceId(peering.remoteVnetId);
        const unknown = (why: string): GatewayRouteSource[] => [{ id: '', name: '', gatewayType: '', vnetId: peering.remoteVnetId, peering: peering.name, unreadable: why }];
        if (!ref) return unknown(`not a virtual network ID: ${peering.remoteVnetId}`);
        try {
          const remoteVnet = await this.vnet({ subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, vnet: ref.name });
          if (remoteVnet.gatewayIds.length === 0) return unknown('the remote VNet names no gateway in its subnets');
          return Promise.all(remoteVnet.gatewayIds.map((id) => this.gatewaySource(id, peering.remoteVnetId, peering.name)));
        } catch (err) {
          return unknown(`the remote VNet could not be read: ${toFetchFailure('VirtualNetworks_Get', err).message}`);
        }
      });
    return Promise.all([...own, ...remote]).then((sources) => sources.flat());
  }

  /**
   * The VNet's hub connections; a peering a hub connection made whose hub was not read stands for that hub,
   * with why (a hub in an unsearched subscription, a failed read), so its routes are unknown for a reason.
   */
  private async hubConnections(vnet: VnetFacts, vnetId: string): Promise<HubConnectionSource[] | undefined> {
    const hubs = this.layers.hubs;
    const connections = await hubs?.forVnet(vnetId);
    if (!hubs || (connections && connections.length > 0)) return connections;
    const unread = await Promise.all(
      vnet.peerings.flatMap((peering) => {
        const hubName = hubOfPeering(peering);
        if (hubName === undefined) return [];
        return [(hubs.whyUnread?.(hubName) ?? Promise.resolve('not read')).then((why): HubConnectionSource => ({ hubId: '', hubName, connection: peering.name, enableInternetSecurity: true, unreadable: why }))];
      }),
    );
    return unread.length > 0 ? unread : connections;
  }

  async readSubnet(subnetId: string): Promise<SubnetConfig> {
    const ref = parseSubnetId(subnetId);
    if (!ref) throw new Error(`not a subnet ID: ${subnetId}`);
    const [facts, vnet] = await Promise.all([
      this.once(subnetId.toLowerCase(), ref.subscriptionId, () => this.network(ref).subnets.get(ref.resourceGroup, ref.vnet, ref.subnet), subnetFacts),
      this.vnet(ref),
    ]);
    const vnetId = vnet.id || vnetIdOf(ref);
    const [nsg, routeTable, adminRules, gatewayRoutes, hubConnections] = await Promise.all([
      facts.nsgId ? this.nsg(facts.nsgId) : undefined,
      facts.routeTableId ? this.routeTable(facts.routeTableId) : undefined,
      this.layers.adminRules?.forVnet(vnetId),
      this.gatewayRoutes(vnet),
      this.hubConnections(vnet, vnetId),
    ]);
    const config: SubnetConfig = {
      id: facts.id || subnetId,
      name: facts.name || ref.subnet,
      addressPrefixes: facts.addressPrefixes,
      delegations: facts.delegations,
      serviceEndpoints: facts.serviceEndpoints,
      vnet: { id: vnet.id, addressSpace: vnet.addressSpace, dnsServers: vnet.dnsServers },
    };
    if (nsg) config.nsg = nsg;
    if (routeTable) config.routeTable = routeTable;
    if (adminRules) config.adminRules = adminRules;
    config.gatewayRoutes = gatewayRoutes;
    if (hubConnections) config.hubConnections = hubConnections;
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
            const subnet = await this.readSubnet(subnetId);
            // Only an internal instance's host names depend on the VNet's private DNS.
            const privateDns = instance.vnetType === 'Internal' ? await this.layers.dns?.forVnet(subnet.vnet.id) : undefined;
            if (privateDns) subnet.privateDns = privateDns;
            return { location: region.location, subnetId, subnet };
          } catch (err) {
            const failure = toFetchFailure('NetworkConfig_Get', err);
            this.log.warn({ instance: instance.id, region: region.location, code: failure.code }, `cannot read subnet configuration: ${failure.message}`);
            return { location: region.location, subnetId, failure };
          }
        }),
    );
  }
}
