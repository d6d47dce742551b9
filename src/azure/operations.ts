import { subscriptionInPath } from '../model/ids.js';
/**
 * Names an ARM request after the REST operation it performs, for `apim_netwatch_arm_requests_total`.
 * Derived from the URL so that every client (and every retry) is counted the same way.
 */
const OPERATIONS: Array<[RegExp, string]> = [
  [/^\/subscriptions\/?$/, 'Subscriptions_List'],
  [/^\/subscriptions\/[^/]+\/?$/, 'Subscriptions_Get'],
  [/\/providers\/microsoft\.resourcegraph\/resources$/, 'Resources_Query'],
  [/\/service\/[^/]+\/locations\/[^/]+\/networkstatus$/, 'NetworkStatus_ListByLocation'],
  [/\/service\/[^/]+\/networkstatus$/, 'NetworkStatus_ListByService'],
  [/^\/subscriptions\/[^/]+\/providers\/microsoft\.apimanagement\/service$/, 'ApiManagementService_List'],
  [/\/resourcegroups\/[^/]+\/providers\/microsoft\.apimanagement\/service$/, 'ApiManagementService_ListByResourceGroup'],
  [/\/providers\/microsoft\.apimanagement\/service\/[^/]+$/, 'ApiManagementService_Get'],
  // The connectivity check's action (a POST); the GETs of its operation result count as Other.
  [/\/providers\/microsoft\.apimanagement\/service\/[^/]+\/connectivitycheck$/, 'PerformConnectivityCheckAsync'],
  [/\/locations\/[^/]+\/servicetags$/, 'ServiceTags_List'],
  [/\/virtualnetworks\/[^/]+\/subnets\/[^/]+$/, 'Subnets_Get'],
  [/\/virtualnetworks\/[^/]+\/listnetworkmanagereffectivesecurityadminrules$/, 'ListNetworkManagerEffectiveSecurityAdminRules'],
  [/\/virtualnetworks\/[^/]+$/, 'VirtualNetworks_Get'],
  [/\/networksecuritygroups\/[^/]+$/, 'NetworkSecurityGroups_Get'],
  [/\/routetables\/[^/]+$/, 'RouteTables_Get'],
  [/\/virtualnetworkgateways\/[^/]+$/, 'VirtualNetworkGateways_Get'],
  [/\/virtualhubs\/[^/]+\/hubvirtualnetworkconnections$/, 'HubVirtualNetworkConnections_List'],
  [/\/virtualhubs\/[^/]+\/routingintent$/, 'RoutingIntent_List'],
  [/\/virtualhubs\/[^/]+\/hubroutetables$/, 'HubRouteTables_List'],
  [/\/privatednszones\/[^/]+\/a$/, 'RecordSets_ListByType'],
];

export function operationOf(path: string): string {
  const normalised = path.toLowerCase().replace(/\/+$/, '') || '/';
  for (const [pattern, name] of OPERATIONS) {
    if (pattern.test(normalised)) return name;
  }
  return 'Other';
}

export function subscriptionOf(path: string): string | undefined {
  return subscriptionInPath(path)?.toLowerCase();
}
