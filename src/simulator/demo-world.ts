/**
 * The embedded demo fleet (`serve --demo`, `check --demo`): a simulator world (docs/design.md, "Simulator
 * world file") whose bodies imitate what ARM returns, field for field, for two subscriptions and five
 * APIM instances, each showing one situation the service must recognise (the table is in demo/fleet.ts).
 * Everything is derived from `now` and fixed seeds: the same `now` gives the same world.
 *
 * The entry point of src/simulator/demo/; the builders are exported for synthetic/fleet-world.ts, which makes a large
 * fleet of the same shapes.
 */
export { apimService, type ApimRegionSpec, type ApimSpec } from './demo/apim-service.js';
export { DEMO_INSTANCES, DEMO_SUBSCRIPTIONS } from './demo/identities.js';
export { network, SERVICE_ENDPOINTS_ALL, type NetworkSpec, type RouteSpec } from './demo/network.js';
export {
  connectivityEntries,
  regionStatus,
  sqlServer,
  type EntryOverride,
  type Status,
  type StatusRegionSpec,
} from './demo/network-status.js';
export { apimRequiredRules, type RuleSpec, type VnetMode } from './demo/nsg-rules.js';
export { publicIp } from './demo/public-ip.js';
export { adminRuleBody } from './demo/admin-rules.js';
export { hubNetwork } from './demo/hub.js';
export { privateDnsZone } from './demo/private-dns.js';
export { AZURE_DNS, NORTH_EUROPE, WEST_EUROPE, type Region } from './demo/regions.js';
export { guid, HOUR, MINUTE } from './demo/seeded.js';
export { serviceTagsBody } from './demo/service-tags.js';
export { subscriptionBody } from './demo/subscriptions.js';
export { buildDemoWorld, demoWorldJson } from './demo/world.js';
