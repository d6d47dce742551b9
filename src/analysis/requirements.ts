import type { Dependency } from './dependencies.js';
import { shortRegion } from '../model/ids.js';
import type { Direction } from '../model/network.js';
import type { VnetType } from '../model/snapshot.js';
import { tierOf, type Tier } from '../model/tier.js';

/**
 * APIM's network requirements for classic tiers, as data: Microsoft's "virtual network configuration
 * reference" (docs/design.md, "Requirements"), at the revision below. Every other table of
 * the product derives from this one: whatif's rows and the flow metrics (`FLOW_REQUIREMENTS`), the peers
 * a failing dependency is joined with (`DEPENDENCY_PEERS`), the peers whose routes are judged
 * (`ROUTE_PEERS`), the service endpoints forced tunnelling needs (`TUNNELLING_ENDPOINTS`), and drift's
 * expected asymmetries (drift-aspects.ts reads `required` and `TUNNELLING_ENDPOINTS`; drift-like-with.ts compares like with like).
 */
export const REQUIREMENTS_REVISION = '2025-06-17';

/**
 * The v2 tiers (Basic v2, Standard v2, Premium v2) follow other pages: "Integrate an Azure API Management
 * instance with a private virtual network for outbound connections" (2025-03-20) and "Inject an Azure API
 * Management instance in a private virtual network - Premium v2 tier" (2025-10-08), whose shared NSG
 * guidance (2025-06-25) asks for outbound Storage 443. The classic table does not apply to them.
 */
export const V2_REQUIREMENTS_REVISION = '2025-10-08';

export { tierOf, type Tier } from '../model/tier.js';

/** What each kind of subnet must be: its delegation (none for classic tiers), its largest prefix length. */
export const SUBNET_REQUIREMENTS = {
  /** Classic tiers: no delegation; /29 is the smallest subnet APIM deploys in. */
  classic: { delegation: undefined, maxPrefixLength: 29 },
  /** v2 VNet integration (outbound only; virtualNetworkType External). */
  'v2-integration': { delegation: 'Microsoft.Web/serverFarms', maxPrefixLength: 27 },
  /** Premium v2 VNet injection (virtualNetworkType Internal). */
  'v2-injection': { delegation: 'Microsoft.Web/hostingEnvironments', maxPrefixLength: 27 },
} as const;

export type SubnetKind = keyof typeof SUBNET_REQUIREMENTS;

export function subnetKind(sku: string | undefined, vnetType: VnetType): SubnetKind {
  if (tierOf(sku) === 'classic') return 'classic';
  return vnetType === 'Internal' ? 'v2-injection' : 'v2-integration';
}

/**
 * Private addresses one scale unit takes in the subnet (Microsoft's "subnet size": two per unit, one on
 * Developer; Premium v2 injection two per unit), and one more for the internal load balancer in internal
 * mode. Undefined where the docs give no figure (v2 integration) or the SKU does not scale (Developer).
 */
export function addressesPerUnit(sku: string, kind: SubnetKind): number | undefined {
  if (kind === 'v2-integration') return undefined;
  if (kind === 'v2-injection') return 2;
  return /^developer$/i.test(sku) ? undefined : 2;
}

/** When a forced-tunnelling subnet needs a peer's service endpoint (Microsoft's forced-tunnelling guidance). */
export type EndpointNeed = 'always' | 'primary-region' | 'not-stv1';

interface PeerInfo {
  dependency: Dependency;
  /** Whether Azure publishes regional tags (`Sql.WestEurope`) that a region may use instead of the global one. */
  regionalTags: boolean;
  /** Outbound traffic whose routes are judged (plus `ApiManagement`, the control plane's return path). */
  routed: boolean;
  /** The service endpoint that carries the peer's traffic under forced tunnelling, and when it is needed. */
  serviceEndpoint?: { service: string; needed: EndpointNeed };
}

