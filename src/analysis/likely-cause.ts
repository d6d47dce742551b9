import type { Dependency } from './dependencies.js';
import type { RegionConfigReport } from './network.js';
import { DEPENDENCY_PEERS } from './requirements.js';

export interface LikelyCause {
  kind: 'nsg' | 'route' | 'dns' | 'unknown';
  /** The rule or route to look at (absent for `unknown`). */
  decidedBy?: string;
  summary: string;
}

/**
 * Joins a dependency that NetworkStatus reports down with what the configuration says about the path
 * to it: the NSG rule that denies the flow, else the route that diverts it, else a DNS mismatch.
 */
export function likelyCause(dependency: Dependency, config: RegionConfigReport | undefined): LikelyCause | undefined {
  if (!config || config.state !== 'ok') return undefined;
  const peers = DEPENDENCY_PEERS[dependency] ?? [];
  const blocked = config.flows.find((flow) => peers.includes(flow.peer) && flow.verdict !== 'allowed');
  if (blocked) {
    return {
      kind: 'nsg',
      decidedBy: blocked.decidedBy,
      summary: `NSG rule ${blocked.decidedBy} ${blocked.verdict === 'partial' ? 'blocks part of' : 'denies'} ${blocked.direction} ${blocked.peer} on ${blocked.protocol} ${blocked.port}`,
    };
  }
  const diverted = config.routes?.verdicts.find((verdict) => peers.includes(verdict.peer) && !verdict.ok);
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
