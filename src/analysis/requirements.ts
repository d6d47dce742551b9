import type { Dependency } from './dependencies.js';
import type { Direction } from '../model/network.js';
import type { VnetType } from '../model/snapshot.js';

/**
 * APIM's network requirements for classic tiers (Microsoft's "virtual network configuration
 * reference"), one row per direction x peer x port, as design.md tabulates them.
 */
export interface FlowRequirement {
  direction: Direction;
  /** The service tag of the other side, as the table names it. */
  peer: string;
  port: number;
  protocol: 'Tcp';
  dependency: Dependency;
  /** Required by the platform (bold in the table). Paging policy may add more (see `isFlowRequired`). */
  platformRequired: boolean;
  /** Only in this VNet mode; absent: both. */
  onlyVnetType?: Exclude<VnetType, 'None'>;
  /** Only on this platform; absent: every platform. */
  onlyPlatform?: 'stv1';
  need: string;
  /** Whether the peer has regional tags (`Sql.WestEurope`) that a region may use instead of the global one. */
  regionalTags: boolean;
}

const row = (
  direction: Direction,
  peer: string,
  port: number,
  dependency: Dependency,
  platformRequired: boolean,
  need: string,
  extra: Partial<FlowRequirement> = {},
): FlowRequirement => ({ direction, peer, port, protocol: 'Tcp', dependency, platformRequired, need, regionalTags: false, ...extra });

export const FLOW_REQUIREMENTS: readonly FlowRequirement[] = [
  row('Inbound', 'Internet', 80, 'other', false, 'client traffic', { onlyVnetType: 'External' }),
  row('Inbound', 'Internet', 443, 'other', false, 'client traffic', { onlyVnetType: 'External' }),
  row('Inbound', 'ApiManagement', 3443, 'management', true, 'management endpoint', { regionalTags: true }),
  row('Inbound', 'AzureLoadBalancer', 6390, 'management', true, 'Azure infrastructure load balancer'),
  row('Inbound', 'AzureTrafficManager', 443, 'other', false, 'multi-region routing', { onlyVnetType: 'External' }),
  row('Outbound', 'Storage', 443, 'storage', true, 'Azure Storage', { regionalTags: true }),
  row('Outbound', 'Sql', 1433, 'sql', true, 'Azure SQL', { regionalTags: true }),
  row('Outbound', 'AzureKeyVault', 443, 'keyvault', true, 'Azure Key Vault', { regionalTags: true }),
  row('Outbound', 'AzureMonitor', 1886, 'monitoring', true, 'diagnostics logs and metrics, Resource Health', { regionalTags: true }),
  row('Outbound', 'AzureMonitor', 443, 'monitoring', true, 'Application Insights, metrics', { regionalTags: true }),
  row('Outbound', 'AzureActiveDirectory', 443, 'graph', false, 'Microsoft Entra ID and Graph (optional per the API; sign-in breaks without it)'),
  row('Outbound', 'EventHub', 5671, 'eventhub', false, 'log-to-eventhub policy', { regionalTags: true }),
  row('Outbound', 'EventHub', 5672, 'eventhub', false, 'log-to-eventhub policy', { regionalTags: true }),
  row('Outbound', 'EventHub', 443, 'eventhub', false, 'log-to-eventhub policy', { regionalTags: true }),
  row('Outbound', 'Storage', 445, 'sourcecontrol', false, 'Git (stv1)', { regionalTags: true, onlyPlatform: 'stv1' }),
  row('Outbound', 'Internet', 80, 'other', false, 'certificate validation and management'),
];

/** Whether a row applies to an instance of this VNet mode and platform. */
export function flowApplies(flow: FlowRequirement, vnetType: VnetType, platformVersion: string): boolean {
  if (vnetType === 'None') return false;
  if (flow.onlyVnetType && flow.onlyVnetType !== vnetType) return false;
  if (flow.onlyPlatform && !platformVersion.toLowerCase().startsWith(flow.onlyPlatform)) return false;
  return true;
}

/** The peer tags a failing dependency's traffic needs (to join NetworkStatus with flows and routes). */
export const DEPENDENCY_PEERS: Partial<Record<Dependency, string[]>> = {
  storage: ['Storage'],
  sql: ['Sql'],
  keyvault: ['AzureKeyVault'],
  graph: ['AzureActiveDirectory'],
  monitoring: ['AzureMonitor'],
  eventhub: ['EventHub'],
  management: ['ApiManagement', 'AzureLoadBalancer'],
  sourcecontrol: ['Storage'],
};
