import type { EndpointReport, FleetReport, InstanceReport, RegionReport } from '../analysis/report.js';
import type { Labels, Sample } from './exposition.js';

/**
 * The fleet's metric families, declared as pure functions of one instance's report
 * (kube-state-metrics style). Label names are a contract (design.md): extend, never rename.
 */
export interface FleetFamily {
  name: string;
  help: string;
  type: 'gauge';
  samples(instance: InstanceReport): Sample[];
}

const bool = (value: boolean): string => (value ? 'true' : 'false');

export function instanceLabels(instance: InstanceReport, location: string): Labels {
  return {
    subscription_id: instance.instance.subscriptionId,
    resource_group: instance.instance.resourceGroup,
    apim_service: instance.instance.name,
    location,
  };
}

function endpointLabels(instance: InstanceReport, region: RegionReport, endpoint: EndpointReport): Labels {
  return {
    ...instanceLabels(instance, region.location),
    dependency: endpoint.dependency,
    resource_type: endpoint.resourceType,
    endpoint: endpoint.endpoint,
    required: bool(endpoint.required),
  };
}

function perEndpoint(instance: InstanceReport, value: (endpoint: EndpointReport) => number | undefined): Sample[] {
  const samples: Sample[] = [];
  for (const region of instance.regions) {
    for (const endpoint of region.endpoints) {
      const sampleValue = value(endpoint);
      if (sampleValue !== undefined) samples.push({ labels: endpointLabels(instance, region, endpoint), value: sampleValue });
    }
  }
  return samples;
}

const epochSeconds = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

export const FLEET_FAMILIES: readonly FleetFamily[] = [
  {
    name: 'apim_network_endpoint_up',
    help: 'NetworkStatus of one APIM dependency endpoint in one region: 1 success, 0 failure, initializing or stale.',
    type: 'gauge',
    samples: (instance) => perEndpoint(instance, (endpoint) => (endpoint.up ? 1 : 0)),
  },
  {
    name: 'apim_network_endpoint_stale',
    help: '1 when the endpoint\'s lastUpdated is older than the staleness window (the platform stopped refreshing it).',
    type: 'gauge',
    samples: (instance) => perEndpoint(instance, (endpoint) => (endpoint.stale ? 1 : 0)),
  },
  {
    name: 'apim_network_endpoint_last_updated_timestamp_seconds',
    help: 'When APIM last checked this endpoint (lastUpdated), in seconds since the epoch.',
    type: 'gauge',
    samples: (instance) => perEndpoint(instance, (endpoint) => epochSeconds(endpoint.lastUpdated)),
  },
  {
    name: 'apim_network_endpoint_last_status_change_timestamp_seconds',
    help: 'When this endpoint\'s status last changed (lastStatusChange), in seconds since the epoch.',
    type: 'gauge',
    samples: (instance) => perEndpoint(instance, (endpoint) => epochSeconds(endpoint.lastStatusChange)),
  },
  {
    name: 'apim_network_dependency_up',
    help: 'Worst status of a dependency\'s endpoints in one region: 1 all up, 0 any failing or stale.',
    type: 'gauge',
    samples: (instance) =>
      instance.regions.flatMap((region) =>
        region.dependencies.map((dependency) => ({
          labels: { ...instanceLabels(instance, region.location), dependency: dependency.dependency, required: bool(dependency.required) },
          value: dependency.up ? 1 : 0,
        })),
      ),
  },
  {
    name: 'apim_network_status_entries',
    help: 'Connectivity entries NetworkStatus returned for the region; 0 means no data, which is never healthy.',
    type: 'gauge',
    samples: (instance) =>
      instance.regions.map((region) => ({ labels: instanceLabels(instance, region.location), value: region.endpoints.length })),
  },
  {
    name: 'apim_instance_info',
    help: 'One series per APIM instance and region, with its SKU, platform version, VNet mode and whether the region is primary.',
    type: 'gauge',
    samples: (instance) =>
      instance.instance.regions.map((region) => ({
        labels: {
          ...instanceLabels(instance, region.location),
          sku: instance.instance.sku,
          platform_version: instance.instance.platformVersion,
          vnet_type: instance.instance.vnetType,
          primary: bool(region.primary),
        },
        value: 1,
      })),
  },
  {
    name: 'apim_netwatch_target_up',
    help: 'Whether the monitor could read the APIM instance from ARM in the last poll (1) or not (0).',
    type: 'gauge',
    samples: (instance) => [
      { labels: instanceLabels(instance, instance.instance.regions[0]?.location ?? ''), value: instance.targetUp ? 1 : 0 },
    ],
  },
];

/** Configured instances the monitor could not resolve at all: visible as target_up 0. */
export function unresolvedTargetSamples(report: FleetReport): Sample[] {
  return report.unresolvedTargets.map((target) => ({
    labels: { subscription_id: target.subscriptionId, resource_group: target.resourceGroup, apim_service: target.name, location: '' },
    value: 0,
  }));
}
