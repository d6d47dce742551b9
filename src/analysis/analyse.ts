import type { AnalysisCaches } from './cache.js';
import { classifyDependency, DEPENDENCIES } from './dependencies.js';
import { analyseDrift, DNS_ASPECT, DNS_DRIFT_GROUP, type DriftGroupSpec } from './drift-aspects.js';
import { likelyCause } from './likely-cause.js';
import { analyseRegionConfig } from './network.js';
import { pagesOn, pagingDependencies, type PagingPolicy } from './paging-policy.js';
import { ageSeconds, CLOCK_SKEW_SECONDS, inTheFuture, isStale } from './staleness.js';
import { judgeTransition, transitionSentence } from './transition.js';
import type {
  DependencyReport,
  EndpointReport,
  FleetReport,
  FleetSummary,
  InstanceHealth,
  InstanceReport,
  RegionReport,
} from './report.js';
import { compareIds } from '../model/fleet-order.js';
import type { ServiceTagSet } from '../model/network.js';
import type {
  ConnectivityEntry,
  FleetSnapshot,
  InstanceSnapshot,
  RegionInfo,
} from '../model/snapshot.js';

export interface AnalysisPolicy {
  staleAfterSeconds: number;
  paging: PagingPolicy;
  driftGroups?: readonly DriftGroupSpec[];
  /** What the poll's owner remembers per service-tag set (cache.ts); absent: every region is judged afresh. */
  caches?: AnalysisCaches;
}

export function judgeEndpoint(entry: ConnectivityEntry, now: Date, policy: AnalysisPolicy): EndpointReport {
  const stale = isStale(entry.lastUpdated, now, policy.staleAfterSeconds);
  const status = entry.status.toLowerCase();
  const report: EndpointReport = {
    dependency: classifyDependency(entry.resourceType, entry.name),
    resourceType: entry.resourceType,
    endpoint: entry.name,
    required: !entry.isOptional,
    status,
    stale,
    up: status === 'success' && !stale,
    error: entry.error,
  };
  if (inTheFuture(entry.lastUpdated, now)) report.clockSkew = `lastUpdated ${entry.lastUpdated} is ahead of this monitor's clock by more than ${CLOCK_SKEW_SECONDS / 60} minutes: judged stale`;
  if (entry.lastUpdated) report.lastUpdated = entry.lastUpdated;
  if (entry.lastStatusChange) report.lastStatusChange = entry.lastStatusChange;
  const age = ageSeconds(entry.lastUpdated, now);
  if (age !== undefined) report.ageSeconds = age;
  return report;
}

/**
 * Azure may list the same endpoint twice in one region; one series per label set is all Prometheus
 * accepts, so keep the worse of the two.
 */
function dedupeEndpoints(endpoints: EndpointReport[]): EndpointReport[] {
  const byKey = new Map<string, EndpointReport>();
  for (const endpoint of endpoints) {
    const key = `${endpoint.dependency}\u0000${endpoint.resourceType}\u0000${endpoint.endpoint}\u0000${endpoint.required}`;
    const seen = byKey.get(key);
    if (!seen || (seen.up && !endpoint.up)) byKey.set(key, endpoint);
  }
  return [...byKey.values()];
}

/**
 * One roll-up per dependency and `required` (the API's `!isOptional`): what pages is decided per part
 * (a failing optional FileStorage must not turn the required storage endpoints' roll-up down).
 */
export function rollUpDependencies(endpoints: EndpointReport[], policy: Pick<AnalysisPolicy, 'paging'>): DependencyReport[] {
  const groups = new Map<string, EndpointReport[]>();
  for (const endpoint of endpoints) {
    const key = `${endpoint.dependency} ${endpoint.required}`;
    const group = groups.get(key) ?? [];
    group.push(endpoint);
    groups.set(key, group);
  }
  const reports: DependencyReport[] = [];
  for (const dependency of DEPENDENCIES) {
    for (const required of [true, false]) {
      const group = groups.get(`${dependency} ${required}`);
      if (!group) continue;
      const failing = group.filter((endpoint) => !endpoint.up);
      reports.push({
        dependency,
        required,
        pages: pagesOn(policy.paging, dependency, required),
        up: failing.length === 0,
        stale: group.some((endpoint) => endpoint.stale),
        endpoints: group.length,
        failingEndpoints: failing.map((endpoint) => endpoint.endpoint),
      });
    }
  }
  return reports;
}

