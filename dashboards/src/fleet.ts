/**
 * Fleet overview: how many instances, which ones have a paging dependency down, instance x region x
 * dependency status now and over time, required vs optional, what is failing now and why (blocked
 * flows, drift). Rows link to the instance dashboard.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as BarGaugePanelBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { PanelBuilder as StatusHistoryPanelBuilder } from '@grafana/grafana-foundation-sdk/statushistory';
import {
  baseDashboard,
  type BuiltDashboard,
  COLOR_BACKGROUND,
  COLOR_TEXT,
  column,
  datasourceVariable,
  DEFAULT_STALE_AFTER_SECONDS,
  ENDPOINT_LABELS,
  groupingToMatrix,
  instanceDataLink,
  instancePanelLink,
  instanceVariables,
  MAPPINGS,
  MERGE,
  organize,
  pagingDependencyUp,
  pagingVariables,
  PanelRegistry,
  prom,
  REGION_LABELS,
  sel,
  selInstance,
  statPanel,
  tablePanel,
  thresholds,
  THRESHOLD_COLORS,
  timeSeriesPanel,
  UIDS,
  upDownTimeline,
  ZERO_IS_GOOD,
} from './common.js';

const TITLE = 'APIM netwatch / Fleet overview';

/** Per endpoint, worst of the replicas: 1 up, 0 failing or stale. */
const ENDPOINT_UP = `min by (${ENDPOINT_LABELS}) (apim_network_endpoint_up${sel()})`;

