/**
 * Instance detail: one APIM instance (the `apim_service` variable selects one), every region:
 * endpoints as NetworkStatus reports them, NSG flow verdicts, route verdicts, service endpoints, the
 * layers around the subnet (instance-layers.ts), forced tunnelling, drift and the instance's facts.
 *
 * Queries keep `apim_service` and `location` in their `by (...)` even though one instance is selected,
 * so that a regex such as `.*` (the e2e test, or a hand-edited URL) still gives correct rows.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  baseDashboard,
  type BuiltDashboard,
  COLOR_BACKGROUND,
  COLOR_TEXT,
  column,
  datasourceVariable,
  DEFAULT_STALE_AFTER_SECONDS,
  groupingToMatrix,
  instanceVariables,
  MAPPINGS,
  MERGE,
  organize,
  pagingDependencyUp,
  pagingVariables,
  PanelRegistry,
  prom,
  sel,
  selInstance,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  UIDS,
  upDownTimeline,
  ZERO_IS_GOOD,
} from './common.js';
import { addLayerPanels } from './instance-layers.js';

const TITLE = 'APIM netwatch / Instance detail';

const REGION = 'apim_service, location';
const ENDPOINT = `${REGION}, dependency, resource_type, endpoint, required`;

export function instanceDashboard(): BuiltDashboard {
  const panels = new PanelRegistry();
  const builder = baseDashboard(
    UIDS.instance,
    TITLE,
    'One APIM instance, every region: NetworkStatus per endpoint, NSG flow verdicts, routes, service endpoints, forced tunnelling and drift.',
  ).variables([datasourceVariable(), ...instanceVariables({ singleService: true }), ...pagingVariables()]);

  // ---- Instance ----------------------------------------------------------------------------
  builder.withRow(panels.row('Instance'));
  builder.withPanel(
    panels.add(
      'info',
      tablePanel('Instance', 'apim_instance_info: SKU, platform version, VNet mode; one row per region (primary = the first location).', [
        prom(`max by (subscription_id, resource_group, ${REGION}, sku, platform_version, vnet_type, primary) (apim_instance_info${sel()})`, { instant: true, table: true }),
      ])
        .withTransformation(
          organize({ exclude: ['Time', 'Value'], order: ['apim_service', 'location', 'primary', 'sku', 'platform_version', 'vnet_type', 'resource_group', 'subscription_id'] }),
        )
        .span(12)
        .height(6),
    ),
  );
  builder.withPanel(
    panels.add(
      'readable',
      statPanel(
        'Readable by the monitor',
        'Whether the last poll could read the instance from ARM (apim_netwatch_target_up). When it cannot, the last status stays exported and turns stale.',
        `min(max by (subscription_id, resource_group, apim_service) (apim_netwatch_target_up${selInstance()}))`,
        { mappings: MAPPINGS.readable, thresholds: thresholds([[null, 'red'], [1, 'green']]) },
      )
        .span(4)
        .height(6),
    ),
  );
  builder.withPanel(
    panels.add(
      'paging-down',
      statPanel(
        'Paging dependencies down',
        'Region x dependency pairs of the paging dependencies ($paging_required on required endpoints, $paging_any on any) that fail or are stale.',
        `count((${pagingDependencyUp(`${REGION}, dependency`)}) == 0) or vector(0)`,
      )
        .span(4)
        .height(6),
    ),
  );
  builder.withPanel(
    panels.add(
      'endpoints-down',
      statPanel(
        'Endpoints down',
        'Endpoints failing or stale, required or not.',
        `sum(1 - min by (${ENDPOINT}) (apim_network_endpoint_up${sel()})) or vector(0)`,
        { thresholds: ZERO_IS_GOOD() },
      )
        .span(4)
        .height(6),
    ),
  );

  // ---- Live status -------------------------------------------------------------------------
  builder.withRow(panels.row('NetworkStatus'));
  builder.withPanel(
    panels.add(
      'dependencies',
      tablePanel('Dependencies per region', 'Worst status of each dependency per region (apim_network_dependency_up).', [
        prom(`label_join(min by (${REGION}, dependency) (apim_network_dependency_up${sel()}), "instance_region", " / ", "apim_service", "location")`, {
          instant: true,
          table: true,
        }),
      ])
        .withTransformation(groupingToMatrix('instance_region', 'dependency'))
        .mappings(MAPPINGS.upDown)
        .cellOptions(COLOR_BACKGROUND)
        .align(common.FieldTextAlignment.Center)
        .overrideByName('instance_region\\dependency', column('instance / region', { cell: { type: common.TableCellDisplayMode.Auto }, width: 240 }))
        .span(24)
        .height(6),
    ),
  );
  builder.withPanel(
    panels.add(
      'endpoints',
      tablePanel(
        'Endpoints per region',
        'Every connectivity entry of NetworkStatus: up (0 on failure, initializing or stale), stale, age of lastUpdated and when the status last changed. The error text is in /api/v1/status.',
        [
          prom(`min by (${ENDPOINT}) (apim_network_endpoint_up${sel()})`, { refId: 'A', instant: true, table: true }),
          prom(`max by (${ENDPOINT}) (apim_network_endpoint_stale${sel()})`, { refId: 'B', instant: true, table: true }),
          prom(`time() - max by (${ENDPOINT}) (apim_network_endpoint_last_updated_timestamp_seconds${sel()})`, { refId: 'C', instant: true, table: true }),
          prom(`max by (${ENDPOINT}) (apim_network_endpoint_last_status_change_timestamp_seconds${sel()}) * 1000`, { refId: 'D', instant: true, table: true }),
        ],
      )
        .withTransformation(MERGE)
        .withTransformation(
          organize({
            exclude: ['Time'],
            order: ['apim_service', 'location', 'dependency', 'resource_type', 'endpoint', 'required', 'Value #A', 'Value #B', 'Value #C', 'Value #D'],
          }),
        )
        .overrideByName('Value #A', column('up', { mappings: MAPPINGS.upDown, cell: COLOR_BACKGROUND, width: 90 }))
        .overrideByName('Value #B', column('stale', { mappings: MAPPINGS.stale, cell: COLOR_TEXT, width: 90 }))
        .overrideByName(
          'Value #C',
          column('last updated (age)', { unit: 's', thresholds: thresholds([[null, 'text'], [DEFAULT_STALE_AFTER_SECONDS, 'orange']]).build(), cell: COLOR_TEXT, width: 150 }),
        )
        .overrideByName('Value #D', column('last status change', { unit: 'dateTimeAsIso', width: 190 }))
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('up').desc(false)])
        .span(24)
        .height(12),
    ),
  );

  // ---- Configuration -----------------------------------------------------------------------
  builder.withRow(panels.row('Network configuration'));
  builder.withPanel(
    panels.add(
      'flows',
      tablePanel(
        'NSG flow verdicts',
        'Each flow APIM needs (requirements table), judged against the subnet NSG (AVNM admin rules first): allowed, partial (the deciding rules cover only part of the peer\'s addresses) or denied, and the rule that decides.',
        [
          prom(`min by (${REGION}, direction, dependency, peer, port, protocol, required, decided_by) (apim_network_flow_allowed${sel()})`, {
            instant: true,
            table: true,
          }),
        ],
      )
        .withTransformation(
          organize({ exclude: ['Time'], order: ['apim_service', 'location', 'direction', 'peer', 'port', 'protocol', 'required', 'Value', 'decided_by', 'dependency'] }),
        )
        .overrideByName('Value', column('verdict', { mappings: MAPPINGS.flow, cell: COLOR_BACKGROUND, width: 100 }))
        .sortBy([new common.TableSortByFieldStateBuilder().displayName('verdict').desc(false)])
        .span(24)
        .height(12),
    ),
  );
  builder.withPanel(
    panels.add(
      'routes',
      tablePanel('Route verdicts', 'Whether the subnet\'s effective route for each dependency leads where APIM needs it (Internet or a service endpoint).', [
        prom(`min by (${REGION}, dependency, next_hop_type) (apim_network_route_ok${sel()})`, { instant: true, table: true }),
      ])
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'dependency', 'next_hop_type', 'Value'] }))
        .overrideByName('Value', column('route', { mappings: MAPPINGS.route, cell: COLOR_BACKGROUND, width: 140 }))
        .span(12)
        .height(9),
    ),
  );
  builder.withPanel(
    panels.add(
      'service-endpoints',
      tablePanel(
        'Service endpoints',
        'Service endpoints on the APIM subnet per region. Forced tunnelling needs Storage, Sql (primary region), EventHub and KeyVault (stv2).',
        [
          prom(`label_join(max by (${REGION}, service) (apim_network_service_endpoint_enabled${sel()}), "instance_region", " / ", "apim_service", "location")`, {
            instant: true,
            table: true,
          }),
        ],
      )
        .withTransformation(groupingToMatrix('instance_region', 'service'))
        .mappings(MAPPINGS.serviceEndpoint)
        .cellOptions(COLOR_TEXT)
        .overrideByName('instance_region\\service', column('instance / region', { width: 220 }))
        .span(12)
        .height(9),
    ),
  );
  addLayerPanels(builder, panels);
  builder.withPanel(
    panels.add(
      'region-config',
      tablePanel(
        'Forced tunnelling, NSG, status entries',
        'Forced tunnelling: 0.0.0.0/0 to an appliance, a gateway or nowhere. NSG attached to the subnet. Entries NetworkStatus returned (0 = no data, never healthy).',
        [
          prom(`max by (${REGION}) (apim_network_forced_tunnelling${sel()})`, { refId: 'A', instant: true, table: true }),
          prom(`max by (${REGION}) (apim_network_nsg_attached${sel()})`, { refId: 'B', instant: true, table: true }),
          prom(`max by (${REGION}) (apim_network_status_entries${sel()})`, { refId: 'C', instant: true, table: true }),
        ],
      )
        .withTransformation(MERGE)
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'Value #A', 'Value #B', 'Value #C'] }))
        .overrideByName('Value #A', column('forced tunnelling', { mappings: MAPPINGS.forcedTunnelling, cell: COLOR_TEXT }))
        .overrideByName('Value #B', column('NSG attached', { mappings: MAPPINGS.nsgAttached, cell: COLOR_TEXT }))
        .overrideByName('Value #C', column('status entries', { mappings: MAPPINGS.statusEntries, cell: COLOR_TEXT }))
        .span(12)
        .height(7),
    ),
  );
  builder.withPanel(
    panels.add(
      'drift',
      tablePanel(
        'Configuration drift',
        'Whether each region differs from its drift group (aspects flows, routes, service_endpoints), or APIM\'s DNS from the VNet\'s (aspect dns, group vnet). Expected forced-tunnelling asymmetries are not drift.',
        [prom(`max by (${REGION}, aspect, group) (apim_network_config_drift${sel()})`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'aspect', 'group', 'Value'] }))
        .overrideByName('Value', column('drift', { mappings: MAPPINGS.drift, cell: COLOR_BACKGROUND, width: 110 }))
        .span(12)
        .height(7),
    ),
  );

  // ---- History -----------------------------------------------------------------------------
  builder.withRow(panels.row('History'));
  builder.withPanel(
    panels.add(
      'dependency-timeline',
      upDownTimeline(
        'Dependencies over time',
        'Worst status of each dependency per region over time.',
        prom(`min by (${REGION}, dependency) (apim_network_dependency_up${sel()})`, { legend: '{{location}} / {{dependency}}' }),
      )
        .span(24)
        .height(10),
    ),
  );
  builder.withPanel(
    panels.add(
      'status-age',
      timeSeriesPanel(
        'Age of the oldest NetworkStatus entry per region',
        `time() - lastUpdated of the least recently refreshed endpoint. The platform refreshes about every 15 minutes; beyond staleAfterSeconds (default ${DEFAULT_STALE_AFTER_SECONDS}s) entries count as down.`,
        [
          prom(`time() - min by (${REGION}) (max by (${ENDPOINT}) (apim_network_endpoint_last_updated_timestamp_seconds${sel()}))`, {
            legend: '{{apim_service}} / {{location}}',
          }),
        ],
        's',
      )
        .thresholds(thresholds([[null, 'green'], [DEFAULT_STALE_AFTER_SECONDS, 'red']]))
        .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
        .min(0)
        .span(24)
        .height(8),
    ),
  );

  return { uid: UIDS.instance, title: TITLE, json: builder.build(), panels: panels.panels };
}