/** The service tags of the table, by the name the table gives them. */
export const PEERS: Readonly<Record<string, PeerInfo>> = {
  Internet: { dependency: 'other', regionalTags: false, routed: false },
  AzureLoadBalancer: { dependency: 'management', regionalTags: false, routed: false },
  AzureTrafficManager: { dependency: 'other', regionalTags: false, routed: false },
  Storage: { dependency: 'storage', regionalTags: true, routed: true, serviceEndpoint: { service: 'Microsoft.Storage', needed: 'always' } },
  Sql: { dependency: 'sql', regionalTags: true, routed: true, serviceEndpoint: { service: 'Microsoft.Sql', needed: 'primary-region' } },
  AzureKeyVault: { dependency: 'keyvault', regionalTags: true, routed: true, serviceEndpoint: { service: 'Microsoft.KeyVault', needed: 'not-stv1' } },
  AzureMonitor: { dependency: 'monitoring', regionalTags: true, routed: true },
  AzureActiveDirectory: { dependency: 'graph', regionalTags: false, routed: true },
  AzureConnectors: { dependency: 'other', regionalTags: true, routed: false },
  EventHub: { dependency: 'eventhub', regionalTags: true, routed: true, serviceEndpoint: { service: 'Microsoft.EventHub', needed: 'always' } },
  ApiManagement: { dependency: 'management', regionalTags: true, routed: true },
  VirtualNetwork: { dependency: 'cache', regionalTags: false, routed: false },
};

/** One row per direction x peer x port (a range of the table is one row per port). */
export interface FlowRequirement {
  direction: Direction;
  /** The service tag of the other side, as the table names it. */
  peer: string;
  port: number;
  protocol: 'Tcp' | 'Udp';
  dependency: Dependency;
  /** Required by Microsoft's table (bold there); what pages is the paging policy's business. */
  platformRequired: boolean;
  /** Only in this VNet mode; absent: both. */
  onlyVnetType?: Exclude<VnetType, 'None'>;
  /** Only on this platform; absent: every platform. */
  onlyPlatform?: 'stv1';
  /** Not required on these SKUs (one unit: no load balancer between machines). */
  notRequiredOnSkus?: readonly string[];
  /** The tiers whose requirements hold the row; absent: classic only. */
  tier?: Tier;
  need: string;
  regionalTags: boolean;
}

type Row = [direction: Direction, peer: keyof typeof PEERS, ports: number[], required: boolean, need: string, extra?: Partial<FlowRequirement>];

const ROWS: readonly Row[] = [
  ['Inbound', 'Internet', [443], true, 'client traffic to the gateway and portals', { onlyVnetType: 'External' }],
  ['Inbound', 'Internet', [80], false, 'client traffic (HTTP)', { onlyVnetType: 'External' }],
  ['Inbound', 'ApiManagement', [3443], true, 'management endpoint for the Azure portal and PowerShell'],
  ['Inbound', 'AzureLoadBalancer', [6390], true, 'Azure infrastructure load balancer', { notRequiredOnSkus: ['Developer'] }],
  ['Inbound', 'AzureTrafficManager', [443], true, 'Azure Traffic Manager routing for multi-region deployment', { onlyVnetType: 'External' }],
  ['Inbound', 'AzureLoadBalancer', [6391], false, 'health monitoring of individual machines'],
  ['Outbound', 'Internet', [80], true, 'validation and management of Microsoft-managed and customer-managed certificates'],
  ['Outbound', 'Storage', [443], true, 'Azure Storage for core service functionality'],
  ['Outbound', 'Sql', [1433], true, 'Azure SQL endpoints for core service functionality'],
  ['Outbound', 'AzureKeyVault', [443], true, 'Azure Key Vault for core service functionality'],
  ['Outbound', 'AzureMonitor', [1886, 443], true, 'diagnostics logs, metrics, Resource Health and Application Insights'],
  ['Outbound', 'AzureActiveDirectory', [443], false, 'Microsoft Entra ID and Graph (optional in the table; sign-in breaks without it)'],
  ['Outbound', 'AzureConnectors', [443], false, 'managed connections in API Management'],
  ['Outbound', 'EventHub', [5671, 5672, 443], false, 'log-to-eventhub policy'],
  ['Inbound', 'VirtualNetwork', [6380, 6381, 6382, 6383], false, 'external or internal cache, and rate-limit state between machines'],
  ['Outbound', 'VirtualNetwork', [6380, 6381, 6382, 6383], false, 'external or internal cache, and rate-limit state between machines'],
  ['Inbound', 'VirtualNetwork', [4290], false, 'sync counters for rate-limit policies between machines', { protocol: 'Udp' }],
  ['Outbound', 'VirtualNetwork', [4290], false, 'sync counters for rate-limit policies between machines', { protocol: 'Udp' }],
  // Gone from the current table, but real instances still report their Git share (FileStorage) on SMB.
  ['Outbound', 'Storage', [445], false, 'Git configuration file share (FileStorage); stv1 in earlier revisions of the table'],
  // The v2 tiers' only rule (V2_REQUIREMENTS_REVISION): their subnet's NSG must let the instance reach Storage.
  ['Outbound', 'Storage', [443], true, 'Azure Storage (v2 tiers: the one rule their subnet\'s NSG needs)', { tier: 'v2' }],
];

