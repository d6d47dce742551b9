import type { Authorship, ChangeItem, ConfigChange, VerdictChange } from '../model/config-change.js';
import type { FlowVerdict } from './nsg/verdict.js';
import type { RouteVerdict } from './routing/verdict.js';
import type { InstanceReport, RegionReport } from './report.js';

/**
 * Joins configuration changes to the verdicts they changed: a flow to its NSG's change (or the subnet's,
 * when the NSG itself was swapped), a route to its route table's (or the subnet's, the VNet's), a service
 * endpoint to the subnet's. Pure: the service keeps the attributions between polls (src/service/change-ledger.ts).
 */

/**
 * A verdict a change turned into `verdict`; it stays joined while the verdict still reads so. Who made it is
 * who wrote `decidingItems` (the change-authors.ts join), which the service fills in as records arrive.
 */
export interface Attribution {
  key: string;
  change: ConfigChange;
  previousVerdict: string;
  verdict: string;
  /** The items of the change that decided the verdict: the rules, route or endpoint deciding it before or after. */
  decidingItems: ChangeItem[];
  authorship: Authorship;
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

/** The items of `cause` named in `names` (what decided the verdict before or after), or all of them when none is. */
function itemsNamed(cause: ConfigChange, names: ReadonlyArray<string | undefined>): ChangeItem[] {
  const wanted = new Set(names.filter((name): name is string => name !== undefined).map((name) => name.toLowerCase()));
  const named = cause.items.filter((item) => wanted.has(item.name.toLowerCase()));
  return named.length > 0 ? named : cause.items;
}

const flowDeciders = (was: FlowVerdict, is: FlowVerdict): string[] => [was.decidedBy, is.decidedBy, ...was.decidingRules, ...is.decidingRules, 'networkSecurityGroup'];
/** A route is decided by a UDR's name, `service endpoint <service>`, or the subnet's route table association. */
const routeDeciders = (was: RouteVerdict, is: RouteVerdict): string[] =>
  [was.decidedBy, is.decidedBy].flatMap((by) => [by, by.replace(/^service endpoint /, '')]).concat('routeTable');
const endpointDeciders = (was: { service: string }): string[] => [was.service];

/** The verdicts of `after` that differ from `before`'s, each joined to the change that explains it and the items of it that decided it. */
export function attributeVerdicts(before: RegionReport, after: RegionReport, changes: readonly ConfigChange[]): Attribution[] {
  const attributions: Attribution[] = [];
  const compare = <T>(was: readonly T[], is: readonly T[], key: (item: T) => string, verdict: (item: T) => string, cause: ConfigChange | undefined, deciders: (was: T, is: T) => string[]) => {
    if (!cause) return;
    const previous = new Map(was.map((item) => [key(item), item]));
    for (const item of is) {
      const old = previous.get(key(item));
      if (old === undefined || verdict(old) === verdict(item)) continue;
      const decidingItems = itemsNamed(cause, deciders(old, item));
      attributions.push({ key: key(item), change: cause, previousVerdict: verdict(old), verdict: verdict(item), decidingItems, authorship: { authorState: 'pending' } });
    }
  };
  const was = before.config;
  const is = after.config;
  if (!was || !is) return [];
  compare(was.flows, is.flows, flowKey, flowVerdict, causeOf(changes, ['networkSecurityGroup'], 'networkSecurityGroup'), flowDeciders);
  compare(was.routes?.verdicts ?? [], is.routes?.verdicts ?? [], routeKey, routeVerdict, causeOf(changes, ['routeTable', 'subnet', 'virtualNetwork'], 'routeTable'), routeDeciders);
  compare(was.serviceEndpoints, is.serviceEndpoints, endpointKey, endpointVerdict, causeOf(changes, ['subnet']), endpointDeciders);
  return attributions;
}

/** The change as joined to one verdict: who wrote the items that decided it, and those items when not all. */
export function verdictChange(attribution: Attribution): VerdictChange {
  const { author: _author, candidates: _candidates, authorError: _error, decidingItems: _items, ...change } = attribution.change;
  const some = attribution.decidingItems.length < change.items.length ? { decidingItems: attribution.decidingItems } : {};
  return { ...change, ...attribution.authorship, ...some, previousVerdict: attribution.previousVerdict };
}

/** `item` with the change that made its verdict, when that verdict still stands. */
function joined<T extends { change?: VerdictChange }>(item: T, key: string, verdict: string, held: RegionChanges): T {
  const attribution = held.attributions.get(key);
  if (attribution && attribution.verdict === verdict) return { ...item, change: verdictChange(attribution) };
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
