import type { PagingPolicy } from './paging-policy.js';
import { subnetChecks, type SubnetCheck } from './subnet-checks.js';
import { judgePrivateDns, type DnsRecordVerdict } from './private-dns.js';
import type { AnalysisCache } from './cache.js';
import { evaluateNsg, type FlowVerdict } from './nsg/evaluate.js';
import { combinedExposure, evaluateRoutes, gatewayExposure, hubRoutes, serviceEndpointEnabled, WATCHED_SERVICE_ENDPOINTS, type RouteAnalysis } from './routing/evaluate.js';
import type { GatewayRouteSource, HubConnectionSource, NetworkSecurityGroup, RouteTable, SecurityAdminRule, ServiceEndpoint, ServiceTagSet, SubnetConfig } from '../model/network.js';
import type { FetchFailure, InstanceInfo, RegionNetworkConfig, VnetType } from '../model/snapshot.js';
import type { ConfigChange, VerdictChange } from '../model/config-change.js';

/** Azure-provided DNS: what a VNet without custom DNS servers resolves through. */
export const AZURE_DNS = '168.63.129.16';

export type RegionConfigState = 'ok' | 'no-subnet' | 'unreadable' | 'no-service-tags';

export interface RegionConfigReport {
  state: RegionConfigState;
  subnetId?: string;
  nsgId?: string;
  routeTableId?: string;
  failure?: FetchFailure;
  /** Applicable flows of APIM's requirements table, judged against the subnet's NSG. */
  flows: FlowVerdict[];
  routes?: RouteAnalysis;
  serviceEndpoints: Array<{ service: string; enabled: boolean; change?: VerdictChange }>;
  /** The configuration changes the monitor saw in this region lately, newest first (change-attribution.ts). */
  changes?: ConfigChange[];
  dns: { vnet: string[]; networkStatus: string[]; consistent: boolean };
  /** The VNet's Virtual Network Manager security admin rules, when they were read. */
  adminRules?: { count: number; networkManagers: string[]; unreadable?: string };
  /** The subnet itself: its delegation, size and room for the next scale unit. */
  subnetChecks: SubnetCheck[];
  /** Internal mode: each host name's A record in the VNet's private DNS, against the region's private VIP. */
  privateDns?: DnsRecordVerdict[];
  findings: string[];
}

export interface NetworkPolicy {
  paging: PagingPolicy;
}

function sameServers(a: string[], b: string[]): boolean {
  const norm = (list: string[]) => [...new Set(list.map((s) => s.trim()))].sort().join(',');
  return norm(a) === norm(b);
}

/** What a subnet's traffic rules are judged on: the same for a polled region and for a `whatif` proposal. */
export interface SubnetPolicy {
  nsg: NetworkSecurityGroup | undefined;
  /** The VNet's Virtual Network Manager security admin rules (evaluated before the NSG). */
  adminRules?: readonly SecurityAdminRule[];
  routeTable: RouteTable | undefined;
  /** Gateways whose routes may reach the subnet (none known: whatif). */
  gatewayRoutes?: readonly GatewayRouteSource[];
  /** The VNet's Virtual WAN hub connections (none known: whatif). */
  hubConnections?: readonly HubConnectionSource[];
  serviceEndpoints: ServiceEndpoint[];
  /** Empty when unknown (whatif): then `*`, `VirtualNetwork` or a CIDR local side counts as the subnet. */
  subnetPrefixes: string[];
  vnetAddressSpace: string[];
  vnetType: VnetType;
  platformVersion: string;
  sku?: string;
  region: string;
  primaryRegion: string;
  serviceTags: ServiceTagSet;
  paging: PagingPolicy;
}

/** Every flow of the requirement catalogue (each marked whether it applies) judged against the NSG, and the routes against the route table. */
export function judgeSubnetPolicy(policy: SubnetPolicy, cache?: AnalysisCache): { flows: FlowVerdict[]; routes: RouteAnalysis } {
  const flows = evaluateNsg(policy.nsg, {
    vnetType: policy.vnetType,
    platformVersion: policy.platformVersion,
    ...(policy.sku ? { sku: policy.sku } : {}),
    paging: policy.paging,
    region: policy.region,
    primaryRegion: policy.primaryRegion,
    serviceTags: policy.serviceTags,
    vnetAddressSpace: policy.vnetAddressSpace,
    subnetPrefixes: policy.subnetPrefixes,
    udrPrefixes: (policy.routeTable?.routes ?? []).map((route) => route.addressPrefix),
    ...(policy.adminRules?.length ? { adminRules: policy.adminRules } : {}),
    ...(cache ? { cache } : {}),
  });
  const hubs = hubRoutes(policy.hubConnections, policy.routeTable);
  const gatewayRoutes = combinedExposure(gatewayExposure(policy.gatewayRoutes, policy.routeTable), hubs.exposure);
  const routes = evaluateRoutes(policy.routeTable, policy.serviceEndpoints, {
    region: policy.region,
    primaryRegion: policy.primaryRegion,
    platformVersion: policy.platformVersion,
    serviceTags: policy.serviceTags,
    vnetAddressSpace: policy.vnetAddressSpace,
    ...(gatewayRoutes ? { gatewayRoutes } : {}),
    ...(hubs.learned.length > 0 ? { learnedRoutes: hubs.learned } : {}),
    ...(cache ? { cache } : {}),
  });
  return { flows, routes };
}

