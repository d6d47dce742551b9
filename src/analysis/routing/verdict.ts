import type { Dependency } from '../dependencies.js';
import type { RouteShare } from './match.js';
import { endpointNeeded, TUNNELLING_ENDPOINTS } from '../requirements.js';
import { shortRegion } from '../../model/ids.js';
import type { NextHopType } from '../../model/network.js';
import type { VerdictChange } from '../../model/config-change.js';
import type { GatewayRouteCause } from './gateways.js';

export type RouteHop = NextHopType;

export interface RouteVerdict {
  dependency: Dependency;
  /** The service tag, as the requirements table names it. */
  peer: string;
  nextHopType: RouteHop;
  /** For VirtualAppliance: where the traffic goes. */
  nextHopIpAddress?: string;
  ok: boolean;
  /** The route that decides: a UDR's name, `system: <prefix>` or `service endpoint Microsoft.Sql`. */
  decidedBy: string;
  note?: string;
  /**
   * Set when the verdict is neither ok nor diverted (`ok` is false): routes no route table shows (a gateway's)
   * may take the traffic elsewhere, or it goes through a device the monitor cannot read (at risk); `reason` says
   * which and why.
   */
  unknown?: { cause: GatewayRouteCause; reason: string };
  /** The configuration change that turned the route to this verdict, while it stands (change-attribution.ts). */
  change?: VerdictChange;
}

export interface VerdictContext {
  region: string;
  primaryRegion: string;
  platformVersion: string;
}

/** Higher is worse: a drop beats a detour, which beats a dead end inside the VNet, which beats going out directly. */
const HOP_BADNESS: Record<RouteHop, number> = {
  None: 3,
  VirtualAppliance: 2,
  VirtualNetworkGateway: 2,
  VnetLocal: 1,
  Internet: 0,
  VirtualNetworkServiceEndpoint: 0,
};

interface HopGroup {
  hop: RouteHop;
  ip?: string;
  /** The hub device a learned route leads to. */
  through?: string;
  addresses: bigint;
  /** Per deciding route, to name the one that decides most of this hop. */
  byRoute: Map<string, { label: string; addresses: bigint }>;
}

export function describeHop(hop: RouteHop, ip?: string): string {
  return ip ? `${hop} ${ip}` : hop;
}

function groupByHop(shares: readonly RouteShare[]): HopGroup[] {
  const groups = new Map<string, HopGroup>();
  for (const { entry, addresses } of shares) {
    const key = `${entry.nextHopType}|${entry.nextHopIpAddress ?? ''}|${entry.through ?? ''}`;
    const group = groups.get(key) ?? { hop: entry.nextHopType, ip: entry.nextHopIpAddress, through: entry.through, addresses: 0n, byRoute: new Map() };
    group.addresses += addresses;
    const route = group.byRoute.get(entry.decidedBy) ?? { label: entry.label, addresses: 0n };
    route.addresses += addresses;
    group.byRoute.set(entry.decidedBy, route);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => HOP_BADNESS[b.hop] - HOP_BADNESS[a.hop] || (b.addresses > a.addresses ? 1 : b.addresses < a.addresses ? -1 : 0));
}

function largest(group: HopGroup): { decidedBy: string; label: string } {
  let best: { decidedBy: string; label: string; addresses: bigint } | undefined;
  for (const [decidedBy, route] of group.byRoute) if (!best || route.addresses > best.addresses) best = { decidedBy, ...route };
  return best ?? { decidedBy: '', label: '' };
}

