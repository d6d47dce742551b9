import { compareGroup, type DriftGroupResult, type DriftMember } from './drift.js';
import { likeWithOf } from './drift-like-with.js';
import type { InstanceReport, RegionReport } from './report.js';
import { endpointNeeded, TUNNELLING_ENDPOINTS } from './requirements.js';

/** What drift is: a difference in any of these sets `apim_network_config_drift` and the alert. */
export const DRIFT_ASPECTS = ['flows', 'routes', 'service_endpoints'] as const;
/** Compared and shown, never drift: flows Microsoft's table marks optional (and that do not page). */
export const OPTIONAL_DRIFT_ASPECTS = ['optional_flows'] as const;
/** Compared within a region (APIM vs its VNet), not across the group. */
export const DNS_ASPECT = 'dns';
/** The `group` of the DNS check: each region against its own VNet. */
export const DNS_DRIFT_GROUP = 'vnet';

/** Cohorts of routes and service endpoints: forced-tunnelled and direct subnets differ in both by design. */
const FORCED_TUNNELLING = 'forced tunnelling';
const DIRECT_ROUTING = 'direct routing';

export interface DriftGroupSpec {
  name: string;
  instances?: string[];
  tag?: string;
}

type RegionConfig = NonNullable<RegionReport['config']>;

/**
 * Required flows (for this SKU: Developer's 6390 is not) and flows that page are drift; the rest are
 * optional. An `unknown` verdict says nothing of the configuration (it has its own alert): left out.
 */
function flowAspects(config: RegionConfig): { flows: Record<string, string>; optional_flows: Record<string, string> } {
  const flows: Record<string, string> = {};
  const optionalFlows: Record<string, string> = {};
  for (const flow of config.flows) {
    if (flow.verdict === 'unknown') continue;
    const key = `${flow.direction} ${flow.peer} ${flow.port}`;
    if (flow.required || flow.pages) flows[key] = flow.verdict;
    else optionalFlows[key] = flow.verdict;
  }
  return { flows, optional_flows: optionalFlows };
}

/** A route a gateway or appliance may take elsewhere is `unknown`: not a value to compare. */
function routeAspect(config: RegionConfig): Record<string, string> {
  const routes: Record<string, string> = {};
  for (const verdict of config.routes?.verdicts ?? []) {
    if (!verdict.unknown) routes[verdict.peer] = verdict.ok ? 'ok' : `via ${verdict.nextHopType}`;
  }
  return routes;
}

/** Service endpoints matter under forced tunnelling only, and only those it needs in this region and platform. */
function serviceEndpointAspect(config: RegionConfig, where: { region: string; primaryRegion: string; platformVersion: string }): Record<string, string> {
  if (!config.routes?.forcedTunnelling) return {};
  const endpoints: Record<string, string> = {};
  for (const { service, needed } of TUNNELLING_ENDPOINTS) {
    if (!endpointNeeded(needed, where)) continue;
    const endpoint = config.serviceEndpoints.find((candidate) => candidate.service.toLowerCase() === service.toLowerCase());
    if (endpoint) endpoints[endpoint.service] = String(endpoint.enabled);
  }
  return endpoints;
}

function memberOf(instance: InstanceReport, regionIndex: number): DriftMember | undefined {
  const region = instance.regions[regionIndex]!;
  const config = region.config;
  if (!config || config.state !== 'ok') return undefined;
  const where = { region: region.location, primaryRegion: instance.instance.regions[0]?.location ?? region.location, platformVersion: instance.instance.platformVersion };
  const tunnelling = config.routes?.forcedTunnelling ? FORCED_TUNNELLING : DIRECT_ROUTING;
  return {
    instance: instance.instance.id,
    apimService: instance.instance.name,
    location: region.location,
    likeWith: likeWithOf(instance.instance),
    aspects: { ...flowAspects(config), routes: routeAspect(config), service_endpoints: serviceEndpointAspect(config, where) },
    cohorts: { routes: tunnelling, service_endpoints: tunnelling },
  };
}

function tagValue(tags: Record<string, string>, name: string): string | undefined {
  return Object.entries(tags).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * Splits the fleet's instance-regions into the configured groups (default: one group, `fleet`). Within a
 * group, members are compared like with like (`DriftMember.likeWith`): the group's name stays as
 * configured, so that the metric's `group` label does not change when the fleet's mix does.
 */
export function driftGroups(instances: InstanceReport[], specs: readonly DriftGroupSpec[]): Map<string, DriftMember[]> {
  const groups = new Map<string, DriftMember[]>();
  const add = (name: string, instance: InstanceReport) => {
    // v2 tiers have their own group, as they always had (`fleet:v2`); likeWith splits them apart too.
    const group = likeWithOf(instance.instance).tier === 'v2' ? `${name}:v2` : name;
    const members = groups.get(group) ?? [];
    instance.regions.forEach((_, index) => {
      const member = memberOf(instance, index);
      if (member) members.push(member);
    });
    groups.set(group, members);
  };
  const monitored = instances.filter((instance) => instance.monitored);
  if (specs.length === 0) {
    for (const instance of monitored) add('fleet', instance);
    return groups;
  }
  for (const spec of specs) {
    if (spec.instances) {
      const wanted = new Set(spec.instances.map((id) => id.toLowerCase().replace(/\/$/, '')));
      for (const instance of monitored) if (wanted.has(instance.instance.id)) add(spec.name, instance);
    } else if (spec.tag) {
      for (const instance of monitored) {
        const value = tagValue(instance.instance.tags, spec.tag);
        if (value !== undefined) add(`${spec.name}:${value}`, instance);
      }
    }
  }
  return groups;
}

export function analyseDrift(instances: InstanceReport[], specs: readonly DriftGroupSpec[]): DriftGroupResult[] {
  return [...driftGroups(instances, specs).entries()].map(([group, members]) => compareGroup(group, members, DRIFT_ASPECTS, OPTIONAL_DRIFT_ASPECTS));
}
