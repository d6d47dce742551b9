/**
 * The instance dashboard's panels for the layers around the subnet: Virtual Network Manager admin rules,
 * gateway routes no route table shows, the subnet's own checks, and internal mode's private DNS. Each table
 * is empty for an instance without such a finding (a row in it is the finding), except the subnet checks.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { COLOR_BACKGROUND, column, organize, type PanelRegistry, prom, sel, tablePanel, valueMap } from './common.js';

const REGION = 'apim_service, location';

export function addLayerPanels(builder: dashboard.DashboardBuilder, panels: PanelRegistry): void {
  builder.withPanel(
    panels.add(
      'admin-rules',
      tablePanel(
        'Flows blocked by security admin rules',
        'Flows APIM needs that an Azure Virtual Network Manager security admin rule denies before the NSG is consulted: no NSG rule can allow them; the network manager\'s owners can.',
        [prom(`max by (${REGION}, direction, peer, port, protocol, required, network_manager, rule) (apim_network_admin_rule_blocking${sel()})`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time', 'Value'], order: ['apim_service', 'location', 'direction', 'peer', 'port', 'protocol', 'required', 'network_manager', 'rule'] }))
        .noValue('No admin rule blocks a flow')
        .span(12)
        .height(7),
      { emptyWhenHealthy: true },
    ),
  );
  builder.withPanel(
    panels.add(
      'route-unknown',
      tablePanel(
        'Routes a gateway may override',
        'Dependencies whose route only the system default decides while a gateway\'s routes (the VNet\'s own, a hub\'s used through gateway transit, or a Virtual WAN hub\'s) reach the subnet: if on-premises advertises 0.0.0.0/0, this traffic goes there. The JSON API names the gateway.',
        [prom(`max by (${REGION}, dependency, cause) (apim_network_route_unknown${sel()})`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time', 'Value'], order: ['apim_service', 'location', 'dependency', 'cause'] }))
        .noValue('No gateway route reaches the subnet')
        .span(12)
        .height(7),
      { emptyWhenHealthy: true },
    ),
  );
  builder.withPanel(
    panels.add(
      'subnet-checks',
      tablePanel(
        'Subnet checks',
        'The subnet itself: delegation (none on classic tiers, Microsoft.Web on v2), size (the tier\'s minimum), capacity (room for one more scale unit).',
        [prom(`min by (${REGION}, check) (apim_network_subnet_check_ok${sel()})`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time'], order: ['apim_service', 'location', 'check', 'Value'] }))
        .overrideByName('Value', column('result', { mappings: [valueMap([['1', 'ok', 'green'], ['0', 'FINDING', 'orange']])], cell: COLOR_BACKGROUND, width: 120 }))
        .span(12)
        .height(7),
    ),
  );
  builder.withPanel(
    panels.add(
      'private-dns',
      tablePanel(
        'Private DNS (internal mode)',
        'Each host name of an internal instance in the private DNS zones linked to its VNet: ok, missing, stale (points elsewhere than the region\'s private VIP), unknown (custom DNS servers without a linked zone).',
        [prom(`max by (${REGION}, hostname, state) (apim_network_private_dns_record${sel()}) == 1`, { instant: true, table: true })],
      )
        .withTransformation(organize({ exclude: ['Time', 'Value'], order: ['apim_service', 'location', 'hostname', 'state'] }))
        .noValue('Not an internal instance')
        .span(12)
        .height(7),
      { emptyWhenHealthy: true },
    ),
  );
}
