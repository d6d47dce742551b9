import type { GatewayRouteSource, HubConnectionSource, Route, RouteTable } from '../../model/network.js';

/**
 * Routes no route table shows: Azure propagates the routes a virtual network gateway learns over BGP (or
 * holds as static routes) to every subnet of its VNet, and of the VNets that use it through gateway
 * transit, unless the subnet's route table disables propagation. On-premises commonly advertises
 * 0.0.0.0/0 over ExpressRoute; configuration alone cannot tell whether it does (the gateway's learned
 * routes would), so what would follow the system default route is at risk, not "ok".
 */

/** Bounded, for a metric label: the VNet's own gateway, a peered VNet's used through useRemoteGateways, or a Virtual WAN hub. */
export type GatewayRouteCause = 'gateway' | 'remote_gateway' | 'virtual_hub';

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

/**
 * What Virtual WAN hubs add to the subnet's routes. A connection with internet security on receives the
 * hub's default route: where the hub sends Internet traffic to its firewall (routing intent, or a secured
 * hub), that is a known 0.0.0.0/0 to an appliance (`learned`); otherwise the hub passes on whatever
 * default route it learned, which configuration cannot tell (`exposure`).
 */
export function hubRoutes(connections: readonly HubConnectionSource[] | undefined, routeTable: RouteTable | undefined): { learned: Route[]; exposure?: GatewayExposure } {
  const secured = (connections ?? []).filter((connection) => connection.enableInternetSecurity);
  if (secured.length === 0 || routeTable?.disableBgpRoutePropagation) return { learned: [] };
  const learned = secured
    .filter((connection) => connection.internetNextHop)
    .map((connection): Route => ({
      name: `virtual hub ${connection.hubName} (connection ${connection.connection} has internet security on; Internet traffic goes to ${lastSegment(connection.internetNextHop!)})`,
      addressPrefix: '0.0.0.0/0',
      nextHopType: 'VirtualAppliance',
    }));
  if (learned.length > 0) return { learned: learned.slice(0, 1) };
  const names = secured.map((connection) => `Virtual WAN hub ${connection.hubName} (connection ${connection.connection} has internet security on)`).join('; ');
  return {
    learned: [],
    exposure: {
      cause: 'virtual_hub',
      reason: `${names}: the hub passes its default route on to this VNet, and neither routing intent nor a firewall in the hub says where it leads; if a connected site advertises 0.0.0.0/0, this traffic goes there instead of to Internet`,
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
