/**
 * Route evaluation: where a region's APIM subnet sends the traffic of each dependency, from its route
 * table, Azure's system routes and its service endpoints (docs/design.md, "Forced tunnelling").
 */
import type { Dependency } from '../dependencies.js';
import { cacheFor, type AnalysisCache } from '../cache.js';
import { endpointRouteSets, serviceEndpointEnabled } from './endpoints.js';
import { splitByRoutes } from './match.js';
import type { RouteContext } from './context.js';
import { endpointsKey, routesMemoKey } from './memo-key.js';
import { routedPeers } from './peers.js';
import { endpointNeeded, TUNNELLING_ENDPOINTS } from '../requirements.js';
import { effectiveRoutes, endpointEntries, isDefaultRoute, type RouteEntry } from './table.js';
import { describeHop, judgeShares, type RouteVerdict } from './verdict.js';
import { isAtRisk } from './gateways.js';
import { shortRegion } from '../../model/ids.js';
import type { Route, RouteTable, ServiceEndpoint } from '../../model/network.js';

export { serviceEndpointEnabled, WATCHED_SERVICE_ENDPOINTS } from './endpoints.js';
export type { RouteHop, RouteVerdict } from './verdict.js';
export type { RouteContext } from './context.js';
export { combinedExposure, gatewayExposure, hubRoutes, isAtRisk, type GatewayExposure, type GatewayRouteCause } from './gateways.js';

export interface RouteAnalysis {
  forcedTunnelling: boolean;
  forcedTunnellingRoute?: string;
  /** Every address of the `ApiManagement` peer leaves to Internet: the control plane's replies get back. */
  managementReturnRoute: boolean;
  verdicts: RouteVerdict[];
  findings: string[];
}


const TUNNELLING_HOPS = new Set(['VirtualAppliance', 'VirtualNetworkGateway', 'None']);

/** How table.ts names Azure's system default route, 0.0.0.0/0 to Internet. */
const SYSTEM_DEFAULT = 'system: 0.0.0.0/0';

function describeRoute(route: Route): string {
  return `route '${route.name}' (${route.addressPrefix} -> ${describeHop(route.nextHopType, route.nextHopIpAddress)})`;
}

/** The cache's memo of whole analyses: regions of a fleet mostly share route tables and endpoints (memo-key.ts says what makes two the same). */
export const ROUTE_ANALYSES = 'route analyses';

/** Remembered verdicts are frozen and shared by every region they fit, as NSG verdicts are (nsg/evaluate.ts). */
const frozen = (analysis: RouteAnalysis): RouteAnalysis => {
  for (const verdict of analysis.verdicts) Object.freeze(verdict);
  return analysis;
};

/** Callers own the analysis and its lists; the verdicts in them are the shared, frozen ones. */
const ownedCopy = (analysis: RouteAnalysis): RouteAnalysis => ({ ...analysis, verdicts: [...analysis.verdicts], findings: [...analysis.findings] });

/** With `ctx.cache`, regions with the same memo key share one analysis; without, it is computed afresh. */
export function evaluateRoutes(routeTable: RouteTable | undefined, serviceEndpoints: ServiceEndpoint[], ctx: RouteContext): RouteAnalysis {
  const udrs = routeTable?.routes ?? [];
  const cache = cacheFor(ctx.cache, ctx.serviceTags);
  if (!cache) return analyseRoutes(udrs, serviceEndpoints, ctx, undefined);
  const { relevant } = routedPeers(ctx.serviceTags, shortRegion(ctx.region), shortRegion(ctx.primaryRegion), cache);
  const key = routesMemoKey(udrs, serviceEndpoints, ctx, relevant);
  return ownedCopy(cache.memo<RouteAnalysis>(ROUTE_ANALYSES, 1024).get(key, () => frozen(analyseRoutes(udrs, serviceEndpoints, ctx, cache))));
}

