import type { ServiceEndpoint } from '../model/network.js';
import { isResourceOf, parseResourceId, shortRegion } from '../model/ids.js';
import { flatten, isRecord, type Json } from './normalise-json.js';

/**
 * Subnets and VNets, whether ARM REST bodies (`properties.*`) or the SDK's flattened objects.
 * Only the fields the analysis reads.
 */

/** Both shapes read alike; anything that is not an object reads as empty. */
const fields = (body: unknown): Json => (isRecord(body) ? flatten(body) : {});

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);

const idOf = (value: unknown): string | undefined => (isRecord(value) && typeof value.id === 'string' ? value.id.toLowerCase() : undefined);

export interface SubnetFacts {
  id: string;
  name: string;
  addressPrefixes: string[];
  nsgId?: string;
  routeTableId?: string;
  serviceEndpoints: ServiceEndpoint[];
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
  };
  const nsgId = idOf(subnet.networkSecurityGroup);
  const routeTableId = idOf(subnet.routeTable);
  if (nsgId) facts.nsgId = nsgId;
  if (routeTableId) facts.routeTableId = routeTableId;
  return facts;
}

export interface VnetFacts {
  id: string;
  addressSpace: string[];
  dnsServers: string[];
}

export function vnetFacts(body: unknown): VnetFacts {
  const vnet = fields(body);
  const addressSpace = fields(vnet.addressSpace);
  const dhcp = fields(vnet.dhcpOptions);
  return { id: String(vnet.id ?? '').toLowerCase(), addressSpace: strings(addressSpace.addressPrefixes), dnsServers: strings(dhcp.dnsServers) };
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
