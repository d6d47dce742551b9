import type { RegionConfigReport } from '../analysis/network.js';
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

const FLOW_VALUE = { allowed: 1, partial: 0.5, denied: 0 } as const;

function perRegionConfig(instance: InstanceReport, samples: (region: RegionReport, config: RegionConfigReport) => Sample[]): Sample[] {
  return instance.regions.flatMap((region) => (region.config ? samples(region, region.config) : []));
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
    name: 'apim_network_flow_allowed',
    help: "Whether the subnet's NSG allows a flow APIM needs: 1 allowed, 0.5 partly (the deciding rules cover only part of the peer's addresses), 0 denied.",
    type: 'gauge',
    samples: (instance) =>
      perRegionConfig(instance, (region, config) =>
        config.flows.map((flow) => ({
          labels: {
            ...instanceLabels(instance, region.location),
            direction: flow.direction,
            dependency: flow.dependency,
            port: String(flow.port),
            protocol: flow.protocol,
            peer: flow.peer,
            required: bool(flow.required),
            decided_by: flow.decidedBy,
          },
          value: FLOW_VALUE[flow.verdict],
        })),
      ),
  },
  {
    name: 'apim_network_route_ok',
    help: "Whether the subnet's effective routes send a dependency's traffic where APIM needs it (Internet or a service endpoint): 1 yes, 0 no.",
    type: 'gauge',
    samples: (instance) =>
      perRegionConfig(instance, (region, config) =>
        (config.routes?.verdicts ?? []).map((verdict) => ({
          labels: { ...instanceLabels(instance, region.location), dependency: verdict.dependency, next_hop_type: verdict.nextHopType },
          value: verdict.ok ? 1 : 0,
        })),
      ),
  },
  {
    name: 'apim_network_service_endpoint_enabled',
    help: 'Whether the subnet has a service endpoint for the service in its region (what forced tunnelling needs).',
    type: 'gauge',
    samples: (instance) =>
      perRegionConfig(instance, (region, config) =>
        config.serviceEndpoints.map((endpoint) => ({
          labels: { ...instanceLabels(instance, region.location), service: endpoint.service },
          value: endpoint.enabled ? 1 : 0,
        })),
      ),
  },
  {
    name: 'apim_network_forced_tunnelling',
    help: 'Whether the subnet sends 0.0.0.0/0 to an appliance, a gateway or nowhere (forced tunnelling).',
    type: 'gauge',
    samples: (instance) =>
      perRegionConfig(instance, (region, config) =>
        config.routes ? [{ labels: instanceLabels(instance, region.location), value: config.routes.forcedTunnelling ? 1 : 0 }] : [],
      ),
  },
  {
    name: 'apim_network_nsg_attached',
    help: 'Whether the region\'s subnet has a network security group.',
    type: 'gauge',
    samples: (instance) =>
      perRegionConfig(instance, (region, config) =>
        config.state === 'ok' || config.state === 'no-service-tags' ? [{ labels: instanceLabels(instance, region.location), value: config.nsgId ? 1 : 0 }] : [],
      ),
  },
  {
    name: 'apim_network_config_drift',
    help: 'Whether a region differs from its drift group (aspect flows, routes, service_endpoints), or APIM\'s DNS from its VNet (aspect dns, group vnet).',
    type: 'gauge',
    samples: (instance) =>
      instance.regions.flatMap((region) =>
        region.drift.map((entry) => ({
          labels: { ...instanceLabels(instance, region.location), aspect: entry.aspect, group: entry.group },
          value: entry.drifted ? 1 : 0,
        })),
      ),
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