function analyseRoutes(udrs: readonly Route[], serviceEndpoints: ServiceEndpoint[], ctx: RouteContext, cache: AnalysisCache | undefined): RouteAnalysis {
  const region = shortRegion(ctx.region);
  const primaryRegion = shortRegion(ctx.primaryRegion);
  const { peers, missing, relevant } = routedPeers(ctx.serviceTags, region, primaryRegion, cache);
  const findings = missing.map((peer) => `service tag ${peer} has no IPv4 prefixes in the tag set (change ${ctx.serviceTags.changeNumber}); its route was not checked`);
  const makeEndpointRoutes = () => endpointEntries(endpointRouteSets(serviceEndpoints, ctx.serviceTags, region, cache), relevant);
  // Endpoint routes depend on the endpoints and the regions only: exactly this key. Entries are never changed once made.
  const endpointKey = JSON.stringify([region, primaryRegion, endpointsKey(serviceEndpoints)]);
  const endpointRoutes = cache ? cache.memo<readonly RouteEntry[]>('endpoint routes', 1024).get(endpointKey, makeEndpointRoutes) : makeEndpointRoutes();
  const learned = ctx.learnedRoutes ?? [];
  const { entries, unresolved } = effectiveRoutes(udrs, endpointRoutes, ctx.serviceTags, ctx.vnetAddressSpace, relevant, learned, cache);
  for (const route of unresolved) {
    findings.push(`${describeRoute(route)} names neither a CIDR nor a service tag in the tag set (change ${ctx.serviceTags.changeNumber}); ignored`);
  }

  const verdictContext = { region, primaryRegion, platformVersion: ctx.platformVersion };
  const verdicts: RouteVerdict[] = [];
  let managementReturnRoute = false;
  const atRisk: string[] = [];
  for (const { peer, dependency, addresses } of peers) {
    const shares = splitByRoutes(addresses, entries);
    if (dependency === 'management') managementReturnRoute = shares.every((share) => share.entry.nextHopType === 'Internet');
    const verdict = judgeShares(dependency, peer, shares, verdictContext);
    // A gateway's 0.0.0.0/0 would beat the system default route (a BGP route wins over a system route), not a UDR or a more specific route.
    if (ctx.gatewayRoutes && shares.some((share) => share.entry.decidedBy === SYSTEM_DEFAULT)) {
      verdicts.push({ ...verdict, ok: false, unknown: ctx.gatewayRoutes });
      atRisk.push(peer);
    } else {
      verdicts.push(verdict);
    }
  }
  if (ctx.gatewayRoutes && atRisk.length > 0) findings.push(`the routes of ${atRisk.join(', ')} cannot be judged: ${ctx.gatewayRoutes.reason}`);

  // A UDR for 0.0.0.0/0 beats a learned one; a learned one is forced tunnelling too.
  const tunnel = udrs.find((route) => isDefaultRoute(route)) ?? learned.find((route) => isDefaultRoute(route));
  const tunnelling = tunnel && TUNNELLING_HOPS.has(tunnel.nextHopType) ? tunnel : undefined;
  const explained = new Set<Dependency>();
  if (tunnelling) {
    const via = `forced tunnelling via ${describeRoute(tunnelling)}`;
    for (const { service, dependency, needed } of TUNNELLING_ENDPOINTS) {
      const verdict = verdicts.find((candidate) => candidate.dependency === dependency);
      if (!endpointNeeded(needed, ctx) || serviceEndpointEnabled(serviceEndpoints, service, region) || !verdict || verdict.ok) continue;
      const atRisk = verdict.unknown ? `: ${verdict.peer} traffic reaches it only if the device on that path allows it` : '';
      findings.push(`${via} without a service endpoint for ${service}${atRisk}`);
      explained.add(dependency);
    }
    // A missing ApiManagement tag was reported above; claiming the route is absent would be a guess.
    if (!managementReturnRoute && !missing.includes('ApiManagement')) {
      findings.push(`${via} without a route for the ApiManagement service tag to Internet: the control plane's traffic on 3443 cannot return`);
      explained.add('management');
    }
  }
  for (const verdict of verdicts) {
    // A gateway's unknown routes have their finding above; a path through a device gets its own.
    if (verdict.ok || (verdict.unknown && !isAtRisk(verdict.unknown.cause)) || explained.has(verdict.dependency)) continue;
    const what = verdict.unknown ? `at risk: ${verdict.unknown.reason}` : (verdict.note ?? verdict.decidedBy);
    findings.push(`${verdict.peer} (${verdict.dependency}) -> ${describeHop(verdict.nextHopType, verdict.nextHopIpAddress)}: ${what}`);
  }

  return {
    forcedTunnelling: tunnelling !== undefined,
    ...(tunnelling ? { forcedTunnellingRoute: tunnelling.name } : {}),
    managementReturnRoute,
    verdicts,
    findings,
  };
}
