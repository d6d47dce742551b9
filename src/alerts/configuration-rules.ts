import { DECIDING_RULE, onInstancePage, WHERE, WHO_CHANGED_IT } from './annotations.js';
import { gatingFlows, indented, onGatingDependency, pagingSeries, promql, REGION } from './promql.js';
import type { AlertRule, RuleGroup, RulesOptions } from './types.js';

/**
 * Predictive, from the network configuration: NSG rules, Virtual Network Manager admin rules and routes that
 * block what APIM needs, and drift.
 */

/**
 * The labels of a flow alert. decided_by (the deciding NSG rule, a bounded label) is part of it so the description
 * can name the rule without a `query` template: a rule renamed, or another rule deciding, is another alert.
 */
const FLOW = `${REGION}, direction, dependency, peer, port, protocol`;
const FLOW_WITH_RULE = `${FLOW}, decided_by`;

/** The flows whose denial pages: required by Microsoft's table of a dependency that pages, or of one that pages on any endpoint. */
const deniedPagingFlows = (options: RulesOptions): string => promql`
  min by (${FLOW_WITH_RULE}) (
    ${indented(pagingSeries('apim_network_flow_allowed', options), 4)}
  ) == 0`;

function apimNetworkRequiredFlowDenied(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkRequiredFlowDenied',
    // The configuration watch sees a change within a minute: this pages before APIM's own NetworkStatus
    // (refreshed about every 15 minutes) does. Definitive denials only: a partial or unknown verdict, or
    // a flow of a dependency that does not page, is ApimNetworkRequiredFlowBlocked's warning.
    // An admin rule's denial pages too (the flow is as dead); its own warning names the network manager.
    expr: deniedPagingFlows(options),
    // Long enough for two evaluations (15 s apart in this group), short enough to page within 3 minutes of
    // the write: watch <= 60 s, scrape <= 30 s, evaluation <= 15 s, this, Alertmanager's group_wait.
    // On Azure (1-minute floor) interval + for is kept: for 0 (azure.ts, azureFor).
    for: '30s',
    severity: 'critical',
    summary: 'APIM {{ $labels.apim_service }}: configuration denies {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} ({{ $labels.dependency }}) in {{ $labels.location }}',
    description:
      `${WHERE}: the network configuration denies the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }}, which dependency {{ $labels.dependency }} needs. APIM breaks once the platform notices (NetworkStatus refreshes about every 15 minutes).` +
      DECIDING_RULE +
      WHO_CHANGED_IT,
  };
}

function apimNetworkRequiredFlowBlocked(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkRequiredFlowBlocked',
    // Predictive: the NSG denies (0) or only partly allows (0.5) a flow APIM needs, which the
    // platform may not have noticed yet. A denial that pages is ApimNetworkRequiredFlowDenied's. decided_by is a
    // label of the alert (named in the description without a `query`): a rule renamed restarts the 20 minutes.
    // Required by Microsoft's table, or paging by policy (Graph's Entra flow).
    // A flow an admin rule denies is ApimNetworkAdminRuleBlocksFlow's: another owner, another fix.
    expr: promql`
      min by (${FLOW_WITH_RULE}) (
        ${indented(gatingFlows('apim_network_flow_allowed', options), 8)}
      ) < 1
      unless on (${REGION}, direction, dependency, peer, port, protocol)
        group by (${REGION}, direction, dependency, peer, port, protocol) (apim_network_admin_rule_blocking)
      unless on (${REGION}, direction, dependency, peer, port, protocol)
        ${indented(deniedPagingFlows(options), 8)}`,
    // Two consecutive polls: a half-applied NSG change does not alert.
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: NSG blocks {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} in {{ $labels.location }}',
    description:
      `${WHERE}: the subnet's NSG {{ if lt $value 0.5 }}denies{{ else }}allows only part of{{ end }} the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }} (dependency {{ $labels.dependency }}).` +
      DECIDING_RULE +
      ' APIM breaks once the platform notices.',
  };
}

function apimNetworkAdminRuleBlocksFlow(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkAdminRuleBlocksFlow',
    // Azure Virtual Network Manager's admin rules come before the NSG: whatever the NSG says, this
    // traffic is denied, and only the network manager's owners (often a central team) can change it.
    expr: promql`
      max by (${REGION}, direction, dependency, peer, port, protocol, network_manager, rule) (
        ${indented(gatingFlows('apim_network_admin_rule_blocking', options), 8)}
      ) == 1`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: admin rule {{ $labels.rule }} blocks {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} in {{ $labels.location }}',
    description:
      `${WHERE}: security admin rule {{ $labels.rule }} of the Azure Virtual Network Manager {{ $labels.network_manager }} denies the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }} (dependency {{ $labels.dependency }}). Admin rules are evaluated before the subnet's NSG, so no NSG rule can allow it: the network manager's owners must exempt APIM's subnet or the flow. APIM breaks once the platform notices.`,
  };
}

