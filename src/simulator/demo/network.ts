import type { ArmResource } from '../world.js';
import { rgPrefix } from './identities.js';
import { defaultSecurityRules, securityRule, type RuleSpec } from './nsg-rules.js';
import type { Region } from './regions.js';
import { guid, netEtag } from './seeded.js';

/**
 * The network an APIM subnet lives in, as the Network RP returns it: the VNet (with its subnet embedded),
 * the subnet, its NSG and, with forced tunnelling, its route table, each a separate resource.
 */

type ServiceEndpointSpec = { service: string; locations: string[] };

export interface RouteSpec {
  name: string;
  addressPrefix: string;
  nextHopType: 'VirtualAppliance' | 'VirtualNetworkGateway' | 'Internet' | 'VnetLocal' | 'None';
  nextHopIpAddress?: string;
}

export interface NetworkSpec {
  sub: string;
  rg: string;
  region: Region;
  vnet: string;
  addressSpace: string;
  dnsServers: string[];
  subnet: string;
  subnetPrefix: string;
  nsg: string;
  rules: RuleSpec[];
  serviceEndpoints: ServiceEndpointSpec[];
  routeTable?: { name: string; routes: RouteSpec[]; disableBgpRoutePropagation: boolean };
  /** Peerings embedded in the VNet body (virtualNetworkPeerings), as the VNet GET returns them. */
  peerings?: PeeringSpec[];
  /** The service the subnet is delegated to (the v2 tiers: Microsoft.Web/serverFarms or hostingEnvironments). */
  delegation?: string;
  tags: Record<string, string>;
}

export interface PeeringSpec {
  name: string;
  remoteVnetId: string;
  remoteAddressSpace: string;
  useRemoteGateways: boolean;
  allowGatewayTransit: boolean;
}

/** A peering as the VNet GET embeds it (fields and order of the specification's VirtualNetworkPeeringGet example). */
export function peeringBody(vnetId: string, spec: PeeringSpec): Record<string, unknown> {
  const id = `${vnetId}/virtualNetworkPeerings/${spec.name}`;
  return {
    name: spec.name,
    id,
    etag: netEtag(id),
    type: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings',
    properties: {
      allowForwardedTraffic: true,
      allowGatewayTransit: spec.allowGatewayTransit,
      allowVirtualNetworkAccess: true,
      peeringState: 'Connected',
      peeringSyncLevel: 'FullyInSync',
      provisioningState: 'Succeeded',
      remoteAddressSpace: { addressPrefixes: [spec.remoteAddressSpace] },
      remoteVirtualNetwork: { id: spec.remoteVnetId },
      remoteVirtualNetworkAddressSpace: { addressPrefixes: [spec.remoteAddressSpace] },
      useRemoteGateways: spec.useRemoteGateways,
    },
  };
}

/** The service endpoints of a subnet that sends its Azure dependencies through service endpoints. */
export const SERVICE_ENDPOINTS_ALL = (region: Region, pair: Region) => [
  { service: 'Microsoft.Storage', locations: [region.short, pair.short] },
  { service: 'Microsoft.Sql', locations: [region.short] },
  { service: 'Microsoft.KeyVault', locations: ['*'] },
  { service: 'Microsoft.EventHub', locations: ['*'] },
];

interface SubnetSpec {
  sub: string;
  rg: string;
  vnet: string;
  name: string;
  addressPrefix: string;
  nsgId: string;
  routeTableId?: string;
  serviceEndpoints: ServiceEndpointSpec[];
  delegation?: string;
}

function subnetId(s: { sub: string; rg: string; vnet: string; name: string }): string {
  return `${rgPrefix(s.sub, s.rg)}/providers/Microsoft.Network/virtualNetworks/${s.vnet}/subnets/${s.name}`;
}

function subnetBody(s: SubnetSpec): ArmResource {
  const id = subnetId(s);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    addressPrefix: s.addressPrefix,
    networkSecurityGroup: { id: s.nsgId },
  };
  if (s.routeTableId !== undefined) properties.routeTable = { id: s.routeTableId };
  properties.serviceEndpoints = s.serviceEndpoints.map((e) => ({
    provisioningState: 'Succeeded',
    service: e.service,
    locations: [...e.locations],
  }));
  // The shape of the specification's SubnetGetWithDelegation example.
  properties.delegations = s.delegation
    ? [{ name: 'delegation', id: `${id}/delegations/delegation`, etag: netEtag(`${id}/delegations/delegation`), properties: { provisioningState: 'Succeeded', serviceName: s.delegation, actions: ['Microsoft.Network/virtualNetworks/subnets/action'] }, type: 'Microsoft.Network/virtualNetworks/subnets/delegations' }]
    : [];
  properties.privateEndpointNetworkPolicies = 'Disabled';
  properties.privateLinkServiceNetworkPolicies = 'Enabled';
  return { name: s.name, id, etag: netEtag(id), type: 'Microsoft.Network/virtualNetworks/subnets', properties };
}

