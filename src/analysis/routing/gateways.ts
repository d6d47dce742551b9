import type { GatewayRouteSource, RouteTable } from '../../model/network.js';

/**
 * Routes no route table shows: Azure propagates the routes a virtual network gateway learns over BGP (or
 * holds as static routes) to every subnet of its VNet, and of the VNets that use it through gateway
 * transit, unless the subnet's route table disables propagation. On-premises commonly advertises
 * 0.0.0.0/0 over ExpressRoute; configuration alone cannot tell whether it does (the gateway's learned
 * routes would), so what would follow the system default route is at risk, not "ok".
 */

/** Bounded, for a metric label: the VNet's own gateway, or a peered VNet's used through useRemoteGateways. */
export type GatewayRouteCause = 'gateway' | 'remote_gateway';

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