function apimNetworkAdminRulesUnreadable(): AlertRule {
  return {
    alert: 'ApimNetworkAdminRulesUnreadable',
    expr: promql`
      max by (${REGION}) (apim_network_admin_rules_unreadable) == 1`,
    for: '30m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: cannot read the VNet\'s security admin rules in {{ $labels.location }}',
    description: `${WHERE}: apim-netwatch could not read the security admin rules (Azure Virtual Network Manager) in force on the region's VNet, which Azure evaluates before the NSG. Where Resource Graph shows rules in force, the flows they could decide are reported unknown; otherwise flows are judged on the NSG alone. The JSON API and the status page say why (usually a missing permission: Microsoft.Network/virtualNetworks/listNetworkManagerEffectiveSecurityAdminRules/action).`,
  };
}

function apimNetworkRequiredFlowUnknown(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkRequiredFlowUnknown',
    // A guess is never a verdict: a rule that could decide the flow holds a value the monitor cannot
    // resolve (a tag its data lacks, an unparsable port or prefix, an invalid priority).
    expr: promql`
      max by (${FLOW_WITH_RULE}) (
        ${indented(gatingFlows('apim_network_flow_unknown', options), 8)}
      ) == 1`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: cannot judge {{ $labels.direction }} {{ $labels.peer }}:{{ $labels.port }} in {{ $labels.location }}',
    description:
      `${WHERE}: a rule of the subnet's NSG that could decide the required {{ $labels.direction }} flow to {{ $labels.peer }} on {{ $labels.protocol }} {{ $labels.port }} (dependency {{ $labels.dependency }}) holds a value apim-netwatch cannot resolve: a service tag its tag data does not hold, a port or prefix that is not valid, or a priority outside 100-4096.` +
      ' Rule: {{ $labels.decided_by }}.' +
      ' The status page and the JSON API say why; apim-netwatch whatif does too.',
  };
}

function apimNetworkRequiredRouteBroken(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkRequiredRouteBroken',
    // route_ok has no `required` label: a dependency is required here when one of its flows is
    // required by Microsoft's table or pages by policy. Expected asymmetries (SQL outside the
    // primary region, Key Vault on stv1) are already route_ok 1.
    expr: promql`
      min by (${REGION}, dependency, next_hop_type) (apim_network_route_ok) == 0
      ${indented(onGatingDependency(options), 6)}`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: {{ $labels.dependency }} traffic routed to {{ $labels.next_hop_type }} in {{ $labels.location }}',
    description: `${WHERE}: the subnet's routes send the traffic of the required dependency {{ $labels.dependency }} to next hop {{ $labels.next_hop_type }} instead of Internet or a service endpoint. With forced tunnelling APIM needs service endpoints (Storage, SQL in the primary region, Key Vault, Event Hubs) and a route ApiManagement -> Internet.${onInstancePage('who changed the routes last')}`,
  };
}

function apimNetworkRequiredRouteUnknown(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkRequiredRouteUnknown',
    // Configuration cannot judge the route: a gateway's routes (BGP from on-premises, most often 0.0.0.0/0) reach
    // the subnet, or the traffic goes through a firewall or appliance the monitor cannot read (at risk). Where
    // NetworkStatus shows the dependency working, the gateway's own evidence settles it for now: no warning.
    expr: promql`
      max by (${REGION}, dependency, cause) (apim_network_route_unknown) == 1
      ${indented(onGatingDependency(options), 6)}
      unless on (${REGION}, dependency)
        min by (${REGION}, dependency) (apim_network_dependency_up) == 1`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: {{ $labels.dependency }} traffic {{ if eq $labels.cause "appliance" "on_premises" "hub_firewall" }}goes through a device the monitor cannot read{{ else }}may be routed by a gateway{{ end }} in {{ $labels.location }}',
    // At most 1,024 characters (Azure's cap on an annotation): the gateway and device are named by the JSON API.
    description: `${WHERE}: {{ $labels.dependency }} traffic {{ if eq $labels.cause "appliance" }}goes through a virtual appliance (forced tunnelling){{ else if eq $labels.cause "on_premises" }}goes to the VNet gateway, i.e. on-premises{{ else if eq $labels.cause "hub_firewall" }}goes to the Virtual WAN hub's firewall{{ else }}may follow a gateway's routes ({{ if eq $labels.cause "remote_gateway" }}a peered VNet's, by gateway transit{{ else if eq $labels.cause "virtual_hub" }}a Virtual WAN hub's, or an unreadable hub{{ else }}the VNet's own{{ end }}): if on-premises advertises 0.0.0.0/0 (common with ExpressRoute), it goes there, not to Internet{{ end }}. It works only if that path lets it out; NetworkStatus does not show it working. The JSON API names the device or gateway; a service endpoint (Storage, SQL, Key Vault, Event Hubs) takes the traffic off that path.`,
  };
}

