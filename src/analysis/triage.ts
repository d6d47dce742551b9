import { unknownReason } from './nsg/evaluate.js';
import { isAtRisk } from './routing/gateways.js';
import { transitionSentence } from './transition.js';
import type { RouteVerdict } from './routing/verdict.js';
import type { VerdictChange } from '../model/config-change.js';
import type { DependencyReport, EndpointReport, FleetReport, InstanceReport, RegionReport } from './report.js';

/**
 * What a report means for the person on call, as `check` prints it and the status page shows it:
 * dependencies down or stale, flows and routes the configuration blocks, targets that could not be checked.
 */

export interface Problem {
  instance: string;
  apim_service: string;
  location: string;
  dependency: string;
  /** These endpoints are required by the API (`!isOptional`); a dependency's optional endpoints are a problem of their own. */
  required: boolean;
  /** Whether this problem pages, by the paging policy. */
  pages: boolean;
  /** `down`: an endpoint reports failure or initializing; `stale`: the status stopped updating. */
  state: 'down' | 'stale';
  endpoints: Array<{ endpoint: string; resource_type: string; status: string; stale: boolean; error: string; last_updated: string | null }>;
}

/** A flow (required by Microsoft or paging by policy) or route that the subnet's configuration blocks (predictive: NetworkStatus may not show it yet). */
export interface Blocked {
  instance: string;
  apim_service: string;
  location: string;
  dependency: string;
  kind: 'flow' | 'route';
  /** e.g. `outbound Sql Tcp/1433` or `route to AzureActiveDirectory`. */
  what: string;
  verdict: string;
  decided_by: string;
  /** Every rule that decided part of the flow (a partial verdict has several), or the route. */
  deciding_rules: string[];
  /** Which part each rule decided, and rules that nearly matched (flows only). */
  note?: string;
  /** Set when a Virtual Network Manager security admin rule decided the flow (before the NSG). */
  admin_rule?: { name: string; network_manager: string; id: string };
  /** The configuration change that made this verdict, and who made it (once Resource Graph has the record). */
  change?: VerdictChange;
  /** The resource whose configuration decides it: the NSG (a flow), the route table or else the subnet (a route). */
  resource_id?: string;
}

export interface Unchecked {
  target: string;
  reason: string;
}

/** The endpoints behind a dependency report that are down or stale. */
export function failingEndpoints(dependency: DependencyReport, region: Pick<RegionReport, 'endpoints'>): EndpointReport[] {
  return region.endpoints.filter((endpoint) => endpoint.dependency === dependency.dependency && endpoint.required === dependency.required && !endpoint.up);
}

/**
 * The one rule of stale versus down: an endpoint that reports success but stopped updating is `stale` (which
 * counts as down, the API's own rule); one that reports failure or initializing is `down`. Everything else reads it.
 */
export function endpointState(endpoint: Pick<EndpointReport, 'up' | 'stale' | 'status'>): 'up' | 'down' | 'stale' {
  if (endpoint.up) return 'up';
  return endpoint.stale && endpoint.status === 'success' ? 'stale' : 'down';
}

/** `stale` when every failing endpoint is stale, else `down`. */
export function failureState(failing: readonly EndpointReport[]): 'down' | 'stale' {
  return failing.length > 0 && failing.every((endpoint) => endpointState(endpoint) === 'stale') ? 'stale' : 'down';
}

export function problemsOf(report: FleetReport): Problem[] {
  const problems: Problem[] = [];
  for (const instance of report.instances) {
    for (const region of instance.regions) {
      for (const dependency of region.dependencies) {
        if (dependency.up) continue;
        const failing = failingEndpoints(dependency, region);
        problems.push({
          instance: instance.instance.id,
          apim_service: instance.instance.name,
          location: region.location,
          dependency: dependency.dependency,
          required: dependency.required,
          // A held status (the instance transitions) is shown as last read, but pages no one: alerts hold it too.
          pages: dependency.pages && !instance.transition?.held,
          state: failureState(failing),
          endpoints: failing.map((endpoint) => ({
            endpoint: endpoint.endpoint,
            resource_type: endpoint.resourceType,
            status: endpoint.status,
            stale: endpoint.stale,
            error: endpoint.error,
            last_updated: endpoint.lastUpdated ?? null,
          })),
        });
      }
    }
  }
  return problems;
}

