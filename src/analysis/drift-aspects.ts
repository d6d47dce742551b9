import { compareGroup, type DriftGroupResult, type DriftMember } from './drift.js';
import type { InstanceReport } from './report.js';
import { FLOW_REQUIREMENTS, tierOf, TUNNELLING_ENDPOINTS } from './requirements.js';

const PRIMARY_REGION_ONLY = new Set(TUNNELLING_ENDPOINTS.filter((endpoint) => endpoint.needed === 'primary-region').map((endpoint) => endpoint.service.toLowerCase()));

export const DRIFT_ASPECTS = ['flows', 'routes', 'service_endpoints'] as const;
/** Compared within a region (APIM vs its VNet), not across the group. */
export const DNS_ASPECT = 'dns';
/** The `group` of the DNS check: each region against its own VNet. */
export const DNS_DRIFT_GROUP = 'vnet';

export interface DriftGroupSpec {
  name: string;
  instances?: string[];
  tag?: string;
}

/** Rows that legitimately differ between members: External-only and platform-specific flows. */
const MODE_SPECIFIC = new Set(
  FLOW_REQUIREMENTS.filter((row) => row.onlyVnetType || row.onlyPlatform).map((row) => `${row.direction.toLowerCase()} ${row.peer} ${row.port}`),
);

function memberOf(instance: InstanceReport, regionIndex: number): DriftMember | undefined {
  const region = instance.regions[regionIndex]!;
  const config = region.config;
  if (!config || config.state !== 'ok') return undefined;
  const flows: Record<string, string> = {};
  for (const flow of config.flows) {
    const key = `${flow.direction} ${flow.peer} ${flow.port}`;
    if (!MODE_SPECIFIC.has(key)) flows[key] = flow.verdict;
  }
  const routes: Record<string, string> = {};
  for (const verdict of config.routes?.verdicts ?? []) routes[verdict.peer] = verdict.unknown ? 'unknown' : verdict.ok ? 'ok' : `via ${verdict.nextHopType}`;
  const serviceEndpoints: Record<string, string> = {};
  for (const endpoint of config.serviceEndpoints) {
    // SQL's service endpoint belongs in the primary region only (the requirement catalogue): expected to differ.
    if (PRIMARY_REGION_ONLY.has(endpoint.service.toLowerCase()) && !region.primary) continue;
    serviceEndpoints[endpoint.service] = String(endpoint.enabled);
  }
  return {
    instance: instance.instance.id,
    apimService: instance.instance.name,
    location: region.location,
    aspects: { flows, routes, service_endpoints: serviceEndpoints },
  };
}

function tagValue(tags: Record<string, string>, name: string): string | undefined {
  return Object.entries(tags).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** Splits the fleet's instance-regions into the configured groups (default: one group, `fleet`). */
export function driftGroups(instances: InstanceReport[], specs: readonly DriftGroupSpec[]): Map<string, DriftMember[]> {
  const groups = new Map<string, DriftMember[]>();
  const add = (name: string, instance: InstanceReport) => {
    // v2 tiers follow other requirements: they are compared with one another, never with classic instances.
    const group = tierOf(instance.instance.sku) === 'v2' ? `${name}:v2` : name;
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
  return [...driftGroups(instances, specs).entries()].map(([group, members]) => compareGroup(group, members, DRIFT_ASPECTS));
}