function judgeRegion(
  snapshot: InstanceSnapshot,
  region: RegionInfo,
  now: Date,
  policy: AnalysisPolicy,
  serviceTags: ServiceTagSet | undefined,
): RegionReport {
  const status = snapshot.networkStatus?.find((candidate) => candidate.location === region.location);
  const endpoints = dedupeEndpoints((status?.connectivity ?? []).map((entry) => judgeEndpoint(entry, now, policy)));
  const report: RegionReport = {
    location: region.location,
    displayLocation: region.displayLocation,
    primary: region.primary,
    data: endpoints.length > 0 ? 'ok' : snapshot.networkStatusUnavailable ? 'not-available' : 'no-data',
    dnsServers: status?.dnsServers ?? [],
    endpoints,
    dependencies: rollUpDependencies(endpoints, policy),
    drift: [],
  };
  if (snapshot.network) {
    const config = snapshot.network.find((candidate) => candidate.location === region.location);
    report.config = analyseRegionConfig(snapshot.instance, region.location, config, report.dnsServers, serviceTags, policy, serviceTags && policy.caches?.for(serviceTags));
    for (const dependency of report.dependencies) {
      const cause = dependency.up ? undefined : likelyCause(dependency, report.endpoints, report.config);
      if (cause) dependency.likelyCause = cause;
    }
    if (report.config.state !== 'no-subnet' && report.config.state !== 'unreadable') {
      report.drift.push({ group: DNS_DRIFT_GROUP, aspect: DNS_ASPECT, drifted: !report.config.dns.consistent });
    }
  }
  return report;
}

/** The instance's regions, plus any region NetworkStatus reports that the instance body did not list. */
function regionsOf(snapshot: InstanceSnapshot): RegionInfo[] {
  const regions = [...snapshot.instance.regions];
  for (const status of snapshot.networkStatus ?? []) {
    if (!regions.some((region) => region.location === status.location)) {
      regions.push({ location: status.location, displayLocation: status.displayLocation, primary: regions.length === 0 });
    }
  }
  return regions;
}

function healthOf(monitored: boolean, regions: RegionReport[]): InstanceHealth {
  if (!monitored) return 'not-monitored';
  const dependencies = regions.flatMap((region) => region.dependencies);
  if (dependencies.some((dependency) => dependency.pages && !dependency.up)) return 'down';
  if (regions.length === 0 || regions.some((region) => region.data === 'no-data')) return 'unknown';
  if (dependencies.some((dependency) => !dependency.up)) return 'degraded';
  return 'healthy';
}

export function analyseInstance(snapshot: InstanceSnapshot, now: Date, policy: AnalysisPolicy, serviceTags?: ServiceTagSet): InstanceReport {
  const monitored = snapshot.instance.vnetType !== 'None';
  const transition = judgeTransition(snapshot, now);
  // A held status is judged as of the transition's start: it did not stop updating, NetworkStatus refused to answer.
  const asOf = transition?.held && transition.since ? new Date(Math.min(now.getTime(), Date.parse(transition.since))) : now;
  const regions = monitored ? regionsOf(snapshot).map((region) => judgeRegion(snapshot, region, asOf, policy, serviceTags)) : [];
  // Past the grace, the refusal is a failure as any other: the target is down and its status ages.
  const failure = snapshot.failure ?? (transition?.stuck && transition.refused ? { ...transition.refused, message: transitionSentence(transition) } : undefined);
  const report: InstanceReport = {
    instance: snapshot.instance,
    monitored,
    targetUp: failure === undefined,
    health: healthOf(monitored, regions),
    regions,
  };
  if (failure) report.failure = failure;
  if (transition) report.transition = transition;
  if (snapshot.networkStatusFetchedAt) report.dataFetchedAt = snapshot.networkStatusFetchedAt.toISOString();
  if (snapshot.networkStatusUnavailable) report.networkStatusUnavailable = snapshot.networkStatusUnavailable;
  return report;
}

