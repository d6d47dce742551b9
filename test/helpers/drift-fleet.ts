import { readFileSync } from 'node:fs';
import { analyseFleet } from '../../src/analysis/analyse.js';
import { DEFAULT_PAGING_POLICY } from '../../src/analysis/paging-policy.js';
import type { FleetReport } from '../../src/analysis/report.js';
import { normaliseNsg, normaliseRouteTable, normaliseServiceTags } from '../../src/azure/normalise-network.js';
import { subnetFacts } from '../../src/azure/normalise-subnet.js';
import { toInstanceInfo } from '../../src/azure/normalise.js';
import { apimServiceFromGraph } from '../../src/azure/resource-graph.js';
import { CONFIG_FAMILIES } from '../../src/metrics/config-families.js';
import type { GatewayRouteSource } from '../../src/model/network.js';
import type { InstanceSnapshot } from '../../src/model/snapshot.js';

/**
 * Fleets for the drift tests, built from ARM bodies as Azure returns them (the APIM service, its subnets,
 * their NSGs and route tables), read by the product's own readers and judged by `analyseFleet`.
 * The NSGs follow Microsoft's "virtual network configuration reference": the documented allows, then deny all.
 */

const SUB = '5b0c2a6e-3f1d-4c8b-9e2a-7d4f1a0b6c39';
const NOW = new Date('2026-11-22T12:00:00Z');

type Rule = [name: string, direction: 'Inbound' | 'Outbound', protocol: 'Tcp' | 'Udp', source: string, destination: string, ports: string[]];

const inbound = (name: string, source: string, ports: string[], protocol: 'Tcp' | 'Udp' = 'Tcp'): Rule => [name, 'Inbound', protocol, source, 'VirtualNetwork', ports];
const outbound = (name: string, destination: string, ports: string[], protocol: 'Tcp' | 'Udp' = 'Tcp'): Rule => [name, 'Outbound', protocol, 'VirtualNetwork', destination, ports];

/** Microsoft's optional flows, by what they serve; each may be allowed on one instance and not another. */
export const OPTIONAL_FLOWS = {
  eventHub: [outbound('AllowEventHub', 'EventHub', ['5671-5672', '443'])],
  cache: [inbound('AllowCacheInbound', 'VirtualNetwork', ['6380-6383']), outbound('AllowCacheOutbound', 'VirtualNetwork', ['6380-6383'])],
  rateLimitSync: [inbound('AllowRateLimitInbound', 'VirtualNetwork', ['4290'], 'Udp'), outbound('AllowRateLimitOutbound', 'VirtualNetwork', ['4290'], 'Udp')],
  machineHealth: [inbound('AllowMachineHealth', 'AzureLoadBalancer', ['6391'])],
  connectors: [outbound('AllowConnectors', 'AzureConnectors', ['443'])],
  gitShare: [outbound('AllowGitShare', 'Storage', ['445'])],
} as const satisfies Record<string, Rule[]>;

export type OptionalFlow = keyof typeof OPTIONAL_FLOWS;
export const ALL_OPTIONAL_FLOWS = Object.keys(OPTIONAL_FLOWS) as OptionalFlow[];

/** The service endpoints forced tunnelling needs (Microsoft's forced-tunnelling guidance). */
export const TUNNELLING_ENDPOINTS = ['Microsoft.Storage', 'Microsoft.Sql', 'Microsoft.KeyVault', 'Microsoft.EventHub'];

export interface InstanceSpec {
  name: string;
  sku: 'Developer' | 'Premium' | 'StandardV2';
  vnetType: 'External' | 'Internal';
  platformVersion?: string;
  /** The primary region first. */
  regions?: string[];
  optional?: OptionalFlow[];
  /** Leave out the inbound AzureLoadBalancer 6390 allow (Developer does not need it). */
  without6390?: boolean;
  /** 0.0.0.0/0 to a firewall, with the ApiManagement -> Internet route beside it. */
  tunnelled?: boolean;
  serviceEndpoints?: string[];
  /** Rules evaluated before the baseline (e.g. a deny that breaks a required flow). */
  firstRules?: Rule[];
  /** A virtual network gateway in the VNet: routes only the system default decides become unknown. */
  gateway?: boolean;
}

