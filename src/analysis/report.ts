import type { Dependency } from './dependencies.js';
import type { DriftGroupResult } from './drift.js';
import type { PagingPolicy } from './paging-policy.js';
import type { RegionConfigReport } from './network.js';
import type { FetchFailure, InstanceInfo, InstanceRef, SubscriptionFailure } from '../model/snapshot.js';
import type { ProbeObservation } from '../model/probe.js';

/** One NetworkStatus entry, judged. */
export interface EndpointReport {
  dependency: Dependency;
  resourceType: string;
  endpoint: string;
  /** `!isOptional`, as the API says. */
  required: boolean;
  status: string;
  stale: boolean;
  /** success and not stale. */
  up: boolean;
  error: string;
  lastUpdated?: string;
  lastStatusChange?: string;
  ageSeconds?: number;
  /** Set when `lastUpdated` lies in the future: a timestamp that would never go stale is suspect (and counted stale). */
  clockSkew?: string;
}

/** What the configuration says explains a dependency that is down (likely-cause.ts). */
export interface LikelyCause {
  kind: 'nsg' | 'admin-rule' | 'route' | 'dns' | 'unknown';
  /** The rule or route to look at (absent for `unknown`). */
  decidedBy?: string;
  summary: string;
}

/** A dependency's endpoints in one region that the API marks required (or, a second report, optional). */
export interface DependencyReport {
  dependency: Dependency;
  /** These endpoints are required by the API (`!isOptional`); a dependency may have a report of each kind. */
  required: boolean;
  /** Whether a failure of these endpoints pages, by the paging policy (config `paging.dependencies`). */
  pages: boolean;
  /** The worst of these endpoints. */
  up: boolean;
  stale: boolean;
  endpoints: number;
  failingEndpoints: string[];
  /** For a dependency that is down: the NSG rule, route or DNS setting that explains it. */
  likelyCause?: LikelyCause;
}

/** `ok`: entries present; `no-data`: the API returned nothing for this region (never "healthy"). */
/** `not-available`: a v2-tier instance, for which the API gives no NetworkStatus (judged on configuration alone). */
export type RegionDataState = 'ok' | 'no-data' | 'not-available';

export interface RegionReport {
  location: string;
  displayLocation: string;
  primary: boolean;
  data: RegionDataState;
  dnsServers: string[];
  endpoints: EndpointReport[];
  dependencies: DependencyReport[];
  /** The subnet's configuration judged against APIM's requirements; absent when not read. */
  config?: RegionConfigReport;
  /** Drift of this region against each group it belongs to, per aspect (plus `dns` against its own VNet). */
  drift: Array<{ group: string; aspect: string; drifted: boolean }>;
}

/**
 * healthy: every dependency up; degraded: only non-paging dependencies down; down: a paging
 * dependency down or stale; unknown: no usable data; not-monitored: not VNet-injected.
 */
export type InstanceHealth = 'healthy' | 'degraded' | 'down' | 'unknown' | 'not-monitored';

/**
 * An instance whose provisioning is not settled and successful: transitioning while NetworkStatus refuses to
 * answer (`held` within the grace, `stuck` past it), or `failed` (the last operation failed).
 */
export interface TransitionReport {
  provisioningState: string;
  targetProvisioningState?: string;
  /** The last good read before NetworkStatus was refused (the transition began after it; ISO 8601), and seconds since. */
  since?: string;
  seconds?: number;
  /** The last NetworkStatus is held, judged as of `since`: no stale, no target failure, no page. */
  held: boolean;
  /** Transitioning past the grace (analysis/transition.ts): judged as a failed target again. */
  stuck: boolean;
  failed: boolean;
  /** NetworkStatus's answer (409) while transitioning. */
  refused?: FetchFailure;
}

export interface InstanceReport {
  instance: InstanceInfo;
  monitored: boolean;
  /** The monitor could read this instance in the last poll. */
  targetUp: boolean;
  failure?: FetchFailure;
  /** When the NetworkStatus data shown was read from ARM (older than the poll after a failure). */
  dataFetchedAt?: string;
  /** A v2-tier instance whose NetworkStatus the API does not give: why (its regions' data is `not-available`). */
  networkStatusUnavailable?: string;
  /** Set while the instance transitions (NetworkStatus refused) or when its last operation failed. */
  transition?: TransitionReport;
  health: InstanceHealth;
  regions: RegionReport[];
  /** What the gateway answered to the connectivity checks asked of it (service/probes.ts), latest per check. */
  probes?: ProbeObservation[];
}

export interface FleetSummary {
  instances: number;
  monitored: number;
  healthy: number;
  degraded: number;
  down: number;
  unknown: number;
  notMonitored: number;
}

export interface FleetReport {
  generatedAt: string;
  staleAfterSeconds: number;
  /** The dependencies the paging policy covers, in canonical order. */
  pagingDependencies: Dependency[];
  pagingPolicy: PagingPolicy;
  summary: FleetSummary;
  instances: InstanceReport[];
  subscriptionFailures: SubscriptionFailure[];
  /** The subscriptions discovery read without error, instances or not (a connectivity subscription holds none). */
  subscriptionsRead?: string[];
  /** Set when this report was rebuilt at start-up from the snapshot of an earlier process. */
  restored?: { takenAt: string; ageSeconds: number };
  /**
   * Configuration drift per group, members compared like with like (`likeWith`); optional flows' differences
   * are listed apart (`optionalDifferences`) and are never drift. Empty when the configuration was not read.
   */
  drift: DriftGroupResult[];
  unresolvedTargets: Array<InstanceRef & { failure: FetchFailure }>;
}