export function blockedOf(report: FleetReport): Blocked[] {
  const blocked: Blocked[] = [];
  for (const instance of report.instances) {
    for (const region of instance.regions) {
      const config = region.config;
      if (!config) continue;
      const base = { instance: instance.instance.id, apim_service: instance.instance.name, location: region.location };
      const requiredPeers = new Set<string>();
      for (const flow of config.flows) {
        if (!flow.required && !flow.pages) continue;
        requiredPeers.add(flow.peer);
        // An unknown flow is neither blocked nor allowed: uncheckedOf reports it.
        if (flow.verdict === 'allowed' || flow.verdict === 'unknown') continue;
        blocked.push({
          ...base,
          dependency: flow.dependency,
          kind: 'flow',
          what: `${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port}`,
          verdict: flow.verdict,
          decided_by: flow.decidedBy,
          deciding_rules: [...flow.decidingRules],
          ...(flow.note ? { note: flow.note } : {}),
          ...(flow.adminRule ? { admin_rule: { name: flow.adminRule.name, network_manager: flow.adminRule.networkManager, id: flow.adminRule.id } } : {}),
          ...(flow.change ? { change: flow.change } : {}),
          ...(!flow.adminRule && config.nsgId ? { resource_id: config.nsgId } : {}),
        });
      }
      // The resource whose configuration decides a route: the route table, or else the subnet.
      const routeResource = config.routeTableId ?? config.subnetId;
      for (const route of config.routes?.verdicts ?? []) {
        // An unknown route is neither blocked nor fine: uncheckedOf reports it.
        if (route.ok || route.unknown || !requiredPeers.has(route.peer)) continue;
        blocked.push({
          ...base,
          dependency: route.dependency,
          kind: 'route',
          what: `route to ${route.peer}`,
          verdict: `via ${route.nextHopType}`,
          decided_by: route.decidedBy,
          deciding_rules: [route.decidedBy],
          ...(route.change ? { change: route.change } : {}),
          ...(routeResource ? { resource_id: routeResource } : {}),
        });
      }
    }
  }
  return blocked;
}

/**
 * A finding that warns without paging: the subnet itself, an internal instance's private DNS, admin rules that
 * cannot be read, a required route through a device the monitor cannot read (at risk) that NetworkStatus does not
 * show working.
 */
export interface Warning {
  instance: string;
  apim_service: string;
  location: string;
  kind: 'subnet' | 'private-dns' | 'admin-rules' | 'route-at-risk';
  detail: string;
}

/**
 * Whether NetworkStatus shows the dependency working in the region (every endpoint up and fresh): the gateway's own
 * evidence that a route configuration could not judge leads where it should, for now.
 */
export function workingPerNetworkStatus(region: Pick<RegionReport, 'dependencies'>, dependency: string): boolean {
  const reports = region.dependencies.filter((candidate) => candidate.dependency === dependency);
  return reports.length > 0 && reports.every((candidate) => candidate.up);
}

/** A required (or paging) route that configuration cannot judge and NetworkStatus does not show working. */
function unsettledRoutes(region: RegionReport, gating: ReadonlySet<string>): RouteVerdict[] {
  return (region.config?.routes?.verdicts ?? []).filter((route) => route.unknown && gating.has(route.peer) && !workingPerNetworkStatus(region, route.dependency));
}

/** The peers whose flows are required by Microsoft's table or page by policy. */
function gatingPeers(region: RegionReport): Set<string> {
  return new Set((region.config?.flows ?? []).filter((flow) => flow.required || flow.pages).map((flow) => flow.peer));
}