export const denySql: Rule = ['DenyDatabaseEgress', 'Outbound', 'Tcp', 'VirtualNetwork', 'Sql', ['1433']];
/** A rule naming a tag the tag set does not have: the flows it could decide are unknown. */
export const unresolvableSqlRule: Rule = ['AllowSqlViaNewTag', 'Outbound', 'Tcp', 'VirtualNetwork', 'SqlManagementNextGen', ['1433']];

function baselineRules(spec: InstanceSpec): Rule[] {
  if (spec.sku === 'StandardV2') return [outbound('AllowStorage', 'Storage', ['443'])];
  return [
    ...(spec.vnetType === 'External' ? [inbound('AllowClients', 'Internet', ['443']), inbound('AllowTrafficManager', 'AzureTrafficManager', ['443'])] : []),
    inbound('AllowManagement', 'ApiManagement', ['3443']),
    ...(spec.without6390 ? [] : [inbound('AllowLoadBalancer', 'AzureLoadBalancer', ['6390'])]),
    outbound('AllowStorage', 'Storage', ['443']),
    outbound('AllowSql', 'Sql', ['1433']),
    outbound('AllowKeyVault', 'AzureKeyVault', ['443']),
    outbound('AllowMonitor', 'AzureMonitor', ['1886', '443']),
    outbound('AllowCertificateValidation', 'Internet', ['80']),
    outbound('AllowEntra', 'AzureActiveDirectory', ['443']),
  ];
}

