import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { find, parseExposition, type ParsedSample } from './helpers/metrics.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';

describe('configuration analysis of the demo fleet (subnets, NSGs, routes, service tags through the SDK)', () => {
  let simulator: RunningSimulator;
  let report: FleetReport;
  let samples: ParsedSample[];
  let exposition: string;

  beforeAll(async () => {
    simulator = await startSimulator({ world: buildDemoWorld(new Date()) });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS] } }, 'test', {});
    const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    report = (await monitor.poller.pollNow())!;
    exposition = (await monitor.fleetMetrics()) + (await monitor.selfMetrics.render());
    samples = parseExposition(exposition);
  });

  afterAll(async () => {
    await simulator?.close();
  });

  const region = (name: string, location: string) =>
    report.instances.find((i) => i.instance.name === name)!.regions.find((r) => r.location === location)!;

  it('names the NSG rule that denies SQL in contoso-internal, as metric and as likely cause', () => {
    const sql = find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-internal', peer: 'Sql', port: '1433' });
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatchObject({ value: 0, labels: { direction: 'outbound', dependency: 'sql', required: 'true', decided_by: 'DenyDatabaseEgress', protocol: 'Tcp' } });
    const dependency = region('contoso-internal', 'westeurope').dependencies.find((d) => d.dependency === 'sql')!;
    expect(dependency.likelyCause).toMatchObject({ kind: 'nsg', decidedBy: 'DenyDatabaseEgress' });
  });

  it('finds the forced-tunnelling route behind the Graph failure in fabrikam-partners', () => {
    expect(find(samples, 'apim_network_forced_tunnelling', { apim_service: 'fabrikam-partners' })[0]?.value).toBe(1);
    // Through the appliance, Graph is at risk, not blocked: the appliance decides, and NetworkStatus says it fails.
    expect(find(samples, 'apim_network_route_ok', { apim_service: 'fabrikam-partners', dependency: 'graph' })).toEqual([]);
    expect(find(samples, 'apim_network_route_unknown', { apim_service: 'fabrikam-partners', dependency: 'graph' })[0]).toMatchObject({ value: 1, labels: { cause: 'appliance' } });
    // Storage, SQL, Key Vault and Event Hubs bypass the appliance through service endpoints.
    for (const dependency of ['storage', 'sql', 'keyvault']) {
      expect(find(samples, 'apim_network_route_ok', { apim_service: 'fabrikam-partners', dependency })[0]).toMatchObject({
        value: 1,
        labels: { next_hop_type: 'VirtualNetworkServiceEndpoint' },
      });
    }
    expect(region('fabrikam-partners', 'westeurope').dependencies.find((d) => d.dependency === 'graph')?.likelyCause?.kind).toBe('route');
  });

  it('the healthy multi-region instance allows every required flow in both regions', () => {
    const flows = find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-prod', required: 'true' });
    expect(new Set(flows.map((f) => f.labels.location))).toEqual(new Set(['westeurope', 'northeurope']));
    expect(flows.filter((f) => f.value !== 1).map((f) => `${f.labels.location} ${f.labels.peer}:${f.labels.port}`)).toEqual([]);
    expect(find(samples, 'apim_network_nsg_attached', { apim_service: 'contoso-prod' }).every((s) => s.value === 1)).toBe(true);
  });

  it('Internal instances do not get the External-only inbound flows', () => {
    expect(find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-internal', direction: 'inbound', peer: 'Internet' })).toHaveLength(0);
    expect(find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-prod', direction: 'inbound', peer: 'Internet' }).length).toBeGreaterThan(0);
  });

  it('drift flags what differs and not the expected asymmetries (SQL service endpoint outside the primary region)', () => {
    const drift = (name: string, location: string, aspect: string) =>
      find(samples, 'apim_network_config_drift', { apim_service: name, location, aspect, group: 'fleet' })[0]?.value;
    expect(drift('contoso-internal', 'westeurope', 'flows')).toBe(1);
    // Forced tunnelling beside direct routing is not drift (issue 22): fabrikam-partners' like peer routes directly.
    expect(drift('fabrikam-partners', 'westeurope', 'routes')).toBe(0);
    expect(drift('contoso-prod', 'northeurope', 'service_endpoints')).toBe(0);
    expect(drift('contoso-prod', 'westeurope', 'flows')).toBe(0);
    const differences = report.drift.find((g) => g.group === 'fleet')!.members.find((m) => m.apimService === 'contoso-internal')!.differences;
    expect(differences).toContainEqual(expect.objectContaining({ aspect: 'flows', key: 'outbound Sql 1433', value: 'denied', expected: 'allowed' }));
  });

  it('service endpoints and the DNS check are exported per region', () => {
    expect(find(samples, 'apim_network_service_endpoint_enabled', { apim_service: 'fabrikam-partners', service: 'Microsoft.KeyVault' })[0]?.value).toBe(1);
    expect(find(samples, 'apim_network_config_drift', { aspect: 'dns', group: 'vnet' }).every((s) => s.value === 0)).toBe(true);
  });

  it('reads shared network resources once per poll and the exposition stays clean', () => {
    const requests = (operation: string) => find(samples, 'apim_netwatch_arm_requests_total', { operation }).reduce((sum, s) => sum + s.value, 0);
    // Resource Graph (the default) reads the services, every VNet, NSG, route table and gateway, which VNets have
    // security admin rules in force, the network managers that could deploy them, the Virtual WAN hubs and the private
    // DNS zone links, in one query each; only the VNets with admin rules (one) are asked for them, and each linked zone
    // (two) for its A records.
    expect(requests('Resources_Query')).toBe(6);
    expect(requests('RecordSets_ListByType')).toBe(2);
    expect(requests('ListNetworkManagerEffectiveSecurityAdminRules')).toBe(1);
    expect(requests('Subnets_Get') + requests('NetworkSecurityGroups_Get') + requests('RouteTables_Get')).toBe(0);
    expect(requests('ServiceTags_List')).toBe(1);
    expect(promtoolCheckMetrics(exposition)).toEqual({ status: 0, output: '' });
  });
});
