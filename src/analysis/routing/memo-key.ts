import { isIpPrefix, type AddressSet } from '../addresses.js';
import type { RouteContext } from './context.js';
import { isV4, overlaps, toCidr } from './tags.js';
import { shortRegion } from '../../model/ids.js';
import type { Route, ServiceEndpoint } from '../../model/network.js';

/**
 * The memo key of a region's route analysis: everything `evaluateRoutes` reads, besides the tag set
 * (the memo is kept per tag set). That is the two regions' short names, the platform version, each
 * UDR's name, prefix, next hop and next-hop address in order, each service endpoint's service and
 * locations in order, and of the VNet's address space only the prefixes that become system routes
 * touching `relevant` (the peers' addresses, fixed by tag set and regions), and the gateway routes that
 * may reach the subnet (their cause and reason, as the verdicts say them): `effectiveRoutes` drops
 * every other VnetLocal route before anything looks at it, so a fleet of private VNets, one each,
 * still shares entries.
 */
/** Of a subnet's service endpoints, what their routes depend on: each one's service and locations, in order. */
export function endpointsKey(serviceEndpoints: readonly ServiceEndpoint[]): unknown[] {
  return serviceEndpoints.map((endpoint) => [endpoint.service, endpoint.locations]);
}

export function routesMemoKey(udrs: readonly Route[], serviceEndpoints: readonly ServiceEndpoint[], ctx: RouteContext, relevant: AddressSet): string {
  return JSON.stringify([
    shortRegion(ctx.region),
    shortRegion(ctx.primaryRegion),
    ctx.platformVersion,
    udrs.map((route) => [route.name, route.addressPrefix, route.nextHopType, route.nextHopIpAddress ?? null]),
    endpointsKey(serviceEndpoints),
    ctx.vnetAddressSpace.filter((prefix) => isIpPrefix(prefix) && isV4(toCidr(prefix)) && overlaps(relevant, toCidr(prefix))).map((prefix) => prefix.trim()),
    ctx.gatewayRoutes ?? null,
    ctx.learnedRoutes ?? null,
  ]);
}