function armNsg(name: string, location: string, rules: Rule[]) {
  const denyAll = (direction: 'Inbound' | 'Outbound') => ({
    name: `DenyAll${direction}`,
    properties: { priority: 4096, direction, access: 'Deny', protocol: '*', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '*' },
  });
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/${name}`,
    name,
    type: 'Microsoft.Network/networkSecurityGroups',
    location,
    properties: {
      securityRules: [
        ...rules.map(([ruleName, direction, protocol, source, destination, ports], index) => ({
          name: ruleName,
          properties: {
            priority: 100 + index * 10,
            direction,
            access: ruleName.startsWith('Deny') ? 'Deny' : 'Allow',
            protocol,
            sourceAddressPrefix: source,
            sourcePortRange: '*',
            destinationAddressPrefix: destination,
            destinationPortRanges: ports,
          },
        })),
        denyAll('Inbound'),
        denyAll('Outbound'),
      ],
    },
  };
}

function armRouteTable(name: string, location: string) {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/${name}`,
    name,
    type: 'Microsoft.Network/routeTables',
    location,
    properties: {
      disableBgpRoutePropagation: true,
      routes: [
        { name: 'default-to-firewall', properties: { addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.100.0.4' } },
        { name: 'apim-control-plane', properties: { addressPrefix: 'ApiManagement', nextHopType: 'Internet' } },
      ],
    },
  };
}

const vnetIdOf = (name: string, location: string) => `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${name}-${location}`;

function armSubnet(spec: InstanceSpec, location: string, prefix: string, nsgId: string, routeTableId: string | undefined) {
  return {
    id: `${vnetIdOf(spec.name, location)}/subnets/snet-apim`,
    name: 'snet-apim',
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: {
      addressPrefix: prefix,
      networkSecurityGroup: { id: nsgId },
      ...(routeTableId ? { routeTable: { id: routeTableId } } : {}),
      // Azure writes Storage's endpoint with its regions, the others with '*'.
      serviceEndpoints: (spec.serviceEndpoints ?? []).map((service) => ({ service, locations: service === 'Microsoft.Storage' ? [location] : ['*'] })),
      ...(spec.sku === 'StandardV2' ? { delegations: [{ name: 'web', properties: { serviceName: 'Microsoft.Web/serverFarms' } }] } : {}),
    },
  };
}

function armApim(spec: InstanceSpec, subnetIds: string[]) {
  const [primary, ...additional] = spec.regions ?? ['westeurope'];
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/${spec.name}`,
    name: spec.name,
    type: 'Microsoft.ApiManagement/service',
    location: primary,
    sku: { name: spec.sku, capacity: 1 },
    tags: {},
    properties: {
      virtualNetworkType: spec.vnetType,
      platformVersion: spec.platformVersion ?? (spec.sku === 'StandardV2' ? 'undetermined' : 'stv2'),
      virtualNetworkConfiguration: { subnetResourceId: subnetIds[0] },
      additionalLocations: additional.map((location, index) => ({ location, sku: { name: spec.sku, capacity: 1 }, virtualNetworkConfiguration: { subnetResourceId: subnetIds[index + 1] } })),
    },
  };
}

function snapshotOf(spec: InstanceSpec, index: number): InstanceSnapshot {
  const locations = spec.regions ?? ['westeurope'];
  const rules = [...(spec.firstRules ?? []), ...baselineRules(spec), ...(spec.optional ?? []).flatMap((flow) => OPTIONAL_FLOWS[flow])];
  const network = locations.map((location, regionIndex) => {
    const nsg = armNsg(`nsg-${spec.name}-${location}`, location, rules);
    const routeTable = spec.tunnelled ? armRouteTable(`rt-${spec.name}-${location}`, location) : undefined;
    const octet = 10 + index * 4 + regionIndex;
    const facts = subnetFacts(armSubnet(spec, location, `10.${octet}.1.0/24`, nsg.id, routeTable?.id));
    const vnetId = vnetIdOf(spec.name, location).toLowerCase();
    const gateway: GatewayRouteSource = { id: `${vnetId.replace(/virtualnetworks\/.*/, '')}virtualnetworkgateways/ergw`, name: 'ergw', gatewayType: 'ExpressRoute', vnetId };
    return {
      location,
      subnetId: facts.id,
      subnet: {
        id: facts.id,
        name: facts.name,
        addressPrefixes: facts.addressPrefixes,
        delegations: facts.delegations,
        nsg: normaliseNsg(nsg),
        ...(routeTable ? { routeTable: normaliseRouteTable(routeTable) } : {}),
        serviceEndpoints: facts.serviceEndpoints,
        gatewayRoutes: spec.gateway ? [gateway] : [],
        vnet: { id: vnetId, addressSpace: [`10.${octet}.0.0/16`], dnsServers: [] },
      },
    };
  });
  return { instance: toInstanceInfo(apimServiceFromGraph(armApim(spec, network.map((region) => region.subnetId)))), network };
}

const serviceTags = () =>
  normaliseServiceTags(JSON.parse(readFileSync(new URL('../fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')));

export function judgeFleetOf(specs: InstanceSpec[]): FleetReport {
  const snapshot = { takenAt: NOW, instances: specs.map(snapshotOf), subscriptionFailures: [], unresolvedTargets: [], serviceTags: serviceTags() };
  return analyseFleet(snapshot, { staleAfterSeconds: 2100, paging: DEFAULT_PAGING_POLICY }, NOW);
}

export interface DriftSeries {
  apimService: string;
  location: string;
  aspect: string;
  group: string;
  value: number;
}

/** `apim_network_config_drift` as the exposition writes it, without the DNS check. */
export function driftSeries(report: FleetReport): DriftSeries[] {
  const family = CONFIG_FAMILIES.find((candidate) => candidate.name === 'apim_network_config_drift')!;
  const series: DriftSeries[] = [];
  for (const instance of report.instances) {
    family.rows(instance, (location, [aspect, group], value) => {
      if (aspect !== 'dns') series.push({ apimService: instance.instance.name, location, aspect: aspect!, group: group!, value });
    });
  }
  return series;
}

export const PAGE_NOW = NOW;
