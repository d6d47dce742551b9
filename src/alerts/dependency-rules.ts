import { MONITOR_MAY_BE_BLIND, onInstancePage, WHERE } from './annotations.js';
import { indented, pagingSeries, promql, REGION, UNLESS_TRANSITIONING } from './promql.js';
import type { AlertRule, RuleGroup, RulesOptions } from './types.js';

/**
 * The fleet's dependencies: the page (a dependency the paging policy covers is down) and the warnings for
 * the endpoints and dependencies that do not page.
 */

function apimNetworkDependencyDown(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkDependencyDown',
    // The paging policy: storage, SQL and Key Vault page on the endpoints the API marks required (an
    // optional FileStorage that an SMB-blocking baseline fails forever must not page), Graph on any
    // endpoint (the API marks it optional, yet sign-in breaks without it). The exporter already makes
    // stale endpoints 0 and rolls them up; the endpoint series are read too, so the page holds on any
    // one signal (e.g. a federated or relabelled series set that lacks the roll-up).
    expr: promql`
      (
        min by (${REGION}, dependency) (
          ${indented(pagingSeries('apim_network_dependency_up', options), 10)}
        ) == 0
        or
        min by (${REGION}, dependency) (
          ${indented(pagingSeries('apim_network_endpoint_up', options), 10)}
        ) == 0
        or
        max by (${REGION}, dependency) (
          ${indented(pagingSeries('apim_network_endpoint_stale', options), 10)}
        ) == 1
      )
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    // NetworkStatus changes once per 15-minute poll: 5m rides out one odd scrape and still pages
    // within minutes of the poll that saw it.
    for: '5m',
    severity: 'critical',
    summary: 'APIM {{ $labels.apim_service }} cannot reach {{ $labels.dependency }} in {{ $labels.location }}',
    description:
      `${WHERE} reports its dependency {{ $labels.dependency }} failing or stale: the gateway in this region cannot use it.` +
      onInstancePage("the failing endpoints with the API's error text, the likely cause (an NSG rule or a route) and who changed the configuration last") +
      MONITOR_MAY_BE_BLIND,
  };
}

function apimNetworkOptionalEndpointDown(options: RulesOptions): AlertRule {
  return {
    alert: 'ApimNetworkOptionalEndpointDown',
    // The endpoints a paging dependency's policy leaves out (FileStorage for Git, the SMTP queue):
    // a feature degrades, nobody is woken.
    expr: promql`
      min by (${REGION}, dependency) (
        apim_network_dependency_up{dependency=~"${options.pagingRequiredRegex}",required="false"}
      ) == 0
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: optional {{ $labels.dependency }} endpoints down in {{ $labels.location }}',
    description:
      `${WHERE} reports optional endpoints of its dependency {{ $labels.dependency }} failing or stale (the API marks them optional, e.g. the Git file share on SMB 445 or the SMTP queue); its required endpoints are judged by ApimNetworkDependencyDown. The features behind them (Git configuration, e-mail) are degraded.` +
      onInstancePage("the failing endpoints with the API's error text and the likely cause"),
  };
}

function apimNetworkOptionalDependencyDown(options: RulesOptions): AlertRule {
  const everyPaging = `${options.pagingRequiredRegex}|${options.pagingAnyRegex}`;
  return {
    alert: 'ApimNetworkOptionalDependencyDown',
    expr: promql`
      min by (${REGION}, dependency) (
        apim_network_dependency_up{dependency!~"${everyPaging}"}
      ) == 0
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    // Not paging: confirmed by two consecutive polls (15 min apart) before it is raised.
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: optional dependency {{ $labels.dependency }} down in {{ $labels.location }}',
    description:
      `${WHERE} reports its non-paging dependency {{ $labels.dependency }} failing or stale; the features that use it (logging, e-mail, Git, cache, ...) are degraded.` +
      onInstancePage("the failing endpoints with the API's error text and the likely cause (an NSG rule or a route)"),
  };
}

/** The `apim-network-dependencies` group. */
export function dependencyGroup(options: RulesOptions): RuleGroup {
  return {
    name: 'apim-network-dependencies',
    rules: [
      apimNetworkDependencyDown(options),
      apimNetworkOptionalEndpointDown(options),
      apimNetworkOptionalDependencyDown(options),
    ],
  };
}
