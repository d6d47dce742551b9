import { hostOf, type Dependency } from './dependencies.js';
import { isAtRisk } from './routing/gateways.js';
import type { RegionConfigReport } from './network.js';
import type { FlowVerdict } from './nsg/verdict.js';
import type { DependencyReport, EndpointReport, LikelyCause } from './report.js';
import { DEPENDENCY_PEERS } from './requirements.js';


/**
 * The TCP port an endpoint is reached on: the one its name carries (`...:1886/RecoveryService`), else
 * its service's (SMB 445 for a file share, 1433 for SQL), else HTTPS.
 */
export function endpointPort(endpoint: Pick<EndpointReport, 'endpoint' | 'resourceType' | 'dependency'>): number {
  const explicit = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^/:?#]+:(\d{1,5})(?:[/?#]|$)/i.exec(endpoint.endpoint.trim());
  if (explicit) return Number(explicit[1]);
  const host = hostOf(endpoint.endpoint);
  if (/\.file\.core\.windows\.net$/.test(host) || endpoint.resourceType.toLowerCase() === 'filestorage') return 445;
  if (endpoint.dependency === 'sql') return 1433;
  return 443;
}

/**
 * Joins a dependency that NetworkStatus reports down with what the configuration says about the path
 * to it: the NSG rule that denies the flow on a failing endpoint's own port (Blob 443, File 445), else
 * the route that diverts it, else a DNS mismatch.
 */
export function likelyCause(dependency: DependencyReport, endpoints: readonly EndpointReport[], config: RegionConfigReport | undefined): LikelyCause | undefined {
  if (!config || config.state !== 'ok') return undefined;
  const peers = DEPENDENCY_PEERS[dependency.dependency as Dependency] ?? [];
  const failing = endpoints.filter((endpoint) => endpoint.dependency === dependency.dependency && endpoint.required === dependency.required && !endpoint.up);
  const ports = new Set(failing.map(endpointPort));
  const blocked = config.flows.filter((flow) => flow.applies && peers.includes(flow.peer) && ports.has(flow.port) && flow.verdict !== 'allowed');
  if (blocked.length > 0) {
    const verb = (verdict: string) => (verdict === 'partial' ? 'blocks part of' : verdict === 'unknown' ? 'may decide' : 'denies');
    // An admin rule is named as such: the NSG's owner cannot change it, the network manager's can.
    const noun = (flow: FlowVerdict, index: number) =>
      flow.adminRule ? `security admin rule ${flow.adminRule.name} of network manager ${flow.adminRule.networkManager} (evaluated before the NSG)` : `${index === 0 ? 'NSG rule' : 'rule'} ${flow.decidedBy}`;
    const parts = blocked.map((flow, index) => `${noun(flow, index)} ${verb(flow.verdict)} ${flow.direction} ${flow.peer} on ${flow.protocol} ${flow.port}`);
    const first = blocked[0]!;
    return first.adminRule ? { kind: 'admin-rule', decidedBy: first.adminRule.name, summary: parts.join('; ') } : { kind: 'nsg', decidedBy: first.decidedBy, summary: parts.join('; ') };
  }
  const diverted = config.routes?.verdicts.find((verdict) => peers.includes(verdict.peer) && !verdict.ok);
  if (diverted?.unknown && isAtRisk(diverted.unknown.cause)) {
    // NetworkStatus failing is the evidence configuration lacked: the device on the path most likely refuses it.
    return { kind: 'route', decidedBy: diverted.decidedBy, summary: `${diverted.unknown.reason}. NetworkStatus shows it failing: that device most likely blocks it` };
  }
  if (diverted?.unknown) {
    return { kind: 'route', decidedBy: diverted.decidedBy, summary: `${diverted.peer} traffic may not reach Internet: ${diverted.unknown.reason}` };
  }
  if (diverted) {
    return {
      kind: 'route',
      decidedBy: diverted.decidedBy,
      summary: `route ${diverted.decidedBy} sends ${diverted.peer} traffic to ${diverted.nextHopType}${diverted.note ? ` (${diverted.note})` : ''}`,
    };
  }
  if (!config.dns.consistent) {
    return { kind: 'dns', summary: `APIM resolves through ${config.dns.networkStatus.join(', ')} but the VNet's DNS servers are ${config.dns.vnet.join(', ')}` };
  }
  return { kind: 'unknown', summary: 'no NSG rule or route on the subnet blocks it: check firewalls or appliances on the path, DNS resolution, and the service itself' };
}
