import { WHERE } from './annotations.js';
import { indented, promql, REGION, UNLESS_TRANSITIONING } from './promql.js';
import type { AlertRule, RuleGroup } from './types.js';

/**
 * The monitor itself: polls failing or stale, not scraped, throttled by ARM, targets it cannot read.
 */

function apimNetwatchPollsFailing(): AlertRule {
  return {
    alert: 'ApimNetwatchPollsFailing',
    // Polls that read nothing at all (ARM unreachable, credentials broken). Partial polls are
    // not counted here: ApimNetwatchTargetDown / SubscriptionDown name what failed.
    expr: promql`
      max(increase(apim_netwatch_polls_total{outcome="failure"}[30m])) > 0`,
    for: '5m',
    severity: 'warning',
    summary: 'apim-netwatch polls fail',
    description: 'About {{ printf "%.0f" $value }} apim-netwatch polls in the last 30 minutes read no instance at all (ARM unreachable, credentials rejected, ...). Its data is getting old; its logs name the ARM error.',
  };
}

function apimNetwatchPollsStale(): AlertRule {
  return {
    alert: 'ApimNetwatchPollsStale',
    // min: the replica that is furthest behind (its stale data feeds the alerts too).
    expr: promql`
      time() - min(apim_netwatch_poll_last_success_timestamp_seconds) > 2 * 15 * 60`,
    for: '5m',
    severity: 'warning',
    summary: 'apim-netwatch has not completed a successful poll for two intervals',
    description: 'The last apim-netwatch poll that read every target ended {{ $value | humanizeDuration }} ago (more than two 15-minute intervals). Either the polls fail (ApimNetwatchPollsFailing), some target keeps failing (ApimNetwatchTargetDown, ApimNetwatchSubscriptionDown), or the poller is stuck.',
  };
}

function apimNetwatchAbsent(): AlertRule {
  return {
    alert: 'ApimNetwatchAbsent',
    expr: promql`
      absent(apim_netwatch_poll_last_success_timestamp_seconds)`,
    for: '15m',
    severity: 'warning',
    summary: 'apim-netwatch is not scraped',
    description: 'Prometheus has no apim-netwatch metrics: the monitor is down or not scraped, and none of the APIM network alerts can fire.',
  };
}

function apimNetwatchArmThrottled(): AlertRule {
  return {
    alert: 'ApimNetwatchArmThrottled',
    expr: promql`
      max by (operation) (increase(apim_netwatch_arm_requests_total{code="429"}[30m])) > 0`,
    for: '5m',
    severity: 'warning',
    summary: 'ARM throttles apim-netwatch ({{ $labels.operation }})',
    description: 'ARM answered about {{ printf "%.0f" $value }} {{ $labels.operation }} requests of apim-netwatch with 429 (throttled) in the last 30 minutes. Retries honour Retry-After, but polls slow down and may fail; the subscription\'s read budget is shared with every other tool.',
  };
}

function apimNetwatchArmRateLimitLow(): AlertRule {
  return {
    alert: 'ApimNetwatchArmRateLimitLow',
    // The gauge is the most ARM's read bucket held in any answer around the last poll (the budget it started
    // with), not the last header: a poll's own burst drains the bucket and ARM refills it within seconds, so
    // only a budget that other callers keep drained stays under 100 through two polls.
    expr: promql`
      min by (subscription_id, scope) (apim_netwatch_arm_ratelimit_remaining) < 100`,
    for: '30m',
    severity: 'info',
    summary: 'ARM read budget kept low in subscription {{ $labels.subscription_id }}',
    description: 'For 30 minutes, apim-netwatch\'s polls found at best {{ $value }} requests left in ARM\'s {{ $labels.scope }} bucket of subscription {{ $labels.subscription_id }}. ARM refills its buckets within seconds (250 at 25 a second per caller, 15 times that across callers), so other callers keep this budget drained: polls may be throttled (ApimNetwatchArmThrottled).',
  };
}

function apimNetwatchTargetDown(): AlertRule {
  return {
    alert: 'ApimNetwatchTargetDown',
    // location is the instance's primary region here. A transitioning instance is read; its NetworkStatus refused.
    expr: promql`
      min by (${REGION}) (apim_netwatch_target_up) == 0
      ${indented(UNLESS_TRANSITIONING, 6)}`,
    for: '20m',
    severity: 'warning',
    summary: 'apim-netwatch cannot read APIM {{ $labels.apim_service }}',
    description: `apim-netwatch could not read ${WHERE.replace(' in region ', ', primary region ')} in two consecutive polls. Its last NetworkStatus stays exported and turns stale (down) as it ages.`,
  };
}

function apimNetwatchSubscriptionDown(): AlertRule {
  return {
    alert: 'ApimNetwatchSubscriptionDown',
    expr: promql`
      min by (subscription_id) (apim_netwatch_subscription_up) == 0`,
    for: '20m',
    severity: 'warning',
    summary: 'apim-netwatch cannot list subscription {{ $labels.subscription_id }}',
    description: 'apim-netwatch could not list the APIM instances of subscription {{ $labels.subscription_id }} in two consecutive polls (no Reader role, subscription disabled, or ARM errors): its instances are not watched.',
  };
}

/** The `apim-netwatch-monitor` group. */
export function monitorGroup(): RuleGroup {
  return {
    name: 'apim-netwatch-monitor',
    rules: [
      apimNetwatchPollsFailing(),
      apimNetwatchPollsStale(),
      apimNetwatchAbsent(),
      apimNetwatchArmThrottled(),
      apimNetwatchArmRateLimitLow(),
      apimNetwatchTargetDown(),
      apimNetwatchSubscriptionDown(),
    ],
  };
}