function apimNetworkSubnetCheckFailed(): AlertRule {
  return {
    alert: 'ApimNetworkSubnetCheckFailed',
    expr: promql`
      min by (${REGION}, check) (apim_network_subnet_check_ok) == 0`,
    // Not urgent by itself: a wrong delegation or a full subnet fails the next deployment or scale-out.
    for: '30m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: subnet {{ $labels.check }} check fails in {{ $labels.location }}',
    description: `${WHERE}: the APIM subnet fails its {{ $labels.check }} check. {{ if eq $labels.check "delegation" }}Classic tiers need a subnet without delegation; v2 VNet integration needs it delegated to Microsoft.Web/serverFarms, Premium v2 injection to Microsoft.Web/hostingEnvironments.{{ else if eq $labels.check "size" }}The subnet is smaller than the tier allows (/27 for the v2 tiers).{{ else }}One more scale unit would not fit: a scale-out, or an update that needs new addresses, would fail.{{ end }} The JSON API and the status page say what was found.`,
  };
}

function apimNetworkPrivateDnsRecordWrong(): AlertRule {
  return {
    alert: 'ApimNetworkPrivateDnsRecordWrong',
    // Internal mode: clients resolve the instance's names only through the VNet's private DNS.
    expr: promql`
      max by (${REGION}, hostname, state) (apim_network_private_dns_record{state=~"missing|stale"}) == 1`,
    for: '30m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: private DNS record for {{ $labels.hostname }} is {{ $labels.state }} in {{ $labels.location }}',
    description: `${WHERE}: inside the VNet, {{ $labels.hostname }} {{ if eq $labels.state "stale" }}resolves to an address that is not the instance's private VIP in this region (a record left behind after the instance moved subnet?){{ else }}has no A record in the private DNS zones linked to the VNet{{ end }}. Clients cannot reach this endpoint while NetworkStatus stays green. The JSON API and the status page name the zone, the record and the expected address.`,
  };
}

function apimNetworkConfigDrift(): AlertRule {
  return {
    alert: 'ApimNetworkConfigDrift',
    expr: promql`
      max by (${REGION}, aspect, group) (apim_network_config_drift) == 1`,
    // Drift is not urgent; it must survive a few polls (and a rollout across regions) first.
    for: '1h',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: {{ $labels.aspect }} configuration drifted in {{ $labels.location }}',
    description: `${WHERE}: its {{ $labels.aspect }} configuration differs from the members of its drift group {{ $labels.group }} like it: same VNet mode, platform and tier family (for aspect dns: APIM's DNS servers differ from its VNet's). Expected asymmetries (optional flows, forced tunnelling's routes and service endpoints) are not counted; /api/v1/status names what differs.`,
  };
}

/**
 * The `apim-network-configuration-page` group: evaluated every 15 s whatever Prometheus's global interval,
 * so that a breaking change pages within 3 minutes of the write.
 */
export function configurationPageGroup(options: RulesOptions): RuleGroup {
  return { name: 'apim-network-configuration-page', interval: '15s', rules: [apimNetworkRequiredFlowDenied(options)] };
}

/** The `apim-network-configuration` group. */
export function configurationGroup(options: RulesOptions): RuleGroup {
  return {
    name: 'apim-network-configuration',
    rules: [
      apimNetworkRequiredFlowBlocked(options),
      apimNetworkAdminRuleBlocksFlow(options),
      apimNetworkRequiredFlowUnknown(options),
      apimNetworkAdminRulesUnreadable(),
      apimNetworkRequiredRouteBroken(options),
      apimNetworkRequiredRouteUnknown(options),
      apimNetworkSubnetCheckFailed(),
      apimNetworkPrivateDnsRecordWrong(),
      apimNetworkConfigDrift(),
    ],
  };
}
