/**
 * Monitor health: is apim-netwatch itself polling, reading every target and subscription, staying
 * inside ARM's rate limits, and healthy as a process?
 *
 * Gauges that describe the fleet or the last poll are reduced over replicas with max/min; counters of
 * work done (polls, ARM requests) are summed, because every replica really polls and really spends
 * ARM quota. Process panels are per replica (`instance`) on purpose: each is a distinct process.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  baseDashboard,
  type BuiltDashboard,
  COLOR_BACKGROUND,
  column,
  datasourceVariable,
  DEFAULT_STALE_AFTER_SECONDS,
  instanceDataLink,
  instanceVariables,
  MAPPINGS,
  MERGE,
  organize,
  ownProcess,
  PanelRegistry,
  prom,
  selInstance,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  UIDS,
} from './common.js';

const TITLE = 'APIM netwatch / Monitor health';

const SUBSCRIPTION = '{subscription_id=~"$subscription_id"}';

export function monitorDashboard(): BuiltDashboard {
  const panels = new PanelRegistry();
  const builder = baseDashboard(
    UIDS.monitor,
    TITLE,
    'Health of apim-netwatch itself: polls, ARM requests and throttling, readable targets and subscriptions, process resources.',
  ).variables([datasourceVariable(), ...instanceVariables()]);

  // ---- Polling -----------------------------------------------------------------------------
  builder.withRow(panels.row('Polling'));
  builder.withPanel(
    panels.add(
      'poll-duration-now',
      statPanel('Last poll duration', 'Duration of the last completed poll (slowest replica).', 'max(apim_netwatch_poll_duration_seconds)', {
        unit: 's',
        thresholds: thresholds([[null, 'green'], [300, 'orange'], [600, 'red']]),
        decimals: 1,
      }).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'since-success-now',
      statPanel(
        'Time since last successful poll',
        'Since the last poll that read every target (freshest replica). Polls run every 15 minutes by default.',
        'time() - max(apim_netwatch_poll_last_success_timestamp_seconds)',
        { unit: 's', thresholds: thresholds([[null, 'green'], [1200, 'orange'], [DEFAULT_STALE_AFTER_SECONDS, 'red']]), decimals: 0 },
      ).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'targets-up-now',
      statPanel(
        'Instances readable',
        'Instances the last poll could read from ARM (apim_netwatch_target_up 1).',
        `sum(max by (subscription_id, resource_group, apim_service) (apim_netwatch_target_up${selInstance()})) or vector(0)`,
        { thresholds: thresholds([[null, 'blue']]) },
      ).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'targets-down-now',
      statPanel(
        'Instances unreadable',
        'Instances the last poll could not read (apim_netwatch_target_up 0).',
        `count(max by (subscription_id, resource_group, apim_service) (apim_netwatch_target_up${selInstance()}) == 0) or vector(0)`,
      ).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'subscriptions-down-now',
      statPanel(
        'Subscriptions unreadable',
        'Subscriptions whose APIM instances the last poll could not list (apim_netwatch_subscription_up 0).',
        `count(max by (subscription_id) (apim_netwatch_subscription_up${SUBSCRIPTION}) == 0) or vector(0)`,
      ).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'skipped-range',
      statPanel(
        'Skipped polls (time range)',
        'Scheduled polls skipped because the previous one was still running, over the dashboard\'s time range, all replicas.',
        'sum(increase(apim_netwatch_polls_skipped_total[$__range])) or vector(0)',
        { thresholds: thresholds([[null, 'green'], [1, 'orange']]), decimals: 0 },
      ).span(4),
    ),
  );
  builder.withPanel(
    panels.add(
      'poll-duration',
      timeSeriesPanel('Poll duration', 'Duration of the last completed poll (slowest replica).', [prom('max(apim_netwatch_poll_duration_seconds)', { legend: 'poll duration' })], 's')
        .min(0)
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'since-success',
      timeSeriesPanel(
        'Time since last poll',
        'Since the last successful poll (every target read) and since the last poll of any outcome (freshest replica).',
        [
          prom('time() - max(apim_netwatch_poll_last_success_timestamp_seconds)', { refId: 'A', legend: 'successful poll' }),
          prom('time() - max(apim_netwatch_poll_last_completed_timestamp_seconds)', { refId: 'B', legend: 'any poll' }),
        ],
        's',
      )
        .min(0)
        .thresholds(thresholds([[null, 'green'], [DEFAULT_STALE_AFTER_SECONDS, 'red']]))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'polls-by-outcome',
      timeSeriesPanel(
        'Polls by outcome',
        'Polls per second by outcome (success: every target read; partial: some failed; failure: nothing read) and skipped polls, all replicas.',
        [
          prom('sum by (outcome) (rate(apim_netwatch_polls_total[$__rate_interval]))', { refId: 'A', legend: '{{outcome}}' }),
          prom('sum(rate(apim_netwatch_polls_skipped_total[$__rate_interval]))', { refId: 'B', legend: 'skipped' }),
        ],
        'ops',
      )
        .min(0)
        .overrideByName('failure', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }])
        .overrideByName('partial', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'orange' } }])
        .overrideByName('success', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'green' } }])
        .overrideByName('skipped', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'purple' } }])
        .span(8)
        .height(8),
    ),
  );

  // ---- ARM -----------------------------------------------------------------------------------
  builder.withRow(panels.row('Azure Resource Manager'));
  builder.withPanel(
    panels.add(
      'arm-requests',
      timeSeriesPanel(
        'ARM requests by operation and code',
        'ARM requests per second (every retry counts) by REST operation and HTTP status, or the error code when no response came back.',
        [prom('sum by (operation, code) (rate(apim_netwatch_arm_requests_total[$__rate_interval]))', { legend: '{{operation}} {{code}}' })],
        'reqps',
      )
        .min(0)
        .span(12)
        .height(9),
    ),
  );
  builder.withPanel(
    panels.add(
      'arm-throttling',
      timeSeriesPanel(
        'ARM throttling and errors',
        'Throttled requests (HTTP 429) and every other non-2xx answer or transport error, per second. 0 when ARM answers everything.',
        [
          prom('sum(rate(apim_netwatch_arm_requests_total{code="429"}[$__rate_interval])) or vector(0)', { refId: 'A', legend: 'throttled (429)' }),
          prom('sum(rate(apim_netwatch_arm_requests_total{code!~"2..|429"}[$__rate_interval])) or vector(0)', { refId: 'B', legend: 'other errors' }),
        ],
        'reqps',
      )
        .min(0)
        .overrideByName('throttled (429)', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'orange' } }])
        .overrideByName('other errors', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }])
        .span(12)
        .height(9),
    ),
  );
  builder.withPanel(
    panels.add(
      'arm-ratelimit',
      timeSeriesPanel(
        'ARM rate limit remaining',
        'The most requests ARM said were left in its read bucket (x-ms-ratelimit-remaining-<scope>) around each poll: the budget the poll started with, per subscription and scope (lowest replica). ARM refills its buckets within seconds; a level that stays low means other callers keep it drained.',
        [prom(`min by (subscription_id, scope) (apim_netwatch_arm_ratelimit_remaining${SUBSCRIPTION})`, { legend: '{{subscription_id}} {{scope}}' })],
        'short',
      )
        .min(0)
        .span(12)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'arm-throttled-range',
      statPanel(
        'Throttled ARM requests (time range)',
        'HTTP 429 answers over the dashboard\'s time range, all replicas.',
        'sum(increase(apim_netwatch_arm_requests_total{code="429"}[$__range])) or vector(0)',
        { thresholds: thresholds([[null, 'green'], [1, 'orange']]), decimals: 0 },
      )
        .span(6)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'arm-requests-range',
      statPanel('ARM requests (time range)', 'ARM requests over the dashboard\'s time range, all replicas.', 'sum(increase(apim_netwatch_arm_requests_total[$__range]))', {
        thresholds: thresholds([[null, 'blue']]),
        decimals: 0,
      })
        .span(6)
        .height(8),
    ),
  );

  // ---- Targets -----------------------------------------------------------------------------
  builder.withRow(panels.row('Targets'));
  builder.withPanel(
    panels.add(
      'targets',
      tablePanel('Instances', 'Whether the last poll could read each instance (location = its primary region). Click for the instance dashboard.', [
        prom(`max by (subscription_id, resource_group, apim_service, location) (apim_netwatch_target_up${selInstance()})`, { instant: true, table: true }),
      ])
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'Value', 'resource_group', 'subscription_id'] }))
        .overrideByName('Value', column('ARM', { mappings: MAPPINGS.readable, cell: COLOR_BACKGROUND, width: 120 }))
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('ARM').desc(false)])
        .dataLinks([instanceDataLink('row')])
        .span(14)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'subscriptions',
      tablePanel('Subscriptions', 'Whether the last poll could list the APIM instances of each subscription.', [
        prom(`max by (subscription_id) (apim_netwatch_subscription_up${SUBSCRIPTION})`, { instant: true, table: true }),
      ])
        .withTransformation(organize({ exclude: ['Time'], order: ['subscription_id', 'Value'] }))
        .overrideByName('Value', column('ARM', { mappings: MAPPINGS.readable, cell: COLOR_BACKGROUND, width: 120 }))
        .span(10)
        .height(8),
    ),
  );

  // ---- Process -----------------------------------------------------------------------------
  builder.withRow(panels.row('Process (per replica)'));
  builder.withPanel(
    panels.add(
      'memory',
      timeSeriesPanel('Resident memory', 'process_resident_memory_bytes of each apim-netwatch replica.', [
        prom(`max by (instance) ${ownProcess('process_resident_memory_bytes')}`, { refId: 'A', legend: '{{instance}} RSS' }),
        prom(`max by (instance) ${ownProcess('nodejs_heap_size_used_bytes')}`, { refId: 'B', legend: '{{instance}} heap used' }),
      ], 'bytes')
        .min(0)
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'cpu',
      timeSeriesPanel('CPU', 'CPU seconds per second of each apim-netwatch replica (1 = one core).', [
        prom(`max by (instance) ${ownProcess('rate(process_cpu_seconds_total[$__rate_interval])')}`, { legend: '{{instance}}' }),
      ], 'percentunit')
        .min(0)
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'eventloop',
      timeSeriesPanel('Event loop lag (p99)', 'nodejs_eventloop_lag_p99_seconds of each replica: a busy event loop delays scrapes and polls.', [
        prom(`max by (instance) ${ownProcess('nodejs_eventloop_lag_p99_seconds')}`, { legend: '{{instance}}' }),
      ], 's')
        .min(0)
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'build-info',
      tablePanel('Build info', 'Version and Node.js version of each replica, and its uptime.', [
        prom('max by (instance, version, nodejs_version) (apim_netwatch_build_info)', { refId: 'A', instant: true, table: true }),
        prom(`time() - max by (instance) ${ownProcess('process_start_time_seconds')}`, { refId: 'B', instant: true, table: true }),
      ])
        .withTransformation(MERGE)
        .withTransformation(organize({ exclude: ['Time', 'Value #A'], order: ['instance', 'version', 'nodejs_version', 'Value #B'] }))
        .overrideByName('Value #B', column('uptime', { unit: 's' }))
        .span(24)
        .height(6),
    ),
  );

  return { uid: UIDS.monitor, title: TITLE, json: builder.build(), panels: panels.panels };
}