export const FLOW_REQUIREMENTS: readonly FlowRequirement[] = ROWS.flatMap(([direction, peer, ports, platformRequired, need, extra]) =>
  ports.map((port) => ({
    direction,
    peer,
    port,
    protocol: 'Tcp' as const,
    dependency: PEERS[peer]!.dependency,
    platformRequired,
    need,
    regionalTags: PEERS[peer]!.regionalTags,
    ...extra,
  })),
);

/** Whether a row applies to an instance of this VNet mode, platform and SKU (v2 tiers have their own rows). */
export function flowApplies(flow: FlowRequirement, vnetType: VnetType, platformVersion: string, sku?: string): boolean {
  if (vnetType === 'None') return false;
  if ((flow.tier ?? 'classic') !== tierOf(sku)) return false;
  if (flow.onlyVnetType && flow.onlyVnetType !== vnetType) return false;
  if (flow.onlyPlatform && !platformVersion.toLowerCase().startsWith(flow.onlyPlatform)) return false;
  return true;
}

/** Required by Microsoft for an instance of this SKU (absent SKU: as for any multi-unit one). */
export function requiredFor(flow: FlowRequirement, sku: string | undefined): boolean {
  return flow.platformRequired && !(sku && flow.notRequiredOnSkus?.some((excluded) => excluded.toLowerCase() === sku.toLowerCase()));
}

/** The peer tags of each dependency's flows (to join a failing NetworkStatus entry with flows and routes). */
export const DEPENDENCY_PEERS: Partial<Record<Dependency, string[]>> = FLOW_REQUIREMENTS.reduce<Partial<Record<Dependency, string[]>>>((peers, flow) => {
  const list = (peers[flow.dependency] ??= []);
  if (!list.includes(flow.peer)) list.push(flow.peer);
  return peers;
}, {});

/** The peers whose routes are judged. */
export const ROUTE_PEERS: ReadonlyArray<{ peer: string; dependency: Dependency }> = Object.entries(PEERS)
  .filter(([, info]) => info.routed)
  .map(([peer, info]) => ({ peer, dependency: info.dependency }));

/** Whether a forced-tunnelling subnet in `region` needs an endpoint of this need. */
export function endpointNeeded(needed: EndpointNeed, where: { region: string; primaryRegion: string; platformVersion: string }): boolean {
  if (needed === 'primary-region') return shortRegion(where.region) === shortRegion(where.primaryRegion);
  if (needed === 'not-stv1') return !where.platformVersion.toLowerCase().startsWith('stv1');
  return true;
}

/** The service endpoints forced tunnelling needs. */
export const TUNNELLING_ENDPOINTS: ReadonlyArray<{ service: string; tag: string; dependency: Dependency; needed: EndpointNeed }> = Object.entries(PEERS).flatMap(
  ([peer, info]) => (info.serviceEndpoint ? [{ service: info.serviceEndpoint.service, tag: peer, dependency: info.dependency, needed: info.serviceEndpoint.needed }] : []),
);