export function warningsOf(report: FleetReport): Warning[] {
  const warnings: Warning[] = [];
  for (const instance of report.instances) {
    for (const region of instance.regions) {
      const config = region.config;
      if (!config) continue;
      const base = { instance: instance.instance.id, apim_service: instance.instance.name, location: region.location };
      for (const check of config.subnetChecks ?? []) if (!check.ok) warnings.push({ ...base, kind: 'subnet', detail: check.detail });
      for (const record of config.privateDns ?? []) if (record.state === 'missing' || record.state === 'stale') warnings.push({ ...base, kind: 'private-dns', detail: `${record.state}: ${record.detail}` });
      if (config.adminRules?.unreadable) warnings.push({ ...base, kind: 'admin-rules', detail: `security admin rules could not be read: ${config.adminRules.unreadable}` });
      for (const route of unsettledRoutes(region, gatingPeers(region))) {
        if (isAtRisk(route.unknown!.cause)) warnings.push({ ...base, kind: 'route-at-risk', detail: route.unknown!.reason });
      }
    }
  }
  return warnings;
}

/** An instance whose provisioning is under way (NetworkStatus refused) or whose last operation failed. */
export interface Provisioning {
  instance: string;
  apim_service: string;
  provisioning_state: string;
  target_provisioning_state: string | null;
  /** `transitioning`: its last status held; `stuck`: transitioning too long, a failed target; `failed`: the last operation failed. */
  state: 'transitioning' | 'stuck' | 'failed';
  since: string | null;
  detail: string;
}

/** One instance's provisioning, when it is not settled and successful. */
export function provisioningEntry(instance: InstanceReport): Provisioning | undefined {
  const transition = instance.transition;
  if (!transition) return undefined;
  return {
    instance: instance.instance.id,
    apim_service: instance.instance.name,
    provisioning_state: transition.provisioningState,
    target_provisioning_state: transition.targetProvisioningState ?? null,
    state: transition.failed ? 'failed' : transition.stuck ? 'stuck' : 'transitioning',
    since: transition.since ?? null,
    detail: transitionSentence(transition),
  };
}

export function provisioningOf(report: FleetReport): Provisioning[] {
  return report.instances.flatMap((instance) => provisioningEntry(instance) ?? []);
}

export function uncheckedOf(report: FleetReport): Unchecked[] {
  const unchecked: Unchecked[] = [];
  for (const failure of report.subscriptionFailures) {
    unchecked.push({ target: failure.subscriptionId ? `/subscriptions/${failure.subscriptionId}` : 'subscriptions', reason: `${failure.code}: ${failure.message}` });
  }
  for (const target of report.unresolvedTargets) unchecked.push({ target: target.id, reason: `${target.failure.code}: ${target.failure.message}` });
  for (const instance of report.instances) {
    if (instance.failure) unchecked.push({ target: instance.instance.id, reason: `${instance.failure.code}: ${instance.failure.message}` });
    for (const region of instance.regions) {
      // A transitioning instance without an earlier status (being created) is listed as transitioning instead.
      if (region.data === 'no-data' && !instance.transition?.held) unchecked.push({ target: `${instance.instance.id} (${region.location})`, reason: 'NetworkStatus returned no entries for this region' });
      const gating = new Set<string>();
      for (const flow of region.config?.flows ?? []) {
        if (!(flow.required || flow.pages)) continue;
        gating.add(flow.peer);
        if (flow.verdict !== 'unknown') continue;
        unchecked.push({ target: `${instance.instance.id} (${region.location})`, reason: `cannot judge ${flow.direction} ${flow.peer} ${flow.protocol}/${flow.port}: ${unknownReason(flow)}` });
      }
      // A path through a device is a warning (warningsOf); a route NetworkStatus shows working is settled.
      const unknownRoutes = unsettledRoutes(region, gating).filter((route) => !isAtRisk(route.unknown!.cause));
      if (unknownRoutes.length > 0) {
        unchecked.push({ target: `${instance.instance.id} (${region.location})`, reason: `cannot judge the routes of ${unknownRoutes.map((route) => route.peer).join(', ')}: ${unknownRoutes[0]!.unknown!.reason}` });
      }
    }
  }
  if (report.instances.length === 0 && unchecked.length === 0) {
    unchecked.push({ target: 'fleet', reason: 'no API Management instances found: check azure.subscriptions, targets.instances and targets.tags' });
  }
  return unchecked;
}