export interface VnetSpec {
  id: string;
  name: string;
  region: Region;
  tags: Record<string, string>;
  addressSpace: string;
  dnsServers: string[];
  /** The subnets embedded in the VNet body, as their GET returns them. */
  subnets: ArmResource[];
  peerings: PeeringSpec[];
}

/** A VNet as its GET returns it: its subnets and peerings embedded. */
export function vnetBody(spec: VnetSpec): ArmResource {
  return {
    name: spec.name,
    id: spec.id,
    etag: netEtag(spec.id),
    type: 'Microsoft.Network/virtualNetworks',
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${spec.id}`),
      addressSpace: { addressPrefixes: [spec.addressSpace] },
      dhcpOptions: { dnsServers: [...spec.dnsServers] },
      subnets: spec.subnets,
      virtualNetworkPeerings: spec.peerings.map((peering) => peeringBody(spec.id, peering)),
      enableDdosProtection: false,
    },
  };
}

function nsgBody(spec: NetworkSpec, nsgId: string, subnetId: string): ArmResource {
  return {
    name: spec.nsg,
    id: nsgId,
    etag: netEtag(nsgId),
    type: 'Microsoft.Network/networkSecurityGroups',
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${nsgId}`),
      securityRules: spec.rules.map((r) => securityRule(nsgId, r)),
      defaultSecurityRules: defaultSecurityRules(nsgId),
      subnets: [{ id: subnetId }],
    },
  };
}

function routeBody(rtId: string, r: RouteSpec): Record<string, unknown> {
  const routeId = `${rtId}/routes/${r.name}`;
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    addressPrefix: r.addressPrefix,
    nextHopType: r.nextHopType,
  };
  if (r.nextHopIpAddress !== undefined) properties.nextHopIpAddress = r.nextHopIpAddress;
  properties.hasBgpOverride = false;
  return { name: r.name, id: routeId, etag: netEtag(routeId), type: 'Microsoft.Network/routeTables/routes', properties };
}

function routeTableBody(
  spec: NetworkSpec,
  table: NonNullable<NetworkSpec['routeTable']>,
  rtId: string,
  subnetId: string,
): ArmResource {
  return {
    name: table.name,
    id: rtId,
    etag: netEtag(rtId),
    type: 'Microsoft.Network/routeTables',
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${rtId}`),
      disableBgpRoutePropagation: table.disableBgpRoutePropagation,
      routes: table.routes.map((r) => routeBody(rtId, r)),
      subnets: [{ id: subnetId }],
    },
  };
}

/** VNet (with its subnet embedded), the subnet, its NSG and its route table, as separate resources. */
export function network(spec: NetworkSpec): { resources: ArmResource[]; subnetId: string } {
  const prefix = `${rgPrefix(spec.sub, spec.rg)}/providers/Microsoft.Network`;
  const vnetId = `${prefix}/virtualNetworks/${spec.vnet}`;
  const nsgId = `${prefix}/networkSecurityGroups/${spec.nsg}`;
  const rtId = spec.routeTable ? `${prefix}/routeTables/${spec.routeTable.name}` : undefined;
  const subnetSpec: SubnetSpec = {
    sub: spec.sub,
    rg: spec.rg,
    vnet: spec.vnet,
    name: spec.subnet,
    addressPrefix: spec.subnetPrefix,
    nsgId,
    serviceEndpoints: spec.serviceEndpoints,
    ...(spec.delegation ? { delegation: spec.delegation } : {}),
  };
  if (rtId !== undefined) subnetSpec.routeTableId = rtId;
  const sid = subnetId(subnetSpec);
  const resources: ArmResource[] = [vnetBody({
      id: vnetId, name: spec.vnet, region: spec.region, tags: spec.tags, addressSpace: spec.addressSpace, dnsServers: spec.dnsServers,
      subnets: [subnetBody(subnetSpec)], peerings: spec.peerings ?? [],
    }), subnetBody(subnetSpec), nsgBody(spec, nsgId, sid)];
  if (spec.routeTable && rtId !== undefined) resources.push(routeTableBody(spec, spec.routeTable, rtId, sid));
  return { resources, subnetId: sid };
}
