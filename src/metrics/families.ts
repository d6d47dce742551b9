import type { FlowVerdict } from '../analysis/nsg/evaluate.js';
import type { EndpointReport, FleetReport, InstanceReport } from '../analysis/report.js';
import { compareIds } from '../model/fleet-order.js';
import type { Labels, Sample } from './exposition.js';

/**
 * The fleet's metric families, declared as pure functions of one instance's report
 * (kube-state-metrics style). Label names are a contract (docs/design.md, "Metrics"): extend, never rename.
 *
 * Every series carries the instance labels first (`INSTANCE_LABEL_NAMES`, with the region's
 * location), then the family's own `labelNames`, in that order. A family writes its series through
 * `emit(location, labelValues, value)`, `labelValues` in `labelNames` order, so that the renderer
 * can write lines without building a label object per series (see render.ts).
 */
export const INSTANCE_LABEL_NAMES = ['subscription_id', 'resource_group', 'apim_service', 'location'] as const;

export type RowSink = (location: string, labelValues: readonly string[], value: number) => void;

export interface FleetFamily {
  name: string;
  help: string;
  type: 'gauge';
  /** The family's own labels, written after the instance labels, in this order. */
  labelNames: readonly string[];
  /** Calls `emit` once per series, in a stable order; reads nothing but `instance`. */
  rows(instance: InstanceReport, emit: RowSink): void;
  /**
   * Reads what the fleet-wide analysis adds to an instance's report (drift) once every instance is in:
   * written from the complete report, not as each instance is judged.
   */
  fleetWide?: true;
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

/** An `unknown` flow has no value here: it is `apim_network_flow_unknown` instead (a guess is never exported as a verdict). */
const FLOW_VALUE = { allowed: 1, partial: 0.5, denied: 0, unknown: undefined } as const;

const FLOW_LABELS = ['direction', 'dependency', 'port', 'protocol', 'peer', 'required', 'decided_by'] as const;

const flowLabels = (flow: FlowVerdict): string[] => [flow.direction, flow.dependency, String(flow.port), flow.protocol, flow.peer, bool(flow.required), flow.decidedBy];

const epochSeconds = (iso: string | undefined): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

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
  {
    name: 'apim_network_flow_allowed',
    help: "Whether the subnet's NSG allows a flow APIM needs: 1 allowed, 0.5 partly (the deciding rules cover only part of the peer's addresses), 0 denied.",
    type: 'gauge',
    labelNames: FLOW_LABELS,
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const flow of region.config?.flows ?? []) {
          const value = FLOW_VALUE[flow.verdict];
          if (value !== undefined) emit(region.location, flowLabels(flow), value);
        }
      }
    },
  },
  {
    name: 'apim_network_flow_unknown',
    help: "1 for a flow APIM needs that the subnet's NSG cannot be judged on: a rule that could decide it holds a value the monitor cannot resolve (decided_by names it; the reason is in the JSON API).",
    type: 'gauge',
    labelNames: FLOW_LABELS,
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const flow of region.config?.flows ?? []) if (flow.verdict === 'unknown') emit(region.location, flowLabels(flow), 1);
      }
    },
  },
  {
    name: 'apim_network_admin_rule_blocking',
    help: "1 for a flow APIM needs that a Virtual Network Manager security admin rule denies, wholly or in part, before the NSG is consulted (the network manager's owners can change it; the NSG's cannot).",
    type: 'gauge',
    labelNames: ['direction', 'dependency', 'port', 'protocol', 'peer', 'required', 'network_manager', 'rule'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const flow of region.config?.flows ?? []) {
          const admin = flow.adminRule;
          if (admin?.access === 'Deny' && (flow.verdict === 'denied' || flow.verdict === 'partial')) {
            emit(region.location, [flow.direction, flow.dependency, String(flow.port), flow.protocol, flow.peer, bool(flow.required), admin.networkManager, admin.name], 1);
          }
        }
      }
    },
  },
  {
    name: 'apim_network_admin_rules_unreadable',
    help: "1 when the security admin rules of the region's VNet (Azure Virtual Network Manager) could not be read: the reason is in the JSON API; with rules known to be in force, the flows they could decide are unknown.",
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        const admin = region.config?.adminRules;
        if (admin) emit(region.location, [], admin.unreadable ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_route_ok',
    help: "Whether the subnet's effective routes send a dependency's traffic where APIM needs it (Internet or a service endpoint): 1 yes, 0 no. Absent where a gateway's routes make it unknown (apim_network_route_unknown).",
    type: 'gauge',
    labelNames: ['dependency', 'next_hop_type'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const verdict of region.config?.routes?.verdicts ?? []) {
          if (!verdict.unknown) emit(region.location, [verdict.dependency, verdict.nextHopType], verdict.ok ? 1 : 0);
        }
      }
    },
  },
  {
    name: 'apim_network_route_unknown',
    help: "1 for a dependency whose route cannot be judged: a gateway's routes (BGP or static, cause gateway or remote_gateway) reach the subnet and may override the system default route; the JSON API names the gateway. Such a route has no apim_network_route_ok series.",
    type: 'gauge',
    labelNames: ['dependency', 'cause'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const verdict of region.config?.routes?.verdicts ?? []) if (verdict.unknown) emit(region.location, [verdict.dependency, verdict.unknown.cause], 1);
      }
    },
  },
  {
    name: 'apim_network_service_endpoint_enabled',
    help: 'Whether the subnet has a service endpoint for the service in its region (what forced tunnelling needs).',
    type: 'gauge',
    labelNames: ['service'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const endpoint of region.config?.serviceEndpoints ?? []) emit(region.location, [endpoint.service], endpoint.enabled ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_forced_tunnelling',
    help: 'Whether the subnet sends 0.0.0.0/0 to an appliance, a gateway or nowhere (forced tunnelling).',
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        const routes = region.config?.routes;
        if (routes) emit(region.location, [], routes.forcedTunnelling ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_nsg_attached',
    help: 'Whether the region\'s subnet has a network security group.',
    type: 'gauge',
    labelNames: [],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        const config = region.config;
        if (config && (config.state === 'ok' || config.state === 'no-service-tags')) emit(region.location, [], config.nsgId ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_subnet_check_ok',
    help: "The subnet itself, per check: delegation (none on classic tiers, Microsoft.Web on v2), size (the tier's minimum), capacity (room for one more scale unit). 1 ok, 0 a finding (the JSON API says what).",
    type: 'gauge',
    labelNames: ['check'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const check of region.config?.subnetChecks ?? []) emit(region.location, [check.check], check.ok ? 1 : 0);
      }
    },
  },
  {
    name: 'apim_network_config_drift',
    help: 'Whether a region differs from its drift group (aspect flows, routes, service_endpoints), or APIM\'s DNS from its VNet (aspect dns, group vnet).',
    type: 'gauge',
    labelNames: ['aspect', 'group'],
    fleetWide: true,
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const entry of region.drift) emit(region.location, [entry.aspect, entry.group], entry.drifted ? 1 : 0);
      }
    },
  },
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

/** Configured instances the monitor could not resolve at all: visible as target_up 0, sorted by ID. */
export function unresolvedTargetSamples(report: Pick<FleetReport, 'unresolvedTargets'>): Sample[] {
  return [...report.unresolvedTargets]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((target) => ({
      labels: { subscription_id: target.subscriptionId, resource_group: target.resourceGroup, apim_service: target.name, location: '' },
      value: 0,
    }));
}
