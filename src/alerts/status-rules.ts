import { MONITOR_MAY_BE_BLIND, onInstancePage, WHERE } from './annotations.js';
import { indented, promql, REGION, UNLESS_TRANSITIONING } from './promql.js';
import type { AlertRule, RuleGroup } from './types.js';

/**
 * NetworkStatus itself: entries that stopped updating, or no entries at all.
 */

function apimNetworkStatusStale(): AlertRule {
  return {
    alert: 'ApimNetworkStatusStale',
    // One alert per instance and region, valued with the number of stale endpoints (the inner max
    // by folds the replicas; the count then counts endpoints, not replicas).
    expr: promql`
      count by (${REGION}) (
        max by (${REGION}, dependency, resource_type, endpoint) (apim_network_endpoint_stale) == 1
      )
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    // Staleness already took staleAfterSeconds (35 min by default) to show.
    for: '5m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: NetworkStatus stopped updating in {{ $labels.location }}',
    description:
      `${WHERE}: {{ $value }} NetworkStatus entries stopped updating, which the API defines as lost connectivity to those resources.` +
      onInstancePage('which ones') +
      MONITOR_MAY_BE_BLIND,
  };
}

function apimNetworkStatusNoData(): AlertRule {
  return {
    alert: 'ApimNetworkStatusNoData',
    // An empty list is "no data", never healthy; and without entries no dependency alert can fire.
    expr: promql`
      min by (${REGION}) (apim_network_status_entries) == 0
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    for: '20m',
    severity: 'warning',
    summary: 'APIM {{ $labels.apim_service }}: NetworkStatus returns no data for {{ $labels.location }}',
    description: `${WHERE}: NetworkStatus returned no connectivity entries in two consecutive polls. No dependency of this region can be judged (or alerted on) until it does.`,
  };
}

/** The `apim-network-status` group. */
export function statusGroup(): RuleGroup {
  return {
    name: 'apim-network-status',
    rules: [
      apimNetworkStatusStale(),
      apimNetworkStatusNoData(),
    ],
  };
}