/** Why an instance has no verdict when judging it threw: a bug, but one instance's alone. */
export const ANALYSIS_FAILED = 'AnalysisFailed';

/**
 * analyseInstance, or, should judging the instance throw (a bug met by some data), a report that says
 * so for that instance alone (target down, health unknown): one instance never fails the whole poll.
 */
export function judgeInstance(snapshot: InstanceSnapshot, now: Date, policy: AnalysisPolicy, serviceTags?: ServiceTagSet): InstanceReport {
  try {
    return analyseInstance(snapshot, now, policy, serviceTags);
  } catch (err) {
    return {
      instance: snapshot.instance,
      monitored: snapshot.instance.vnetType !== 'None',
      targetUp: false,
      failure: { operation: 'Analysis', code: ANALYSIS_FAILED, message: `cannot judge this instance's data: ${err instanceof Error ? err.message : String(err)}` },
      health: 'unknown',
      regions: [],
    };
  }
}

export function summarise(instances: InstanceReport[]): FleetSummary {
  const count = (health: InstanceHealth) => instances.filter((instance) => instance.health === health).length;
  return {
    instances: instances.length,
    monitored: instances.filter((instance) => instance.monitored).length,
    healthy: count('healthy'),
    degraded: count('degraded'),
    down: count('down'),
    unknown: count('unknown'),
    notMonitored: count('not-monitored'),
  };
}

/** Hands each group's verdicts to the regions they are about, for per-instance metrics and pages. */
function attachDrift(instances: InstanceReport[], drift: FleetReport['drift']): void {
  const regions = new Map(instances.flatMap((instance) => instance.regions.map((region) => [`${instance.instance.id} ${region.location}`, region] as const)));
  for (const group of drift) {
    for (const member of group.members) {
      const region = regions.get(`${member.instance} ${member.location}`);
      for (const [aspect, drifted] of Object.entries(member.drifted)) region?.drift.push({ group: group.group, aspect, drifted });
    }
  }
}

/**
 * The fleet-wide parts, once every instance is judged: drift between instances (handed to the regions
 * it is about), the summary, and the report, its instances by resource ID.
 */
export function judgeFleet(
  snapshot: Pick<FleetSnapshot, 'subscriptionFailures' | 'unresolvedTargets' | 'subscriptionsRead'>,
  judged: readonly InstanceReport[],
  policy: AnalysisPolicy,
  now: Date,
): FleetReport {
  const instances = [...judged].sort((a, b) => compareIds(a.instance.id, b.instance.id));
  const drift = analyseDrift(instances, policy.driftGroups ?? []);
  attachDrift(instances, drift);
  return {
    generatedAt: now.toISOString(),
    staleAfterSeconds: policy.staleAfterSeconds,
    pagingDependencies: pagingDependencies(policy.paging, DEPENDENCIES),
    pagingPolicy: policy.paging,
    summary: summarise(instances),
    instances,
    subscriptionFailures: snapshot.subscriptionFailures,
    ...(snapshot.subscriptionsRead ? { subscriptionsRead: snapshot.subscriptionsRead } : {}),
    drift,
    unresolvedTargets: snapshot.unresolvedTargets,
  };
}

/** A whole snapshot judged at once (a restored or taken-over one, and `check`'s). */
export function analyseFleet(snapshot: FleetSnapshot, policy: AnalysisPolicy, now = snapshot.takenAt): FleetReport {
  return judgeFleet(snapshot, snapshot.instances.map((instance) => judgeInstance(instance, now, policy, snapshot.serviceTags)), policy, now);
}