export function percent(part: bigint, total: bigint): string {
  // Rounded, not truncated, so that the shares of a split add up to 100% as printed.
  const tenths = Number((part * 2000n + total) / (2n * total));
  if (tenths === 0) return '<0.1%';
  if (tenths === 1000 && part < total) return '>99.9%';
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`;
}

/** Where the traffic goes, for a hop APIM cannot use as it is. */
function hopNote(hop: RouteHop, ip: string | undefined, label: string, through?: string): string | undefined {
  switch (hop) {
    case 'None':
      return `dropped by ${label} (next hop None)`;
    case 'VirtualAppliance':
      if (through) return `through the ${through} (${label})`;
      return ip ? `through the virtual appliance at ${ip} (${label})` : `through a virtual appliance (${label})`;
    case 'VirtualNetworkGateway':
      return `through the virtual network gateway, i.e. on-premises (${label})`;
    case 'VnetLocal':
      return `kept inside the virtual network (${label}), where nothing answers for these public addresses`;
    default:
      return undefined;
  }
}

const isDetour = (hop: RouteHop) => hop === 'VirtualAppliance' || hop === 'VirtualNetworkGateway';

/**
 * The requirement catalogue's expected asymmetries: Sql's service endpoint is needed in the primary region
 * only, Key Vault's on stv2 only. Only a detour through an appliance or gateway is excused, never a drop.
 */
function exemption(dependency: Dependency, hop: RouteHop, ctx: VerdictContext): string | undefined {
  if (!isDetour(hop)) return undefined;
  const endpoint = TUNNELLING_ENDPOINTS.find((candidate) => candidate.dependency === dependency);
  if (!endpoint || endpointNeeded(endpoint.needed, ctx)) return undefined;
  return endpoint.needed === 'primary-region'
    ? `expected: ${endpoint.tag} needs a service endpoint in the primary region (${shortRegion(ctx.primaryRegion)}) only`
    : `expected on ${ctx.platformVersion}: ${endpoint.tag}'s service endpoint matters on stv2 only`;
}

/** Why a detour is at risk rather than blocked: the device decides, and the monitor cannot read it. */
function atRisk(dependency: Dependency, peer: string, group: HopGroup, hopText: string): { cause: GatewayRouteCause; reason: string } {
  const cause: GatewayRouteCause = group.through ? 'hub_firewall' : group.hop === 'VirtualNetworkGateway' ? 'on_premises' : 'appliance';
  const endpoint = TUNNELLING_ENDPOINTS.find((candidate) => candidate.dependency === dependency);
  const offTheTunnel = endpoint ? `; a service endpoint for ${endpoint.service} would take it off that path` : '';
  return { cause, reason: `${peer} traffic goes ${hopText}: it reaches ${peer} only if that device allows it, which the configuration cannot show${offTheTunnel}` };
}

/**
 * Judges where a peer's addresses go; `shares` must be non-empty. A detour through an appliance or gateway is
 * at risk (`unknown`), not blocked: the device may allow it (Microsoft's forced-tunnelling guidance). The control
 * plane's return path is the exception: replies that leave through a device break the management endpoint whatever
 * the device allows (asymmetric routing), so it stays definite.
 */
export function judgeShares(dependency: Dependency, peer: string, shares: readonly RouteShare[], ctx: VerdictContext): RouteVerdict {
  const groups = groupByHop(shares);
  const total = groups.reduce((sum, group) => sum + group.addresses, 0n);
  const worst = groups[0]!;
  const decider = largest(worst);
  const notes: string[] = [];
  if (groups.length > 1) {
    const split = groups.map((group) => `${percent(group.addresses, total)} -> ${describeHop(group.hop, group.ip)} (${largest(group).label})`);
    notes.push(`mixed: ${split.join(', ')}`);
  }
  const excused = exemption(dependency, worst.hop, ctx);
  const hopText = hopNote(worst.hop, worst.ip, decider.label, worst.through);
  if (hopText && excused) notes.push(`${hopText}: ${excused}`);
  else if (hopText && isDetour(worst.hop)) notes.push(`${hopText}; APIM breaks unless that path allows it`);
  else if (hopText) notes.push(hopText);
  const ok = HOP_BADNESS[worst.hop] === 0 || excused !== undefined;
  const risk = !ok && hopText && isDetour(worst.hop) && dependency !== 'management' ? atRisk(dependency, peer, worst, hopText) : undefined;
  return {
    dependency,
    peer,
    nextHopType: worst.hop,
    ...(worst.ip ? { nextHopIpAddress: worst.ip } : {}),
    ok,
    decidedBy: decider.decidedBy,
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    ...(risk ? { unknown: risk } : {}),
  };
}
