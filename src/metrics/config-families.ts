import type { FlowVerdict } from '../analysis/nsg/evaluate.js';
import { bool, type FleetFamily } from './family.js';

/** The families of the network configuration's verdicts: flows, admin rules, routes, the subnet, private DNS, drift. */

/** An `unknown` flow has no value here: it is `apim_network_flow_unknown` instead (a guess is never exported as a verdict). */
const FLOW_VALUE = { allowed: 1, partial: 0.5, denied: 0, unknown: undefined } as const;

const FLOW_LABELS = ['direction', 'dependency', 'port', 'protocol', 'peer', 'required', 'decided_by'] as const;

const flowLabels = (flow: FlowVerdict): string[] => [flow.direction, flow.dependency, String(flow.port), flow.protocol, flow.peer, bool(flow.required), flow.decidedBy];

export const CONFIG_FAMILIES: readonly FleetFamily[] = [
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
    help: "Whether the subnet's effective routes send a dependency's traffic where APIM needs it (Internet or a service endpoint): 1 yes, 0 no. Absent where the route is unknown or at risk (apim_network_route_unknown).",
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
    help: "1 for a dependency whose route configuration cannot judge: a gateway's routes may override the system default route (cause gateway, remote_gateway, virtual_hub), or the traffic goes through a device the monitor cannot read and is at risk (cause appliance, on_premises, hub_firewall); the JSON API names the gateway or device. Such a route has no apim_network_route_ok series.",
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
    name: 'apim_network_config_change_timestamp_seconds',
    help: "When the region's latest network configuration change was made (its ARM write; before Resource Graph records it, when the monitor first read it), and who made the part of it that changed a verdict (the rules, routes or endpoints that decided it; else all of it): author_state found (changed_by, changed_by_type, client_type, operation as Resource Graph's resourcechanges recorded them; System or Unknown as Azure writes them), ambiguous (several people's writes could have made it and their records cannot tell which: each label lists them, comma-separated, newest first), pending (no record of a write that touched it yet; records arrive within about five minutes), not-recorded or unreadable. One series per region; what changed, and the verdicts it changed, are in the JSON API.",
    type: 'gauge',
    labelNames: ['resource_type', 'resource', 'author_state', 'changed_by', 'changed_by_type', 'client_type', 'operation'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        const latest = region.config?.changes?.[0];
        if (!latest) continue;
        const authors = latest.authorState === 'ambiguous' ? (latest.candidates ?? []) : latest.author ? [latest.author] : [];
        const each = (field: 'changedBy' | 'changedByType' | 'clientType' | 'operation') => [...new Set(authors.map((author) => author[field]))].join(', ');
        emit(
          region.location,
          [latest.resourceKind, latest.resourceName, latest.authorState, each('changedBy'), each('changedByType'), each('clientType'), each('operation')],
          Date.parse(authors[0]?.timestamp ?? latest.detectedAt) / 1000,
        );
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
    name: 'apim_network_private_dns_record',
    help: "Internal mode: the state of a host name's A record in the private DNS zones linked to the VNet, against the region's private VIP: 1 for the current state (ok, missing, stale: points elsewhere, unknown: custom DNS servers or unreadable).",
    type: 'gauge',
    labelNames: ['hostname', 'state'],
    rows: (instance, emit) => {
      for (const region of instance.regions) {
        for (const record of region.config?.privateDns ?? []) emit(region.location, [record.hostname, record.state], 1);
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
];
