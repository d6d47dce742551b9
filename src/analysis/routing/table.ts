import { AddressSet, isIpPrefix, parsePrefix, type Interval } from '../addresses.js';
import type { AnalysisCache } from '../cache.js';
import type { EndpointRouteSet } from './endpoints.js';
import { isV4, overlaps, tagCidrsTouching, toCidr, type Cidr } from './tags.js';
import type { NextHopType, Route, ServiceTagSet } from '../../model/network.js';

/** One CIDR of the subnet's effective route table (a tag route contributes one entry per prefix). */
export interface RouteEntry extends Interval {
  prefixLength: number;
  /** A route name, `system: <prefix>` or `service endpoint <service>`. */
  decidedBy: string;
  /** How a sentence names it: `route 'x'`, `system route <prefix>`, `service endpoint <service>`. */
  label: string;
  nextHopType: NextHopType;
  nextHopIpAddress?: string;
  /** The device a hub's route leads to (Route's `through`). */
  through?: string;
  /** Sort key: the entry that comes first wins an address (see `effectiveRoutes`). */
  order: number;
}

const SYSTEM_NONE_PREFIXES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'];

/**
 * Among routes with the same prefix: an explicit CIDR beats a tag, a regional tag beats its global
 * tag, `AzureCloud*` comes last among tags (Microsoft's order for overlapping service-tag routes);
 * any UDR beats a system route, and the VNet's own route beats the RFC 1918 `None` routes that Azure
 * drops once the range is in the address space.
 */
const PRECEDENCE = { explicit: 0, regionalTag: 1, globalTag: 2, azureCloudRegional: 3, azureCloud: 4, vnet: 5, none: 6, learned: 6, internet: 7 };

type Hop = Pick<RouteEntry, 'decidedBy' | 'label' | 'nextHopType' | 'nextHopIpAddress' | 'through'>;

/** Tier first (service endpoints before the rest), then longer prefixes, then `PRECEDENCE`. */
function entry(cidr: Cidr, tier: number, precedence: number, hop: Hop): RouteEntry {
  return { start: cidr.start, end: cidr.end, prefixLength: cidr.length, ...hop, order: tier * 10_000 + (32 - cidr.length) * 100 + precedence };
}

function tagPrecedence(name: string): number {
  const [base = '', region] = name.split('.');
  if (base.toLowerCase() === 'azurecloud') return region ? PRECEDENCE.azureCloudRegional : PRECEDENCE.azureCloud;
  return region ? PRECEDENCE.regionalTag : PRECEDENCE.globalTag;
}

export interface EffectiveRoutes {
  /** Sorted: the first entry that contains an address routes it. */
  entries: RouteEntry[];
  /** UDRs that could not be resolved (neither a CIDR nor a tag the tag set knows). */
  unresolved: Route[];
}

/**
 * The routes of the subnet's service endpoints, in the endpoints' order. They win over UDRs and system
 * routes whatever their length (tier 0), so they come first in `effectiveRoutes`. They depend on the
 * endpoints and the regions only, so a fleet's regions can share them.
 */
export function endpointEntries(endpoints: readonly EndpointRouteSet[], relevant: AddressSet): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const set of endpoints) {
    const hop: Hop = { decidedBy: `service endpoint ${set.service}`, label: `service endpoint ${set.service}`, nextHopType: 'VirtualNetworkServiceEndpoint' };
    // Merged ranges, not CIDRs: endpoint routes win whatever their length, so their length does not matter.
    for (const interval of set.addresses.intersect(relevant).intervals) entries.push(entry({ start: interval.start, end: interval.end, length: 32 }, 0, 0, hop));
  }
  return entries;
}

/**
 * The subnet's effective IPv4 routes: service-endpoint routes first (`endpointEntries`), then UDRs and
 * system routes by longest prefix, ties broken by `PRECEDENCE`; `learned` routes (a Virtual WAN hub's
 * default route, known from its configuration) between the two, as Azure puts BGP routes. Other BGP and
 * peering routes are not visible to us and are left out. Entries that miss `relevant` (the addresses we will look up) are dropped: a
 * tag route can hold thousands of prefixes, and sorting them dominated the cost; pass a memoised
 * `relevant` so that the filtering of tag prefixes is memoised too.
 */
export function effectiveRoutes(
  udrs: readonly Route[],
  endpointRoutes: readonly RouteEntry[],
  tags: ServiceTagSet,
  vnetAddressSpace: readonly string[],
  relevant: AddressSet = AddressSet.ALL_V4,
  learned: readonly Route[] = [],
  cache?: AnalysisCache,
): EffectiveRoutes {
  const entries: RouteEntry[] = [];
  const unresolved: Route[] = [];
  const add = (cidr: Cidr, tier: number, precedence: number, hop: Hop) => {
    if (overlaps(relevant, cidr)) entries.push(entry(cidr, tier, precedence, hop));
  };

  for (const route of udrs) {
    const hop: Hop = { decidedBy: route.name, label: `route '${route.name}'`, nextHopType: route.nextHopType, nextHopIpAddress: route.nextHopIpAddress };
    if (isIpPrefix(route.addressPrefix)) {
      const cidr = toCidr(route.addressPrefix);
      if (isV4(cidr)) add(cidr, 1, PRECEDENCE.explicit, hop);
      continue;
    }
    const tag = tags.tags.get(route.addressPrefix.trim().toLowerCase());
    if (!tag) {
      unresolved.push(route);
      continue;
    }
    const precedence = tagPrecedence(tag.name);
    for (const cidr of tagCidrsTouching(tag, relevant, cache)) entries.push(entry(cidr, 1, precedence, hop));
  }

  for (const route of learned) {
    const hop: Hop = { decidedBy: route.name, label: route.name, nextHopType: route.nextHopType, ...(route.nextHopIpAddress ? { nextHopIpAddress: route.nextHopIpAddress } : {}), ...(route.through ? { through: route.through } : {}) };
    add(toCidr(route.addressPrefix), 1, PRECEDENCE.learned, hop);
  }

  const system = (prefix: string, precedence: number, nextHopType: NextHopType) =>
    add(toCidr(prefix), 1, precedence, { decidedBy: `system: ${prefix}`, label: `system route ${prefix}`, nextHopType });
  for (const prefix of vnetAddressSpace) {
    if (isIpPrefix(prefix) && isV4(toCidr(prefix))) system(prefix.trim(), PRECEDENCE.vnet, 'VnetLocal');
  }
  for (const prefix of SYSTEM_NONE_PREFIXES) system(prefix, PRECEDENCE.none, 'None');
  system('0.0.0.0/0', PRECEDENCE.internet, 'Internet');

  // Every entry here is tier 1 (order 10,000 and up), every endpoint entry tier 0 (order 0): sorting
  // only these and putting the endpoint entries first in their own order is what a stable sort of all
  // of them would give.
  entries.sort((a, b) => a.order - b.order);
  return { entries: [...endpointRoutes, ...entries], unresolved };
}

/** Whether a UDR's prefix is the IPv4 default route, however it is spelled (`0.0.0.0/0`, `0.0.0.0/00`). */
export function isDefaultRoute(route: Route): boolean {
  if (!isIpPrefix(route.addressPrefix)) return false;
  const interval = parsePrefix(route.addressPrefix);
  return AddressSet.of([interval]).equals(AddressSet.ALL_V4);
}
