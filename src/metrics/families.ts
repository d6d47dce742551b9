import type { EndpointReport, FleetReport, InstanceReport } from '../analysis/report.js';
import { CONFIG_FAMILIES } from './config-families.js';
import { PROBE_FAMILIES } from './probe-families.js';
import type { Sample } from './exposition.js';
import { bool, instanceLabels, type FleetFamily, type RowSink } from './family.js';

export { INSTANCE_LABEL_NAMES, instanceLabels, type FleetFamily, type RowSink } from './family.js';

const ENDPOINT_LABELS = ['dependency', 'resource_type', 'endpoint', 'required'] as const;

function perEndpoint(instance: InstanceReport, emit: RowSink, value: (endpoint: EndpointReport) => number | undefined): void {
  for (const region of instance.regions) {
    for (const endpoint of region.endpoints) {
      const sampleValue = value(endpoint);
      if (sampleValue !== undefined) {
        emit(region.location, [endpoint.dependency, endpoint.resourceType, endpoint.endpoint, bool(endpoint.required)], sampleValue);
      }
    }
  }
}

const epochSeconds = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

/** The fleet's metric families in exposition order (family.ts says how a family is declared). */
export const FLEET_FAMILIES: readonly FleetFamily[] = [
  {
    name: 'apim_network_endpoint_up',
    help: 'NetworkStatus of one APIM dependency endpoint in one region: 1 success, 0 failure, initializing or stale.',
    type: 'gauge',
    labelNames: ENDPOINT_LABELS,
    rows: (instance, emit) => perEndpoint(instance, emit, (endpoint) => (endpoint.up ? 1 : 0)),
  },
  {
    name: 'apim_network_endpoint_stale',
    help: '1 when the endpoint\'s lastUpdated is older than the staleness window (the platform stopped refreshing it).',
    type: 'gauge',
    labelNames: ENDPOINT_LABELS,
    rows: (instance, emit) => perEndpoint(instance, emit, (endpoint) => (endpoint.stale ? 1 : 0)),
  },
  {
    name: 'apim_network_endpoint_last_updated_timestamp_seconds',
    help: 'When APIM last checked this endpoint (lastUpdated), in seconds since the epoch.',
    type: 'gauge',
    labelNames: ENDPOINT_LABELS,
    rows: (instance, emit) => perEndpoint(instance, emit, (endpoint) => epochSeconds(endpoint.lastUpdated)),
  },
  {
    name: 'apim_network_endpoint_last_status_change_timestamp_seconds',
    help: 'When this endpoint\'s status last changed (lastStatusChange), in seconds since the epoch.',
    type: 'gauge',
    labelNames: ENDPOINT_LABELS,
    rows: (instance, emit) => perEndpoint(instance, emit, (endpoint) => epochSeconds(endpoint.lastStatusChange)),
  },
  {
    name: 'apim_network_dependency_up',
    help: 'Worst status of a dependency\'s endpoints in one region: 1 all up, 0 any failing or stale.',
    type: 'gauge',
    labelNames: ['dependency', 'required'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const dependency of region.dependencies) emit(region.location, [dependency.dependency, bool(dependency.required)], dependency.up ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_status_entries',
    help: 'Connectivity entries NetworkStatus returned for the region; 0 means no data, which is never healthy. Absent for a v2-tier instance whose NetworkStatus the API does not give.',
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => {
      for (const region of instance.regions) if (region.data !== 'not-available') emit(region.location, [], region.endpoints.length);
    },
  },
  ...CONFIG_FAMILIES,
  ...PROBE_FAMILIES,
  {
    name: 'apim_instance_info',
    help: 'One series per APIM instance and region, with its SKU, platform version, VNet mode and whether the region is primary.',
    type: 'gauge',
    labelNames: ['sku', 'platform_version', 'vnet_type', 'primary'],
    rows: (instance, emit) => {
      const info = instance.instance;
      for (const region of info.regions) emit(region.location, [info.sku, info.platformVersion, info.vnetType, bool(region.primary)], 1);
    },
  },
  {
    name: 'apim_netwatch_target_up',
    help: 'Whether the monitor could read the APIM instance from ARM in the last poll (1) or not (0).',
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => emit(instance.instance.regions[0]?.location ?? '', [], instance.targetUp ? 1 : 0),
  },
  {
    name: 'apim_instance_provisioning_state',
    help: 'ARM\'s provisioningState of the APIM instance (Succeeded, Updating, Failed, ...) and its targetProvisioningState (empty when no operation runs): 1, location = primary region; absent when ARM gives none.',
    type: 'gauge',
    labelNames: ['provisioning_state', 'target_provisioning_state'],
    rows: (instance, emit) => {
      const info = instance.instance;
      if (info.provisioningState) emit(info.regions[0]?.location ?? '', [info.provisioningState, info.targetProvisioningState ?? ''], 1);
    },
  },
  {
    name: 'apim_netwatch_instance_transitioning',
    help: '1 while the instance transitions (Activating, Updating, ...) and NetworkStatus refuses to answer: its last status is held, not judged stale, and its dependency, status and target alerts hold; 0 otherwise, and once it has transitioned for over 6 h (stuck: a failed target).',
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => emit(instance.instance.regions[0]?.location ?? '', [], instance.transition?.held ? 1 : 0),
  },
];

/** The family that also carries the configured instances the monitor could not resolve at all. */
export const TARGET_UP_FAMILY = 'apim_netwatch_target_up';

/** A family's series for one instance as label objects (labels in exposition order): for tests and the prom-client baseline. */
export function familySamples(family: FleetFamily, instance: InstanceReport): Sample[] {
  const samples: Sample[] = [];
  family.rows(instance, (location, labelValues, value) => {
    const labels: Record<string, string> = { ...instanceLabels(instance, location) };
    family.labelNames.forEach((name, index) => {
      labels[name] = labelValues[index]!;
    });
    samples.push({ labels, value });
  });
  return samples;
}

/** A configured instance the monitor could not resolve at all: visible as target_up 0. */
export function unresolvedTargetSample(target: FleetReport['unresolvedTargets'][number]): Sample {
  return { labels: { subscription_id: target.subscriptionId, resource_group: target.resourceGroup, apim_service: target.name, location: '' }, value: 0 };
}