function flowsAndRoutes(
  subnet: SubnetConfig,
  instance: InstanceInfo,
  location: string,
  tags: ServiceTagSet,
  policy: NetworkPolicy,
  cache: AnalysisCache | undefined,
): Pick<RegionConfigReport, 'flows' | 'routes' | 'findings'> {
  const judged = judgeSubnetPolicy(
    {
      nsg: subnet.nsg,
      adminRules: subnet.adminRules?.rules ?? [],
      routeTable: subnet.routeTable,
      gatewayRoutes: subnet.gatewayRoutes ?? [],
      hubConnections: subnet.hubConnections ?? [],
      serviceEndpoints: subnet.serviceEndpoints,
      subnetPrefixes: subnet.addressPrefixes,
      vnetAddressSpace: subnet.vnet.addressSpace,
      vnetType: instance.vnetType,
      platformVersion: instance.platformVersion,
      sku: instance.sku,
      region: location,
      primaryRegion: instance.regions[0]?.location ?? location,
      serviceTags: tags,
      paging: policy.paging,
    },
    cache,
  );
  const flows = judged.flows.filter((flow) => flow.applies);
  const routes = judged.routes;
  const findings: string[] = [];
  if (!subnet.nsg) findings.push(`subnet ${subnet.name} has no network security group: APIM's subnet should have one`);
  if (subnet.adminRules?.unreadable) {
    // With rules known to be in force (Resource Graph said so) the flows are unknown; without, judged on the NSG.
    const consequence = subnet.adminRules.rules.length > 0 ? 'the flows they could decide are unknown' : 'flows are judged on the NSG alone';
    findings.push(`the VNet's security admin rules (Azure Virtual Network Manager) could not be read, so ${consequence}: ${subnet.adminRules.unreadable}`);
  }
  for (const flow of flows) {
    if (flow.required && flow.verdict !== 'allowed') {
      findings.push(`${flow.direction} ${flow.peer}:${flow.port} is ${flow.verdict} by rule ${flow.decidedBy}${flow.note ? ` (${flow.note})` : ''}`);
    }
  }
  findings.push(...routes.findings);
  return { flows, routes, findings };
}

/** Judges one region's subnet configuration; never throws (what could not be judged is said). */
export function analyseRegionConfig(
  instance: InstanceInfo,
  location: string,
  config: RegionNetworkConfig | undefined,
  networkStatusDns: string[],
  tags: ServiceTagSet | undefined,
  policy: NetworkPolicy,
  cache?: AnalysisCache,
): RegionConfigReport {
  const base: RegionConfigReport = {
    state: 'ok',
    flows: [],
    serviceEndpoints: [],
    dns: { vnet: [], networkStatus: networkStatusDns, consistent: true },
    subnetChecks: [],
    findings: [],
  };
  if (!config?.subnetId) return { ...base, state: 'no-subnet', findings: ['no subnet is configured for this region'] };
  base.subnetId = config.subnetId;
  if (!config.subnet) {
    return { ...base, state: 'unreadable', ...(config.failure ? { failure: config.failure } : {}), findings: [`subnet configuration unreadable: ${config.failure?.message ?? 'unknown error'}`] };
  }
  const subnet = config.subnet;
  if (subnet.nsg) base.nsgId = subnet.nsg.id;
  const regionInfo = instance.regions.find((region) => region.location === location);
  base.subnetChecks = subnetChecks(instance, regionInfo, subnet);
  for (const check of base.subnetChecks) if (!check.ok) base.findings.push(check.detail);
  if (subnet.privateDns) {
    base.privateDns = judgePrivateDns(instance, regionInfo, subnet);
    for (const record of base.privateDns) if (record.state !== 'ok') base.findings.push(`private DNS ${record.state}: ${record.detail}`);
  }
  if (subnet.adminRules) {
    const { rules, unreadable } = subnet.adminRules;
    base.adminRules = { count: unreadable ? 0 : rules.length, networkManagers: [...new Set(rules.map((rule) => rule.networkManager))].sort(), ...(unreadable ? { unreadable } : {}) };
  }
  if (subnet.routeTable) base.routeTableId = subnet.routeTable.id;
  base.serviceEndpoints = WATCHED_SERVICE_ENDPOINTS.map((service) => ({ service, enabled: serviceEndpointEnabled(subnet.serviceEndpoints, service, location) }));
  const vnetDns = subnet.vnet.dnsServers.length > 0 ? subnet.vnet.dnsServers : [AZURE_DNS];
  // An empty NetworkStatus DNS list says nothing; a different one means APIM has not picked up a VNet DNS change.
  base.dns = { vnet: vnetDns, networkStatus: networkStatusDns, consistent: networkStatusDns.length === 0 || sameServers(vnetDns, networkStatusDns) };
  if (!base.dns.consistent) {
    base.findings.push(`APIM uses DNS ${networkStatusDns.join(', ')} but the VNet says ${vnetDns.join(', ')}: apply the network configuration to the instance`);
  }
  if (!tags) return { ...base, state: 'no-service-tags', findings: [...base.findings, 'service tags unavailable: flows and routes not evaluated'] };
  const judged = flowsAndRoutes(subnet, instance, location, tags, policy, cache);
  return { ...base, flows: judged.flows, routes: judged.routes, findings: [...base.findings, ...judged.findings] };
}
