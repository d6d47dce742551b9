import { flatten, idOf, isRecord } from './normalise-json.js';
import { parseNetworkResourceId } from './normalise-subnet.js';

/**
 * Virtual WAN resources as the monitor needs them, from ARM JSON (Resource Graph rows, or the SDK's flattened
 * objects): a hub, its VNet connections, its route tables and its routing intent (Network 2025-09-01 shapes).
 */

export interface HubFacts {
  /** Lower-cased. */
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The hub's site-to-site VPN and ExpressRoute gateways, named (`ExpressRoute gateway erg1`): their BGP routes may include 0.0.0.0/0. */
  gateways: string[];
}

export interface HubConnectionFacts {
  name: string;
  /** Lower-cased. */
  remoteVnetId: string;
  enableInternetSecurity: boolean;
  /** Lower-cased ID of the hub route table the connection is associated with; absent: the hub's default one. */
  associatedRouteTable?: string;
  staticRoutes: Array<{ name: string; addressPrefixes: string[]; nextHopIpAddress: string }>;
  propagateStaticRoutes: boolean;
}

export interface HubRouteTableFacts {
  id: string;
  name: string;
  routes: Array<{ name: string; destinations: string[]; nextHop: string }>;
}

const fields = (value: unknown) => (isRecord(value) ? flatten(value) : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string').map((item) => item.trim()) : []);
const lastSegment = (id: string) => id.split('/').filter(Boolean).pop() ?? id;

export function hubFacts(row: unknown): HubFacts | undefined {
  const hub = fields(row);
  const ref = typeof hub.id === 'string' ? parseNetworkResourceId(hub.id) : undefined;
  if (!ref) return undefined;
  const gateways: string[] = [];
  const vpn = idOf(hub.vpnGateway);
  const expressRoute = idOf(hub.expressRouteGateway);
  if (expressRoute) gateways.push(`ExpressRoute gateway ${lastSegment(expressRoute)}`);
  if (vpn) gateways.push(`VPN gateway ${lastSegment(vpn)}`);
  return { id: String(hub.id).toLowerCase(), name: ref.name, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, gateways };
}

export function hubConnectionFacts(raw: unknown): HubConnectionFacts | undefined {
  const connection = fields(raw);
  const remoteVnetId = idOf(connection.remoteVirtualNetwork)?.toLowerCase();
  if (!remoteVnetId) return undefined;
  const routing = fields(connection.routingConfiguration);
  const vnetRoutes = fields(routing.vnetRoutes);
  const associated = idOf(routing.associatedRouteTable)?.toLowerCase();
  const staticRoutes = (Array.isArray(vnetRoutes.staticRoutes) ? vnetRoutes.staticRoutes : []).map(fields).map((route) => ({
    name: String(route.name ?? ''),
    addressPrefixes: strings(route.addressPrefixes),
    nextHopIpAddress: String(route.nextHopIpAddress ?? ''),
  }));
  return {
    name: String(connection.name ?? ''),
    remoteVnetId,
    enableInternetSecurity: connection.enableInternetSecurity === true,
    ...(associated ? { associatedRouteTable: associated } : {}),
    staticRoutes,
    // Absent: as if on, so that a static default route is never overlooked.
    propagateStaticRoutes: fields(vnetRoutes.staticRoutesConfig).propagateStaticRoutes !== false,
  };
}

export function hubRouteTableFacts(raw: unknown): HubRouteTableFacts {
  const table = fields(raw);
  const routes = (Array.isArray(table.routes) ? table.routes : []).map(fields).map((route) => ({
    name: String(route.name ?? ''),
    destinations: strings(route.destinations),
    nextHop: String(route.nextHop ?? ''),
  }));
  return { id: String(table.id ?? '').toLowerCase(), name: String(table.name ?? ''), routes };
}

/** Where a routing intent sends Internet traffic and private traffic: the next hops of its two policies. */
export function routingIntentFacts(raw: unknown): { internet?: string; private?: string } {
  const intent = fields(raw);
  const found: { internet?: string; private?: string } = {};
  for (const policy of (Array.isArray(intent.routingPolicies) ? intent.routingPolicies : []).map(fields)) {
    if (typeof policy.nextHop !== 'string') continue;
    const destinations = strings(policy.destinations).map((destination) => destination.toLowerCase());
    if (destinations.includes('internet')) found.internet ??= policy.nextHop;
    if (destinations.includes('privatetraffic')) found.private ??= policy.nextHop;
  }
  return found;
}

/**
 * The hub a spoke is peered with when the peering is one a hub connection created: Azure names it
 * `RemoteVnetToHubPeering_<guid>` and points it at the hub's managed network, `HV_<hub>_<guid>` in resource group
 * `RG_<hub>_<guid>` of a Microsoft subscription, which a customer cannot read. The hub's name, or undefined.
 */
export function hubOfPeering(peering: { name: string; remoteVnetId: string }): string | undefined {
  const managed = /\/resourcegroups\/rg_(.+)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/providers\/microsoft\.network\/virtualnetworks\/hv_[^/]+$/i.exec(peering.remoteVnetId);
  if (managed) return managed[1];
  return /^remotevnettohubpeering_/i.test(peering.name) ? lastSegment(peering.remoteVnetId) : undefined;
}
