import type { ConfigChange, VerdictChange } from '../model/config-change.js';
import type { FlowVerdict } from './nsg/verdict.js';
import type { RouteVerdict } from './routing/verdict.js';
import type { InstanceReport, RegionReport } from './report.js';

/**
 * Joins configuration changes to the verdicts they changed: a flow to its NSG's change (or the subnet's,
 * when the NSG itself was swapped), a route to its route table's (or the subnet's, the VNet's), a service
 * endpoint to the subnet's. Pure: the service keeps the attributions between polls (src/service/change-ledger.ts).
 */

/** A verdict a change turned into `verdict`; it stays joined while the verdict still reads so. */
export interface Attribution {
  key: string;
  change: ConfigChange;
  previousVerdict: string;
  verdict: string;
}

/** What the service holds for one region: its recent changes, newest first, and the verdicts they changed. */
export interface RegionChanges {
  changes: readonly ConfigChange[];
  attributions: ReadonlyMap<string, Attribution>;
}

const flowKey = (flow: FlowVerdict): string => `flow ${flow.direction} ${flow.dependency} ${flow.peer} ${flow.protocol} ${flow.port}`;
const flowVerdict = (flow: FlowVerdict): string => flow.verdict;
const routeKey = (route: RouteVerdict): string => `route ${route.dependency} ${route.peer}`;
const routeVerdict = (route: RouteVerdict): string => (route.ok ? 'ok' : route.unknown ? 'unknown' : `next hop ${route.nextHopType}`);
const endpointKey = (endpoint: { service: string }): string => `service endpoint ${endpoint.service.toLowerCase()}`;
const endpointVerdict = (endpoint: { enabled: boolean }): string => (endpoint.enabled ? 'enabled' : 'not enabled');

/** The change among `changes` to the resource of `kind`, or to the subnet when it swapped that resource. */
function causeOf(changes: readonly ConfigChange[], kinds: ReadonlyArray<ConfigChange['resourceKind']>, association?: string): ConfigChange | undefined {
  const swapped = association ? changes.find((change) => change.resourceKind === 'subnet' && change.items.some((item) => item.name === association)) : undefined;
  return swapped ?? kinds.map((kind) => changes.find((change) => change.resourceKind === kind)).find(Boolean);
}

/** The verdicts of `after` that differ from `before`'s, each joined to the change that explains it. */
export function attributeVerdicts(before: RegionReport, after: RegionReport, changes: readonly ConfigChange[]): Attribution[] {
  const attributions: Attribution[] = [];
  const compare = <T>(was: readonly T[], is: readonly T[], key: (item: T) => string, verdict: (item: T) => string, cause: ConfigChange | undefined) => {
    if (!cause) return;
    const previous = new Map(was.map((item) => [key(item), verdict(item)]));
    for (const item of is) {
      const old = previous.get(key(item));
      if (old !== undefined && old !== verdict(item)) attributions.push({ key: key(item), change: cause, previousVerdict: old, verdict: verdict(item) });
    }
  };
  const was = before.config;
  const is = after.config;
  if (!was || !is) return [];
  compare(was.flows, is.flows, flowKey, flowVerdict, causeOf(changes, ['networkSecurityGroup'], 'networkSecurityGroup'));
  compare(was.routes?.verdicts ?? [], is.routes?.verdicts ?? [], routeKey, routeVerdict, causeOf(changes, ['routeTable', 'subnet', 'virtualNetwork'], 'routeTable'));
  compare(was.serviceEndpoints, is.serviceEndpoints, endpointKey, endpointVerdict, causeOf(changes, ['subnet']));
  return attributions;
}

/** `item` with the change that made its verdict, when that verdict still stands. */
function joined<T extends { change?: VerdictChange }>(item: T, key: string, verdict: string, held: RegionChanges): T {
  const attribution = held.attributions.get(key);
  if (attribution && attribution.verdict === verdict) return { ...item, change: { ...attribution.change, previousVerdict: attribution.previousVerdict } };
  if (item.change === undefined) return item;
  const { change: _stale, ...bare } = item;
  return bare as T;
}

/**
 * `report` with its regions' recent changes, and each verdict a change made (and that still stands)
 * carrying that change. Copies what it changes: judged flows may be shared between regions.
 */
export function withChanges(report: InstanceReport, changesIn: (location: string) => RegionChanges | undefined): InstanceReport {
  let touched = false;
  const regions = report.regions.map((region) => {
    const held = changesIn(region.location);
    if (!held || !region.config || (held.changes.length === 0 && held.attributions.size === 0)) return region;
    touched = true;
    const config = region.config;
    return {
      ...region,
      config: {
        ...config,
        changes: held.changes.map((change) => ({ ...change })),
        flows: config.flows.map((flow) => joined(flow, flowKey(flow), flowVerdict(flow), held)),
        ...(config.routes ? { routes: { ...config.routes, verdicts: config.routes.verdicts.map((route) => joined(route, routeKey(route), routeVerdict(route), held)) } } : {}),
        serviceEndpoints: config.serviceEndpoints.map((endpoint) => joined(endpoint, endpointKey(endpoint), endpointVerdict(endpoint), held)),
      },
    };
  });
  return touched ? { ...report, regions } : report;
}
