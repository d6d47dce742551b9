import type { GatewayRouteSource, HubConnectionSource, Route, RouteTable } from '../../model/network.js';

/**
 * Routes no route table shows: Azure propagates the routes a virtual network gateway learns over BGP (or
 * holds as static routes) to every subnet of its VNet, and of the VNets that use it through gateway
 * transit, unless the subnet's route table disables propagation. On-premises commonly advertises
 * 0.0.0.0/0 over ExpressRoute; configuration alone cannot tell whether it does (the gateway's learned
 * routes would), so what would follow the system default route is at risk, not "ok".
 */

/**
 * Why a route cannot be judged, bounded for a metric label. Routes no route table shows: the VNet's own gateway, a
 * peered VNet's used through useRemoteGateways, a Virtual WAN hub's. A path through a device the monitor cannot
 * read (at risk, verdict.ts): a virtual appliance, a gateway to on-premises, a Virtual WAN hub's firewall.
 */
export type GatewayRouteCause = 'gateway' | 'remote_gateway' | 'virtual_hub' | 'appliance' | 'on_premises' | 'hub_firewall';

/** The causes of a path through a device: at risk, a warning, never "could not check". */
export const AT_RISK_CAUSES: readonly GatewayRouteCause[] = ['appliance', 'on_premises', 'hub_firewall'];
export const isAtRisk = (cause: GatewayRouteCause): boolean => AT_RISK_CAUSES.includes(cause);

export interface GatewayExposure {
  cause: GatewayRouteCause;
  /** Which gateways, through which peering, and why their routes reach the subnet. */
  reason: string;
}

const lastSegment = (id: string) => id.split('/').filter(Boolean).pop() ?? id;

function describeSource(source: GatewayRouteSource): string {
  const kind = source.gatewayType ? `${source.gatewayType} gateway` : 'gateway';
  const name = source.name ? `${kind} ${source.name}` : `the ${kind}`;
  const where = source.peering ? ` of the peered VNet ${lastSegment(source.vnetId)} (peering ${source.peering} uses its gateways)` : ' of the VNet';
  return `${name}${where}${source.unreadable ? ` (${source.unreadable})` : ''}`;
}

/** Whether gateway routes reach the subnet; undefined when there is no gateway, or the route table disables propagation. */
export function gatewayExposure(sources: readonly GatewayRouteSource[] | undefined, routeTable: RouteTable | undefined): GatewayExposure | undefined {
  if (!sources || sources.length === 0 || routeTable?.disableBgpRoutePropagation) return undefined;
  const propagation = routeTable
    ? `route table ${routeTable.name} lets gateway routes through (disableBgpRoutePropagation is false)`
    : 'the subnet has no route table, so gateway routes reach it';
  return {
    cause: sources.some((source) => source.peering === undefined) ? 'gateway' : 'remote_gateway',
    reason: `${sources.map(describeSource).join('; ')}: ${propagation}. If on-premises advertises 0.0.0.0/0 (common over ExpressRoute), this traffic goes there instead of to Internet; configuration cannot tell (the gateway's learned routes would)`,
  };
}

