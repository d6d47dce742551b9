/**
 * A synthetic FleetReport of N instances x R regions, shaped like what `analyseFleet` makes of the demo
 * fleet: per region the 17 NetworkStatus entries of the 2024-05-01 example (same resourceTypes, host
 * shapes and `isOptional`), their dependency roll-up, the 16 flows of APIM's requirements table, 7 route
 * verdicts, the 4 watched service endpoints and 4 drift entries. Pure and deterministic: the same
 * options give the same report (no clock, no Math.random), so benchmarks and golden tests can use it.
 */
import { rollUpDependencies, summarise } from '../src/analysis/analyse.js';
import { fnv1a } from '../src/model/fnv1a.js';
import { connectivityEntries } from '../src/simulator/demo-world.js';
import { classifyDependency, DEPENDENCIES } from '../src/analysis/dependencies.js';
import { DEFAULT_PAGING_POLICY, pagesOn, pagingDependencies } from '../src/analysis/paging-policy.js';
import { DNS_ASPECT, DNS_DRIFT_GROUP } from '../src/analysis/drift-aspects.js';
import type { RegionConfigReport } from '../src/analysis/network.js';
import type { FlowVerdict, FlowVerdictKind } from '../src/analysis/nsg/evaluate.js';
import type { DependencyReport, EndpointReport, FleetReport, InstanceReport, RegionReport } from '../src/analysis/report.js';
import { FLOW_REQUIREMENTS } from '../src/analysis/requirements.js';
import { ROUTE_PEERS } from '../src/analysis/routing/peers.js';
import type { RouteVerdict } from '../src/analysis/routing/evaluate.js';
import { WATCHED_SERVICE_ENDPOINTS } from '../src/analysis/routing/evaluate.js';
import type { InstanceInfo, RegionInfo } from '../src/model/snapshot.js';

export interface FleetReportOptions {
  instances: number;
  /** Regions per instance (the first is primary); at most `REGIONS.length`. Default 2. */
  regions?: number;
  /** Instances are spread round-robin over this many subscriptions. Default 20. */
  subscriptions?: number;
  /** The report's clock; every timestamp is relative to it. Default 2025-06-01T12:00:00Z. */
  now?: Date;
  /** Varies which endpoints fail, go stale or are denied. Default 1. */
  seed?: number;
  staleAfterSeconds?: number;
}

export const REGIONS: ReadonlyArray<{ location: string; display: string }> = [
  { location: 'westeurope', display: 'West Europe' },
  { location: 'northeurope', display: 'North Europe' },
  { location: 'eastus', display: 'East US' },
  { location: 'westus2', display: 'West US 2' },
  { location: 'southeastasia', display: 'Southeast Asia' },
  { location: 'australiaeast', display: 'Australia East' },
  { location: 'uksouth', display: 'UK South' },
  { location: 'japaneast', display: 'Japan East' },
];

const DEFAULT_NOW = new Date('2025-06-01T12:00:00Z');
const MINUTE = 60_000;
const DAY = 86_400_000;
/** How often the platform re-checks an endpoint (docs/design.md: about every 15 minutes). */
export const REFRESH_MS = 15 * MINUTE;

/** Deterministic 32-bit hash of a string, for pseudo-random choices. */
const hash = fnv1a;

/** A fraction in [0, 1) from a seed string. */
const chance = (text: string): number => hash(text) / 2 ** 32;

