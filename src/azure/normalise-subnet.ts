import type { ServiceEndpoint } from '../model/network.js';
import { isResourceOf, parseResourceId, shortRegion } from '../model/ids.js';
import { flatten, idOf, isRecord, type Json } from './normalise-json.js';

/**
 * Subnets and VNets, whether ARM REST bodies (`properties.*`) or the SDK's flattened objects.
 * Only the fields the analysis reads.
 */

/** Both shapes read alike; anything that is not an object reads as empty. */
const fields = (body: unknown): Json => (isRecord(body) ? flatten(body) : {});

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);

const lowerIdOf = (value: unknown): string | undefined => idOf(value)?.toLowerCase();

export interface SubnetFacts {
  id: string;
  name: string;
  addressPrefixes: string[];
  nsgId?: string;
  routeTableId?: string;
  serviceEndpoints: ServiceEndpoint[];
  /** The services the subnet is delegated to (`delegations[].serviceName`). */
  delegations: string[];
}

export function subnetFacts(body: unknown): SubnetFacts {
  const subnet = fields(body);
  const facts: SubnetFacts = {
    id: String(subnet.id ?? '').toLowerCase(),
    name: String(subnet.name ?? ''),
    addressPrefixes: [...strings([subnet.addressPrefix]), ...strings(subnet.addressPrefixes)],
    serviceEndpoints: (Array.isArray(subnet.serviceEndpoints) ? subnet.serviceEndpoints : []).map((endpoint) => {
      const ep = fields(endpoint);
      return { service: String(ep.service ?? ''), locations: strings(ep.locations).map((l) => (l === '*' ? l : shortRegion(l))) };
    }),
    delegations: strings((Array.isArray(subnet.delegations) ? subnet.delegations : []).map((delegation) => fields(delegation).serviceName)),
  };
  const nsgId = lowerIdOf(subnet.networkSecurityGroup);
  const routeTableId = lowerIdOf(subnet.routeTable);
  if (nsgId) facts.nsgId = nsgId;
  if (routeTableId) facts.routeTableId = routeTableId;
  return facts;
}

export interface PeeringFacts {
  name: string;
  remoteVnetId: string;
  /** The VNet uses the remote VNet's gateways (gateway transit): their routes reach this VNet's subnets. */
  useRemoteGateways: boolean;
}

export interface VnetFacts {
  id: string;
  addressSpace: string[];
  dnsServers: string[];
  peerings: PeeringFacts[];
  /** Gateways in the VNet (lower-cased IDs), as its GatewaySubnet's `ipConfigurations` name them. */
  gatewayIds: string[];
}

const GATEWAY_IP_CONFIGURATION = /^(.*\/providers\/microsoft\.network\/virtualnetworkgateways\/[^/]+)\/ipconfigurations\/[^/]+$/i;

/** The gateways whose IP configurations sit in the VNet's subnets (only a GatewaySubnet can hold one). */
function gatewaysIn(subnets: unknown): string[] {
  const ids = new Set<string>();
  for (const subnet of Array.isArray(subnets) ? subnets : []) {
    for (const configuration of Array.isArray(fields(subnet).ipConfigurations) ? (fields(subnet).ipConfigurations as unknown[]) : []) {
      const match = GATEWAY_IP_CONFIGURATION.exec(lowerIdOf(configuration) ?? '');
      if (match) ids.add(match[1]!);
    }
  }
  return [...ids];
}

function peeringFacts(body: unknown): PeeringFacts | undefined {
  const peering = fields(body);
  const remoteVnetId = lowerIdOf(peering.remoteVirtualNetwork);
  if (!remoteVnetId) return undefined;
  return { name: String(peering.name ?? ''), remoteVnetId, useRemoteGateways: peering.useRemoteGateways === true };
}

export function vnetFacts(body: unknown): VnetFacts {
  const vnet = fields(body);
  const addressSpace = fields(vnet.addressSpace);
  const dhcp = fields(vnet.dhcpOptions);
  const peerings = (Array.isArray(vnet.virtualNetworkPeerings) ? vnet.virtualNetworkPeerings : []).map(peeringFacts).filter((p): p is PeeringFacts => p !== undefined);
  return {
    id: String(vnet.id ?? '').toLowerCase(),
    addressSpace: strings(addressSpace.addressPrefixes),
    dnsServers: strings(dhcp.dnsServers),
    peerings,
    gatewayIds: gatewaysIn(vnet.subnets),
  };
}

export interface GatewayFacts {
  id: string;
  name: string;
  gatewayType: string;
}

/** A virtual network gateway (GET body, SDK object or Resource Graph row): what route propagation needs. */
export function gatewayFacts(body: unknown): GatewayFacts {
  const gateway = fields(body);
  return { id: String(gateway.id ?? '').toLowerCase(), name: String(gateway.name ?? ''), gatewayType: typeof gateway.gatewayType === 'string' ? gateway.gatewayType : '' };
}

/** `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/x` -> parts. */
export function parseSubnetId(id: string): { subscriptionId: string; resourceGroup: string; vnet: string; subnet: string } | undefined {
  const parsed = parseResourceId(id);
  if (!parsed || !isResourceOf(parsed, 'Microsoft.Network', 'virtualNetworks', 'subnets')) return undefined;
  return { subscriptionId: parsed.subscriptionId.toLowerCase(), resourceGroup: parsed.resourceGroup, vnet: parsed.path[1]!, subnet: parsed.path[3]! };
}

/** `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/<type>/<name>` -> parts. */
export function parseNetworkResourceId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const parsed = parseResourceId(id);
  if (!parsed || parsed.provider.toLowerCase() !== 'microsoft.network' || parsed.path.length !== 2) return undefined;
  return { subscriptionId: parsed.subscriptionId.toLowerCase(), resourceGroup: parsed.resourceGroup, name: parsed.path[1]! };
}