export function fleetDashboard(): BuiltDashboard {
  const panels = new PanelRegistry();
  const builder = baseDashboard(
    UIDS.fleet,
    TITLE,
    'Network health of every APIM instance in the selected subscriptions: dependency status per region (NetworkStatus), NSG flow verdicts and drift.',
  )
    .variables([datasourceVariable(), ...instanceVariables(), ...pagingVariables()]);

  // ---- Summary -----------------------------------------------------------------------------
  builder.withRow(panels.row('Summary'));
  builder.withPanel(
    panels.add(
      'instances',
      statPanel(
        'Instances',
        'APIM instances (apim_instance_info), whatever their VNet mode.',
        `count(count by (${'subscription_id, resource_group, apim_service'}) (apim_instance_info${sel()})) or vector(0)`,
        { thresholds: thresholds([[null, 'blue']]) },
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'instances-paging-down',
      statPanel(
        'Instances with a paging dependency down',
        'Instances where at least one region reports a paging dependency ($paging_required on required endpoints, $paging_any on any) failing or stale.',
        `count(count by (subscription_id, resource_group, apim_service) ((${pagingDependencyUp(`${REGION_LABELS}, dependency`)}) == 0)) or vector(0)`,
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'required-endpoints-down',
      statPanel(
        'Required endpoints down',
        'Endpoints NetworkStatus marks required (isOptional false) that fail or are stale, over all instances and regions.',
        `sum(1 - min by (${ENDPOINT_LABELS}) (apim_network_endpoint_up${sel('required="true"')})) or vector(0)`,
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'stale-endpoints',
      statPanel(
        'Stale endpoints',
        `Endpoints whose lastUpdated stopped moving (older than staleAfterSeconds, default ${DEFAULT_STALE_AFTER_SECONDS}s): the API's own sign of lost connectivity, counted as down.`,
        `count(max by (${ENDPOINT_LABELS}) (apim_network_endpoint_stale${sel()}) == 1) or vector(0)`,
        { thresholds: thresholds([[null, 'green'], [1, 'orange']]) },
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'required-flows-blocked',
      statPanel(
        'Required flows blocked',
        'Required flows (direction x peer x port) the subnet NSG denies (0) or only partly allows (0.5).',
        `count(min by (${REGION_LABELS}, direction, peer, port, protocol) (apim_network_flow_allowed${sel('required="true"')}) < 1) or vector(0)`,
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'drift',
      statPanel(
        'Configuration drift',
        'Region x aspect (flows, routes, service_endpoints, dns) pairs that differ from their drift group. Expected forced-tunnelling asymmetries are not counted.',
        `count(max by (${REGION_LABELS}, aspect, group) (apim_network_config_drift${sel()}) == 1) or vector(0)`,
        { thresholds: thresholds([[null, 'green'], [1, 'orange']]) },
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'targets-unreadable',
      statPanel(
        'Instances unreadable',
        'Instances the monitor could not read from ARM in its last poll (apim_netwatch_target_up 0): their status ages and turns stale.',
        `count(max by (subscription_id, resource_group, apim_service) (apim_netwatch_target_up${selInstance()}) == 0) or vector(0)`,
      ).span(3),
    ),
  );
  builder.withPanel(
    panels.add(
      'regions-no-data',
      statPanel(
        'Regions without status data',
        'Regions whose NetworkStatus returned no entries: no data is never healthy.',
        `count(max by (${REGION_LABELS}) (apim_network_status_entries${sel()}) == 0) or vector(0)`,
      ).span(3),
    ),
  );

  // ---- Status now --------------------------------------------------------------------------
  builder.withRow(panels.row('Dependency status now'));
  builder.withPanel(
    panels.add(
      'status-grid',
      tablePanel(
        'Dependency status: instance / region x dependency',
        'Worst status of each dependency per instance and region (apim_network_dependency_up: 0 when any endpoint fails or is stale). "-" means the region reports no such dependency.',
        [
          prom(
            `label_join(min by (apim_service, location, dependency) (apim_network_dependency_up${sel()}), "instance_region", " / ", "apim_service", "location")`,
            { instant: true, table: true },
          ),
        ],
      )
        .withTransformation(groupingToMatrix('instance_region', 'dependency'))
        .mappings(MAPPINGS.upDown)
        .cellOptions(COLOR_BACKGROUND)
        .align(common.FieldTextAlignment.Center)
        .overrideByName('instance_region\\dependency', column('instance / region', { cell: { type: common.TableCellDisplayMode.Auto }, width: 280 }))
        .links([instancePanelLink()])
        .span(24)
        .height(10),
    ),
  );
  builder.withPanel(
    panels.add(
      'instances-table',
      tablePanel(
        'Instances and regions',
        'One row per instance and region; click a row to open the instance dashboard.',
        [
          prom(`max by (${REGION_LABELS}, sku, platform_version, vnet_type, primary) (apim_instance_info${sel()})`, { refId: 'A', instant: true, table: true }),
          prom(`min by (${REGION_LABELS}) (${pagingDependencyUp(REGION_LABELS)})`, { refId: 'B', instant: true, table: true }),
          prom(`sum by (${REGION_LABELS}) (1 - ${ENDPOINT_UP})`, { refId: 'C', instant: true, table: true }),
          prom(`max by (${REGION_LABELS}) (apim_network_status_entries${sel()})`, { refId: 'D', instant: true, table: true }),
        ],
      )
        .withTransformation(MERGE)
        .withTransformation(
          organize({
            exclude: ['Time', 'Value #A'],
            order: ['apim_service', 'location', 'primary', 'Value #B', 'Value #C', 'Value #D', 'sku', 'vnet_type', 'platform_version', 'resource_group', 'subscription_id'],
          }),
        )
        .overrideByName('Value #B', column('paging dependencies', { mappings: MAPPINGS.upDown, cell: COLOR_BACKGROUND }))
        .overrideByName('Value #C', column('endpoints down', { thresholds: ZERO_IS_GOOD().build(), cell: COLOR_TEXT }))
        .overrideByName('Value #D', column('status entries', { mappings: MAPPINGS.statusEntries, cell: COLOR_TEXT }))
        .dataLinks([instanceDataLink('row')])
        .span(24)
        .height(9),
    ),
  );
  builder.withPanel(
    panels.add(
      'required-vs-optional',
      new BarGaugePanelBuilder()
        .title('Endpoints down: required vs optional')
        .description('Failing or stale endpoints, split by NetworkStatus\' isOptional (required="true|false"). What pages is the separate paging policy.')
        .withTarget(prom(`sum by (required) (1 - ${ENDPOINT_UP})`, { instant: true, legend: 'required={{required}}' }))
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .displayMode(common.BarGaugeDisplayMode.Basic)
        .orientation(common.VizOrientation.Horizontal)
        .thresholds(ZERO_IS_GOOD())
        .colorScheme(THRESHOLD_COLORS())
        .min(0)
        .span(8)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'required-vs-optional-history',
      timeSeriesPanel(
        'Endpoints down over time: required vs optional',
        'Failing or stale endpoints over time, by required.',
        [prom(`sum by (required) (1 - ${ENDPOINT_UP})`, { legend: 'required={{required}}' })],
      )
        .min(0)
        .decimals(0)
        .span(16)
        .height(8),
    ),
  );

  // ---- Failing now -------------------------------------------------------------------------
  builder.withRow(panels.row('Failing now'));
  const failing = `(${ENDPOINT_UP} == 0)`;
  builder.withPanel(
    panels.add(
      'failing-now',
      tablePanel(
        'Failing now',
        'Endpoints reported failing or stale (apim_network_endpoint_up == 0). state: FAILURE (status failure/initializing) or STALE (lastUpdated stopped moving). The API\'s error text is in /api/v1/status and `check`. Empty when healthy.',
        [
          prom(`max by (${ENDPOINT_LABELS}) (apim_network_endpoint_stale${sel()}) and ${failing}`, { refId: 'A', instant: true, table: true }),
          prom(`time() - max by (${ENDPOINT_LABELS}) (apim_network_endpoint_last_updated_timestamp_seconds${sel()}) and ${failing}`, {
            refId: 'B',
            instant: true,
            table: true,
          }),
        ],
      )
        .withTransformation(MERGE)
        .withTransformation(
          organize({
            exclude: ['Time'],
            order: ['apim_service', 'location', 'dependency', 'required', 'Value #A', 'resource_type', 'endpoint', 'Value #B', 'resource_group', 'subscription_id'],
          }),
        )
        .overrideByName('Value #A', column('state', { mappings: MAPPINGS.failureKind, cell: COLOR_BACKGROUND }))
        .overrideByName('Value #B', column('last updated', { unit: 's', thresholds: thresholds([[null, 'text'], [DEFAULT_STALE_AFTER_SECONDS, 'orange']]).build(), cell: COLOR_TEXT }))
        .dataLinks([instanceDataLink('row')])
        .noValue('Nothing failing')
        .span(24)
        .height(8),
      { emptyWhenHealthy: true },
    ),
  );
  builder.withPanel(
    panels.add(
      'blocked-flows',
      tablePanel(
        'Required flows blocked by the NSG or an admin rule',
        'Required flows that the subnet NSG, or an Azure Virtual Network Manager security admin rule evaluated before it, denies or only partly allows, and the rule that decides (decided_by; an admin rule reads "RULE (admin rule of network manager MANAGER)"). Empty when every required flow is allowed.',
        [
          prom(`min by (${REGION_LABELS}, direction, dependency, peer, port, protocol, decided_by) (apim_network_flow_allowed${sel('required="true"')}) < 1`, {
            instant: true,
            table: true,
          }),
        ],
      )
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'direction', 'peer', 'port', 'protocol', 'Value', 'decided_by', 'dependency'] }))
        .overrideByName('Value', column('verdict', { mappings: MAPPINGS.flow, cell: COLOR_BACKGROUND }))
        .dataLinks([instanceDataLink('row')])
        .noValue('No required flow blocked')
        .span(12)
        .height(8),
      { emptyWhenHealthy: true },
    ),
  );
  builder.withPanel(
    panels.add(
      'drifted',
      tablePanel(
        'Drifted configuration',
        'Regions whose flows, routes or service endpoints differ from their drift group, or whose APIM DNS differs from the VNet\'s (aspect dns). Empty when nothing drifted.',
        [prom(`max by (${REGION_LABELS}, aspect, group) (apim_network_config_drift${sel()}) == 1`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'aspect', 'group', 'Value'] }))
        .overrideByName('Value', column('drift', { mappings: MAPPINGS.drift, cell: COLOR_BACKGROUND }))
        .dataLinks([instanceDataLink('row')])
        .noValue('No drift')
        .span(12)
        .height(8),
      { emptyWhenHealthy: true },
    ),
  );

  // ---- History -----------------------------------------------------------------------------
  builder.withRow(panels.row('History'));
  builder.withPanel(
    panels.add(
      'paging-timeline',
      upDownTimeline(
        'Paging dependencies over time (worst per instance and region)',
        'DOWN when any paging dependency ($paging_required on required endpoints, $paging_any on any) of the instance in the region fails or is stale. Click a row for the instance dashboard.',
        prom(`min by (${REGION_LABELS}) (${pagingDependencyUp(REGION_LABELS)})`, { legend: '{{apim_service}} / {{location}}' }),
      )
        .dataLinks([instanceDataLink('series')])
        .span(24)
        .height(8),
    ),
  );
  builder.withPanel(
    panels.add(
      'status-history',
      new StatusHistoryPanelBuilder()
        .title('Dependency status history: instance / region / dependency')
        .description('min by (apim_service, location, dependency) (apim_network_dependency_up) over time.')
        .withTarget(prom(`min by (apim_service, location, dependency) (apim_network_dependency_up${sel()})`, { legend: '{{apim_service}} / {{location}} / {{dependency}}' }))
        .mappings(MAPPINGS.upDown)
        .thresholds(thresholds([[null, 'red'], [1, 'green']]))
        .colorScheme(THRESHOLD_COLORS())
        .showValue(common.VisibilityMode.Never)
        .rowHeight(0.9)
        .colWidth(0.9)
        .fillOpacity(80)
        .legend(new common.VizLegendOptionsBuilder().showLegend(false))
        .dataLinks([instanceDataLink('series', ['apim_service', 'location'])])
        .span(24)
        .height(16),
    ),
  );

  const json = builder.build();
  return { uid: UIDS.fleet, title: TITLE, json, panels: panels.panels };
}