const guid = (text: string): string => {
  const hex = Array.from({ length: 4 }, (_, i) => hash(`${text}/${i}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** The rule of the demo's NSG that allows each peer. */
const ALLOW_RULES: Record<string, string> = {
  Internet: 'AllowClientHttpInbound',
  ApiManagement: 'AllowApimManagementInbound',
  AzureLoadBalancer: 'AllowAzureLoadBalancerInbound',
  AzureTrafficManager: 'AllowTrafficManagerInbound',
  Storage: 'AllowStorageOutbound',
  Sql: 'AllowSqlOutbound',
  AzureKeyVault: 'AllowKeyVaultOutbound',
  AzureMonitor: 'AllowAzureMonitorOutbound',
  AzureActiveDirectory: 'AllowEntraIdOutbound',
  EventHub: 'AllowEventHubOutbound',
};

const iso = (ms: number): string => new Date(ms).toISOString();

function endpointReport(
  host: string,
  resourceType: string,
  isOptional: boolean,
  seed: string,
  now: number,
  staleAfterSeconds: number,
): EndpointReport {
  const roll = chance(`status:${seed}`);
  const stale = roll < 0.005;
  const status = roll < 0.02 && !stale ? 'failure' : 'success';
  const updatedAgo = stale ? (staleAfterSeconds * 1000) + 40 * MINUTE : MINUTE + Math.floor(chance(`upd:${seed}`) * 11 * MINUTE);
  const lastUpdatedMs = now - updatedAgo;
  const changedAgo = Math.max(updatedAgo, 9 * DAY + Math.floor(chance(`chg:${seed}`) * 11 * DAY));
  return {
    dependency: classifyDependency(resourceType, host),
    resourceType,
    endpoint: host,
    required: !isOptional,
    status,
    stale,
    up: status === 'success' && !stale,
    error: status === 'failure' ? `Failed to connect to ${host}: A connection attempt failed (10060)` : '',
    lastUpdated: iso(lastUpdatedMs),
    lastStatusChange: iso(now - changedAgo),
    ageSeconds: Math.round(updatedAgo / 1000),
  };
}

function rollUp(endpoints: EndpointReport[]): DependencyReport[] {
  return rollUpDependencies(endpoints, { paging: DEFAULT_PAGING_POLICY });
}

function regionConfig(instance: string, region: string, seed: string): RegionConfigReport {
  const denied = chance(`deny:${seed}`) < 0.03 ? 'Sql' : undefined;
  // A rule on a tag the monitor's data lacks: Key Vault cannot be judged.
  const unknown = chance(`unknown:${seed}`) < 0.02 ? 'AzureKeyVault' : undefined;
  // Classic-tier instances: the v2 tiers' row does not apply.
  const flows: FlowVerdict[] = FLOW_REQUIREMENTS.filter((row) => row.tier !== 'v2').map((row) => {
    const outbound = row.direction === 'Outbound';
    const verdict: FlowVerdictKind = row.peer === denied && outbound ? 'denied' : row.peer === unknown && outbound ? 'unknown' : 'allowed';
    const decidedBy = verdict === 'denied' ? 'DenyDatabaseEgress' : verdict === 'unknown' ? 'AllowNewServiceTag' : (ALLOW_RULES[row.peer] ?? 'AllowVnetOutBound');
    return {
      direction: row.direction === 'Inbound' ? 'inbound' : 'outbound',
      peer: row.peer,
      port: row.port,
      protocol: row.protocol,
      dependency: row.dependency,
      required: row.platformRequired,
      pages: pagesOn(DEFAULT_PAGING_POLICY, row.dependency, row.platformRequired),
      applies: true,
      verdict,
      decidedBy,
      decidingRules: [decidedBy],
    };
  });
  const tunnelled = chance(`ft:${seed}`) < 0.1;
  const verdicts: RouteVerdict[] = ROUTE_PEERS.map(({ dependency, peer }) => {
    const viaEndpoint = tunnelled && ['storage', 'sql', 'keyvault', 'eventhub'].includes(dependency);
    const nextHopType = viaEndpoint ? 'VirtualNetworkServiceEndpoint' : tunnelled && dependency === 'graph' ? 'VirtualAppliance' : 'Internet';
    return {
      dependency,
      peer,
      nextHopType,
      ...(nextHopType === 'VirtualAppliance' ? { nextHopIpAddress: '10.50.0.4' } : {}),
      ok: nextHopType !== 'VirtualAppliance',
      decidedBy: viaEndpoint ? `service endpoint Microsoft.${peer}` : nextHopType === 'VirtualAppliance' ? 'default-via-firewall' : 'system: 0.0.0.0/0',
    };
  });
  const sub = `/subscriptions/${guid(`sub:${instance}`)}/resourcegroups/rg-network/providers/microsoft.network`;
  const small = chance(`small:${seed}`) < 0.02;
  return {
    state: 'ok',
    subnetChecks: [{ check: 'capacity', ok: !small, detail: small ? 'subnet snet-apim has no room for unit 2' : '1 unit(s) use 2 of 251 usable addresses' }],
    subnetId: `${sub}/virtualnetworks/vnet-${instance}-${region}/subnets/snet-apim`,
    nsgId: `${sub}/networksecuritygroups/nsg-${instance}-${region}`,
    ...(tunnelled ? { routeTableId: `${sub}/routetables/rt-${instance}-${region}` } : {}),
    flows,
    routes: {
      forcedTunnelling: tunnelled,
      ...(tunnelled ? { forcedTunnellingRoute: 'default-via-firewall' } : {}),
      managementReturnRoute: true,
      verdicts,
      findings: [],
    },
    serviceEndpoints: WATCHED_SERVICE_ENDPOINTS.map((service) => ({ service, enabled: tunnelled })),
    dns: { vnet: ['168.63.129.16'], networkStatus: ['168.63.129.16'], consistent: true },
    findings: [],
  };
}

/** One instance of the synthetic fleet (index from 0). */
export function syntheticInstance(index: number, options: FleetReportOptions): InstanceReport {
  const now = (options.now ?? DEFAULT_NOW).getTime();
  const regionCount = Math.min(options.regions ?? 2, REGIONS.length);
  const subscriptions = options.subscriptions ?? 20;
  const seed = options.seed ?? 1;
  const staleAfterSeconds = options.staleAfterSeconds ?? 3600;
  const subscriptionId = guid(`subscription:${index % subscriptions}`);
  const resourceGroup = `rg-apim-${String(index % 50).padStart(2, '0')}`;
  const name = `apim-${String(index).padStart(5, '0')}`;
  const id = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/microsoft.apimanagement/service/${name}`;
  const first = index % REGIONS.length;
  const regionInfos: RegionInfo[] = Array.from({ length: regionCount }, (_, r) => {
    const region = REGIONS[(first + r) % REGIONS.length]!;
    return { location: region.location, displayLocation: region.display, primary: r === 0, subnetId: `${id}/subnet/${region.location}` };
  });
  const info: InstanceInfo = {
    id,
    subscriptionId,
    resourceGroup,
    name,
    sku: index % 3 === 0 ? 'Premium' : 'Developer',
    platformVersion: 'stv2',
    vnetType: index % 2 === 0 ? 'External' : 'Internal',
    regions: regionInfos,
    tags: { env: index % 4 === 0 ? 'prod' : 'test' },
    provisioningState: 'Succeeded',
  };
  const primaryRegion = regionInfos[0]?.location ?? '';
  const regions: RegionReport[] = regionInfos.map((region) => {
    const regionSeed = `${seed}/${name}/${region.location}`;
    const endpoints = connectivityEntries(name, region.location, primaryRegion).map(([host, resourceType, isOptional]) =>
      endpointReport(host, resourceType, isOptional, `${regionSeed}/${host}`, now, staleAfterSeconds),
    );
    const driftGroup = `fleet-${info.tags.env}`;
    return {
      location: region.location,
      displayLocation: region.displayLocation,
      primary: region.primary,
      data: 'ok',
      dnsServers: ['168.63.129.16'],
      endpoints,
      dependencies: rollUp(endpoints),
      config: regionConfig(name, region.location, regionSeed),
      drift: [
        { group: DNS_DRIFT_GROUP, aspect: DNS_ASPECT, drifted: false },
        { group: driftGroup, aspect: 'flows', drifted: chance(`drift:${regionSeed}`) < 0.03 },
        { group: driftGroup, aspect: 'routes', drifted: false },
        { group: driftGroup, aspect: 'service_endpoints', drifted: false },
      ],
    };
  });
  const down = regions.some((region) => region.dependencies.some((dependency) => dependency.pages && !dependency.up));
  const degraded = regions.some((region) => region.dependencies.some((dependency) => !dependency.up));
  return {
    instance: info,
    monitored: true,
    targetUp: true,
    dataFetchedAt: iso(now),
    health: down ? 'down' : degraded ? 'degraded' : 'healthy',
    regions,
  };
}

/** The synthetic fleet's report. */
export function generateFleetReport(options: FleetReportOptions): FleetReport {
  const now = options.now ?? DEFAULT_NOW;
  const instances = Array.from({ length: options.instances }, (_, index) => syntheticInstance(index, options));
  return {
    generatedAt: now.toISOString(),
    staleAfterSeconds: options.staleAfterSeconds ?? 3600,
    pagingDependencies: pagingDependencies(DEFAULT_PAGING_POLICY, DEPENDENCIES),
    pagingPolicy: DEFAULT_PAGING_POLICY,
    summary: summarise(instances),
    instances,
    subscriptionFailures: [],
    drift: [],
    unresolvedTargets: [],
  };
}

/**
 * A small report (the generator's `instances` plus three odd ones) with the edge cases: label values with `\`, `"`, newlines and unicode; an instance
 * without regions (and unreadable); a region without configuration, one without a subnet, one without
 * routes, one without NetworkStatus entries; an endpoint without lastStatusChange; unresolved targets.
 */
export function edgeCaseFleetReport(instances = 3, now: Date = DEFAULT_NOW): FleetReport {
  const report = generateFleetReport({ instances, regions: 2, subscriptions: 2, now });

  const odd = syntheticInstance(100, { instances: 1, regions: 2, now });
  odd.instance.resourceGroup = 'rg-ünïcødé-日本';
  odd.instance.name = 'apim-odd';
  odd.instance.id = `/subscriptions/${odd.instance.subscriptionId}/resourcegroups/rg-ünïcødé-日本/providers/microsoft.apimanagement/service/apim-odd`;
  odd.instance.sku = 'Premium "v2"';
  // Transitioning: NetworkStatus refused (409) while it updates, its last status held.
  Object.assign(odd.instance, { provisioningState: 'Updating', targetProvisioningState: 'Succeeded' });
  odd.transition = { provisioningState: 'Updating', targetProvisioningState: 'Succeeded', since: new Date(now.getTime() - 600_000).toISOString(), seconds: 600, held: true, stuck: false, failed: false };
  const [first, second] = odd.regions;
  // Connectivity checks from the gateway: one disconnected (no latency), one configured target reachable.
  const probed = { apimId: odd.instance.id, subscriptionId: odd.instance.subscriptionId, location: first!.location, at: now.getTime() - 30_000 };
  odd.probes = [
    { ...probed, dependency: 'sql', address: 'sql "odd"\\.database.windows.net', port: 1433, protocol: 'tcp', trigger: 'unknown', connected: 0 },
    { ...probed, dependency: 'target', address: 'backend.example', port: 443, protocol: 'https', trigger: 'target', connected: 1, latencySeconds: 0.012 },
  ];
  first!.endpoints[0]!.endpoint = 'C:\\share\\"quoted"\nsecond line';
  first!.endpoints[0]!.resourceType = 'Weird \\ "Type"';
  delete first!.endpoints[1]!.lastStatusChange;
  first!.config!.flows[0]!.decidedBy = 'Rule "A"\\B\nC';
  // A flow the monitor cannot judge: apim_network_flow_unknown instead of apim_network_flow_allowed.
  Object.assign(first!.config!.flows.find((flow) => flow.peer === 'AzureKeyVault')!, { verdict: 'unknown', decidedBy: 'AllowNewServiceTag', decidingRules: ['AllowNewServiceTag'] });
  // A flow denied by a Virtual Network Manager admin rule: apim_network_admin_rule_blocking.
  const admin = { id: '/subscriptions/x/providers/microsoft.network/networkmanagers/corp "avnm"/securityadminconfigurations/c/rulecollections/r/rules/DenySql', name: 'DenySql\\1433', networkManager: 'corp "avnm"', access: 'Deny' as const };
  const adminLabel = `${admin.name} (admin rule of network manager ${admin.networkManager})`;
  Object.assign(first!.config!.flows.find((flow) => flow.peer === 'Sql')!, { verdict: 'denied', decidedBy: adminLabel, decidingRules: [adminLabel], adminRule: admin });
  first!.config!.adminRules = { count: 1, networkManagers: [admin.networkManager] };
  // Internal mode's private DNS: a record left at an old VIP.
  first!.config!.privateDns = [
    { hostname: 'apim-odd.azure-api.net', state: 'stale', zone: 'azure-api.net', found: ['10.9.7.4'], expected: ['10.9.8.4'], detail: 'apim-odd.azure-api.net: zone azure-api.net maps "apim-odd" to 10.9.7.4' },
    { hostname: 'apim-odd.portal.azure-api.net', state: 'ok', zone: 'azure-api.net', found: ['10.9.8.4'], expected: ['10.9.8.4'], detail: 'ok' },
  ];
  // A route a gateway's routes may override: apim_network_route_unknown instead of apim_network_route_ok.
  const gatewayed = report.instances[0]?.regions[0]?.config?.routes;
  if (gatewayed) {
    gatewayed.verdicts[0] = { ...gatewayed.verdicts[0]!, ok: false, unknown: { cause: 'remote_gateway', reason: 'ExpressRoute gateway "er\\gw" of the peered VNet hub: the subnet has no route table' } };
  }
  // A change the configuration watch saw, with who made it as Resource Graph recorded it.
  first!.config!.changes = [
    {
      resourceId: first!.config!.nsgId!,
      resourceKind: 'networkSecurityGroup',
      resourceName: 'nsg-odd',
      items: [{ kind: 'rule', name: 'DenySql-CHG0815', change: 'added' }],
      detectedAt: new Date(now.getTime() - 60_000).toISOString(),
      previousReadAt: new Date(now.getTime() - 120_000).toISOString(),
      authorState: 'found',
      author: {
        changedBy: 'net"ops\\@contoso.example',
        changedByType: 'User',
        clientType: 'Azure Portal',
        operation: 'microsoft.network/networksecuritygroups/write',
        timestamp: new Date(now.getTime() - 90_000).toISOString(),
        changeType: 'Update',
        changedPaths: ['properties.securityRules'],
      },
    },
  ];
  first!.drift[1]!.group = 'grüppe 🚀';
  delete first!.config!.routes;
  second!.config = { ...second!.config!, state: 'no-subnet', flows: [], serviceEndpoints: [] };
  delete second!.config.nsgId;
  delete second!.config.routes;

  const bare = syntheticInstance(101, { instances: 1, regions: 2, now });
  bare.instance.name = 'apim-no-config';
  bare.instance.id = bare.instance.id.replace(/apim-00101$/, 'apim-no-config');
  delete bare.regions[0]!.config;
  bare.regions[1]!.endpoints = [];
  bare.regions[1]!.dependencies = [];
  bare.regions[1]!.data = 'no-data';

  const unreadable: InstanceReport = {
    instance: {
      id: '/subscriptions/00000000-0000-0000-0000-000000000009/resourcegroups/rg-x/providers/microsoft.apimanagement/service/apim-unreadable',
      subscriptionId: '00000000-0000-0000-0000-000000000009',
      resourceGroup: 'rg-x',
      name: 'apim-unreadable',
      sku: 'Developer',
      platformVersion: 'stv2',
      vnetType: 'Internal',
      regions: [],
      tags: {},
    },
    monitored: true,
    targetUp: false,
    failure: { operation: 'ApiManagementService_Get', code: 'AuthorizationFailed', statusCode: 403, message: 'no access' },
    health: 'unknown',
    regions: [],
  };

  report.instances.push(odd, bare, unreadable);
  report.unresolvedTargets = [
    {
      id: '/subscriptions/00000000-0000-0000-0000-00000000000b/resourcegroups/rg-gone/providers/microsoft.apimanagement/service/gone-b',
      subscriptionId: '00000000-0000-0000-0000-00000000000b',
      resourceGroup: 'rg-gone',
      name: 'gone-b',
      failure: { operation: 'ApiManagementService_Get', code: 'ResourceNotFound', statusCode: 404, message: 'not found' },
    },
    {
      id: '/subscriptions/00000000-0000-0000-0000-00000000000a/resourcegroups/rg-gone/providers/microsoft.apimanagement/service/gone-a',
      subscriptionId: '00000000-0000-0000-0000-00000000000a',
      resourceGroup: 'rg-gone',
      name: 'gone-a',
      failure: { operation: 'ApiManagementService_Get', code: 'ResourceNotFound', statusCode: 404, message: 'not found' },
    },
  ];
  return report;
}


/**
 * The report of the next poll, `seconds` later: every endpoint the platform re-checked in between
 * (its `lastUpdated` is more than REFRESH_MS old at the new time) gets a fresh `lastUpdated`, as
 * NetworkStatus does; nothing else changes. With a 60 s poll about 1/15 of the endpoints move, so
 * almost every instance (34 endpoints at 2 regions) has some change: what an incremental renderer
 * really faces. Pure: the input report is not modified.
 */
export function advanceFleetReport(report: FleetReport, seconds: number): FleetReport {
  const next = structuredClone(report);
  const now = Date.parse(report.generatedAt) + seconds * 1000;
  next.generatedAt = iso(now);
  for (const instance of next.instances) {
    for (const region of instance.regions) {
      for (const endpoint of region.endpoints) {
        if (endpoint.stale || !endpoint.lastUpdated) continue;
        const updated = Date.parse(endpoint.lastUpdated);
        if (now - updated >= REFRESH_MS) {
          const refreshed = updated + REFRESH_MS * Math.floor((now - updated) / REFRESH_MS);
          endpoint.lastUpdated = iso(refreshed);
        }
        endpoint.ageSeconds = Math.round((now - Date.parse(endpoint.lastUpdated)) / 1000);
      }
    }
  }
  return next;
}