/** Routing intent's private-traffic policy: the RFC 1918 ranges (Microsoft's default private prefixes). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** How a route through a hub names its next hop: `firewall azfw1`, `appliance nva1`, `appliance at 10.1.0.4`. */
function deviceName(nextHop: string): string {
  if (/\/azurefirewalls\//i.test(nextHop)) return `firewall ${lastSegment(nextHop)}`;
  return /^[0-9.]+$/.test(nextHop) ? `appliance at ${nextHop}` : `appliance ${lastSegment(nextHop)}`;
}

function hubRoute(connection: HubConnectionSource, addressPrefix: string, nextHop: string, why: string): Route {
  const device = deviceName(nextHop);
  return {
    name: `virtual hub ${connection.hubName} (connection ${connection.connection}: ${why} to ${device})`,
    addressPrefix,
    nextHopType: 'VirtualAppliance',
    ...(/^[0-9.]+$/.test(nextHop) ? { nextHopIpAddress: nextHop } : {}),
    through: `${device} in Virtual WAN hub ${connection.hubName}`,
  };
}

/**
 * What Virtual WAN hubs add to the subnet's routes, as Virtual WAN documents them. Routing intent's private
 * policy sends the private ranges to the hub's firewall. A default route reaches the connection only when its
 * internet security is on (Azure's "propagate default route"), and only from the hub itself (never from another
 * hub): routing intent's Internet policy, else a static 0.0.0.0/0 of its hub route table or a connection, each to
 * a firewall or appliance (`learned`); else what the hub's VPN or ExpressRoute gateways learn over BGP, which
 * configuration cannot tell (`exposure`). A hub with none of these (a plain hub) passes no default route on.
 */
export function hubRoutes(connections: readonly HubConnectionSource[] | undefined, routeTable: RouteTable | undefined): { learned: Route[]; exposure?: GatewayExposure } {
  if (!connections || connections.length === 0 || routeTable?.disableBgpRoutePropagation) return { learned: [] };
  const learned: Route[] = [];
  const unknown: string[] = [];
  for (const connection of connections) {
    if (connection.unreadable) {
      unknown.push(`Virtual WAN hub ${connection.hubName} (${connection.connection}) could not be read: ${connection.unreadable}`);
      continue;
    }
    if (connection.privateNextHop) {
      for (const prefix of PRIVATE_RANGES) learned.push(hubRoute(connection, prefix, connection.privateNextHop, 'routing intent sends private traffic'));
    }
    if (!connection.enableInternetSecurity) continue;
    const fixed = connection.internetNextHop
      ? { nextHop: connection.internetNextHop, why: 'routing intent sends Internet traffic' }
      : connection.defaultRoutes?.[0] && { nextHop: connection.defaultRoutes[0].nextHop, why: `0.0.0.0/0 from ${connection.defaultRoutes[0].source}` };
    if (fixed) learned.push(hubRoute(connection, '0.0.0.0/0', fixed.nextHop, fixed.why));
    // Older state files do not say which gateways the hub has: any may pass a default route on.
    else if (connection.gateways === undefined || connection.gateways.length > 0) {
      const gateways = connection.gateways?.length ? connection.gateways.join(' and ') : 'its gateways';
      unknown.push(`Virtual WAN hub ${connection.hubName} (connection ${connection.connection} has internet security on) passes on any default route ${gateways} learn over BGP, and neither routing intent nor a hub route table fixes one`);
    }
  }
  // One default route wins; the first connection's, as Azure allows a VNet one hub.
  const defaults = learned.filter((route) => route.addressPrefix === '0.0.0.0/0');
  const routes = [...learned.filter((route) => route.addressPrefix !== '0.0.0.0/0'), ...defaults.slice(0, 1)];
  if (unknown.length === 0 || defaults.length > 0) return { learned: routes };
  return {
    learned: routes,
    exposure: {
      cause: 'virtual_hub',
      reason: `${unknown.join('; ')}: if a connected site advertises 0.0.0.0/0, this traffic goes there instead of to Internet`,
    },
  };
}

/** Gateway and hub exposures together; the VNet's own gateway names the cause first. */
export function combinedExposure(...exposures: Array<GatewayExposure | undefined>): GatewayExposure | undefined {
  const present = exposures.filter((exposure): exposure is GatewayExposure => exposure !== undefined);
  if (present.length <= 1) return present[0];
  const order: GatewayRouteCause[] = ['gateway', 'remote_gateway', 'virtual_hub'];
  const cause = order.find((candidate) => present.some((exposure) => exposure.cause === candidate))!;
  return { cause, reason: present.map((exposure) => exposure.reason).join('. Also: ') };
}
