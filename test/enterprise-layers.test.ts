import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { startService, type RunningService } from '../src/cli/serve.js';
import { buildDemoWorld } from '../src/simulator/demo-world.js';
import type { Fault } from '../src/simulator/world.js';
import { find, parseExposition, type ParsedSample } from './helpers/metrics.js';
import { waitFor } from './helpers/ports.js';
import { runCli } from './helpers/processes.js';
import { pollWorld } from './helpers/poll-world.js';

/**
 * The layers enterprise networks add, as a user meets them: the demo fleet's contoso-payments, whose VNet
 * is under a Virtual Network Manager security admin configuration, read through the real SDK clients from
 * the simulator, and shown in /metrics, /api/v1/status, the instance page and `check`.
 */

const ADMIN_DENY = 'DenySqlEgress-SEC-3310 (admin rule of network manager corp-avnm)';
const ADMIN_ALWAYS = 'AlwaysAllowApimManagement (admin rule of network manager corp-avnm)';

/** One demo service for every test that reads the demo fleet through serve --demo. */
let service: RunningService;
let base: string;
let samples: ParsedSample[];
let status: FleetReport;
const instanceNamed = (name: string): InstanceReport => status.instances.find((instance) => instance.instance.name === name)!;

beforeAll(async () => {
  process.env.APIM_NETWATCH_LOG_LEVEL = 'silent';
  service = await startService({ demo: true, port: 0 });
  base = `http://127.0.0.1:${service.port}`;
  await waitFor('the first poll', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 20_000, 100);
  samples = parseExposition(await (await fetch(`${base}/metrics`)).text());
  status = (await (await fetch(`${base}/api/v1/status`)).json()) as FleetReport;
});

afterAll(async () => {
  delete process.env.APIM_NETWATCH_LOG_LEVEL;
  await service?.stop();
});

describe('security admin rules in the demo fleet, end to end (serve --demo)', () => {
  const payments = () => instanceNamed('contoso-payments');

  it('/metrics: SQL denied by the admin rule although the NSG allows it; 3443 allowed by AlwaysAllow although the NSG denies it', () => {
    const sql = find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-payments', peer: 'Sql', port: '1433' });
    expect(sql.map((s) => [s.value, s.labels.decided_by])).toEqual([[0, ADMIN_DENY]]);
    const management = find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-payments', peer: 'ApiManagement', port: '3443' });
    expect(management.map((s) => [s.value, s.labels.decided_by])).toEqual([[1, ADMIN_ALWAYS]]);
    const blocking = find(samples, 'apim_network_admin_rule_blocking', { apim_service: 'contoso-payments' });
    expect(blocking.map((s) => [s.labels.peer, s.labels.port, s.labels.network_manager, s.labels.rule, s.labels.required, s.value])).toEqual([
      ['Sql', '1433', 'corp-avnm', 'DenySqlEgress-SEC-3310', 'true', 1],
    ]);
    // Every other instance's VNet has no admin rules: nothing blocked, nothing unreadable.
    expect(find(samples, 'apim_network_admin_rule_blocking', {}).every((s) => s.labels.apim_service === 'contoso-payments')).toBe(true);
    expect(find(samples, 'apim_network_admin_rules_unreadable', {}).map((s) => s.value).every((value) => value === 0)).toBe(true);
  });

  it('/api/v1/status: the admin rule next to the flow, the rules in force, and the likely cause naming the network manager', () => {
    const region = payments().regions[0]!;
    expect(region.config?.adminRules).toEqual({ count: 2, networkManagers: ['corp-avnm'] });
    expect(region.config?.flows.find((flow) => flow.peer === 'Sql')?.adminRule).toMatchObject({ name: 'DenySqlEgress-SEC-3310', networkManager: 'corp-avnm', access: 'Deny' });
    const sql = region.dependencies.find((dependency) => dependency.dependency === 'sql' && dependency.required)!;
    expect(sql.up).toBe(false);
    expect(sql.likelyCause).toMatchObject({ kind: 'admin-rule', decidedBy: 'DenySqlEgress-SEC-3310' });
    expect(sql.likelyCause?.summary).toContain('security admin rule DenySqlEgress-SEC-3310 of network manager corp-avnm (evaluated before the NSG) denies outbound Sql on Tcp 1433');
  });

  it('the instance page shows the rules in force and the admin rule deciding the flow', async () => {
    const page = await (await fetch(`${base}/instances/${encodeURIComponent(payments().instance.id)}`)).text();
    expect(page).toContain('2 in force (network manager corp-avnm), evaluated before the NSG');
    expect(page).toContain(`<code>${ADMIN_DENY}</code>`);
    expect(page.replace(/<[^>]+>/g, '')).toContain('security admin rule DenySqlEgress-SEC-3310 of network manager corp-avnm (evaluated before the NSG)');
  });

  it('check --demo names the admin rule under likely causes and in the JSON', async () => {
    const table = await runCli(['check', '--demo']);
    expect(table.stdout).toContain(`contoso-payments (westeurope) outbound Sql Tcp/1433: denied by ${ADMIN_DENY}`);
    const json = JSON.parse((await runCli(['check', '--demo', '-o', 'json'])).stdout) as { blocked: Array<Record<string, unknown>> };
    expect(json.blocked.find((entry) => entry.apim_service === 'contoso-payments')).toMatchObject({
      what: 'outbound Sql Tcp/1433',
      verdict: 'denied',
      admin_rule: { name: 'DenySqlEgress-SEC-3310', network_manager: 'corp-avnm' },
    });
  });
});

describe('a hub\'s ExpressRoute gateway whose routes reach the subnet, end to end (serve --demo)', () => {
  const hybrid = () => instanceNamed('contoso-hybrid');

  it('/metrics: no route is "ok"; each is unknown, caused by a remote gateway, while the NSG allows everything', () => {
    expect(find(samples, 'apim_network_route_ok', { apim_service: 'contoso-hybrid' })).toEqual([]);
    const unknown = find(samples, 'apim_network_route_unknown', { apim_service: 'contoso-hybrid' });
    expect(new Set(unknown.map((s) => s.labels.dependency))).toEqual(new Set(['storage', 'sql', 'keyvault', 'graph', 'monitoring', 'management', 'eventhub']));
    expect(unknown.every((s) => s.value === 1 && s.labels.cause === 'remote_gateway')).toBe(true);
    expect(find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-hybrid', required: 'true' }).every((s) => s.value === 1)).toBe(true);
    // Instances without gateways keep their judged routes (fabrikam-partners' forced tunnel is at risk through its appliance: cause appliance).
    expect(find(samples, 'apim_network_route_unknown', {}).filter((s) => s.labels.cause !== 'appliance').every((s) => s.labels.apim_service === 'contoso-hybrid')).toBe(true);
  });

  it('/api/v1/status names the gateway, its VNet and the peering; the likely cause of failing Storage says it', () => {
    const config = hybrid().regions[0]!.config!;
    const storage = config.routes!.verdicts.find((verdict) => verdict.dependency === 'storage')!;
    expect(storage.unknown?.reason).toContain('ExpressRoute gateway vgw-er-hub-weu of the peered VNet vnet-hub-weu (peering hybrid-to-hub uses its gateways): the subnet has no route table');
    const failing = hybrid().regions[0]!.dependencies.find((dependency) => dependency.dependency === 'storage' && dependency.required)!;
    expect(failing.likelyCause).toMatchObject({ kind: 'route' });
    expect(failing.likelyCause?.summary).toContain('Storage traffic may not reach Internet: ExpressRoute gateway vgw-er-hub-weu');
  });

  it('the instance page marks the routes UNKNOWN with the reason', async () => {
    const page = await (await fetch(`${base}/instances/${encodeURIComponent(hybrid().instance.id)}`)).text();
    expect(page).toContain('UNKNOWN</span></td><td>storage</td>');
    expect(page).toContain('peering hybrid-to-hub uses its gateways');
  });

  it('check --demo lists the routes under "could not check", not as blocked', async () => {
    const json = JSON.parse((await runCli(['check', '--demo', '-o', 'json'])).stdout) as { blocked: Array<Record<string, unknown>>; unchecked: Array<{ target: string; reason: string }> };
    expect(json.blocked.filter((entry) => entry.apim_service === 'contoso-hybrid')).toEqual([]);
    const unchecked = json.unchecked.find((entry) => entry.target.includes('contoso-hybrid'));
    expect(unchecked?.reason).toMatch(/^cannot judge the routes of Storage, .*vgw-er-hub-weu/);
  });
});

describe('a Standard v2 instance (VNet integration), end to end (serve --demo)', () => {

  const edge = () => instanceNamed('fabrikam-edge');

  it('/metrics: judged on its own tier\'s one flow (Storage 443, denied), its subnet checks pass, and no "no data" series', () => {
    const flows = find(samples, 'apim_network_flow_allowed', { apim_service: 'fabrikam-edge' });
    expect(flows.map((s) => [s.labels.peer, s.labels.port, s.labels.decided_by, s.value])).toEqual([['Storage', '443', 'DenyInternetOutbound', 0]]);
    expect(find(samples, 'apim_network_subnet_check_ok', { apim_service: 'fabrikam-edge' }).map((s) => [s.labels.check, s.value])).toEqual([['delegation', 1], ['size', 1]]);
    expect(find(samples, 'apim_network_status_entries', { apim_service: 'fabrikam-edge' })).toEqual([]);
    expect(find(samples, 'apim_instance_info', { apim_service: 'fabrikam-edge' })[0]?.labels.sku).toBe('StandardV2');
  });

  it('/api/v1/status: NetworkStatus not available for the tier, and drift compares it with v2 instances only', () => {
    expect(edge().regions[0]!.data).toBe('not-available');
    expect(edge().networkStatusUnavailable).toBe('the API returned no entries');
    const groups = status.drift.filter((group) => group.members.some((member) => member.apimService === 'fabrikam-edge')).map((group) => group.group);
    expect(groups).toEqual(['fleet:v2']);
  });

  it('the instance page and check say so, and check pages on the denied flow', async () => {
    const page = await (await fetch(`${base}/instances/${encodeURIComponent(edge().instance.id)}`)).text();
    expect(page).toContain('NetworkStatus not available for this tier (StandardV2): judged on configuration alone.');
    const table = await runCli(['check', '--demo']);
    expect(table.stdout).toMatch(/fabrikam-edge +northeurope .* N\/A +NetworkStatus not available for this tier \(StandardV2\)/);
    expect(table.stdout).toContain('outbound Storage Tcp/443 denied in fabrikam-edge (northeurope)');
  });
});

describe('internal mode\'s private DNS, end to end (serve --demo)', () => {

  it('/metrics: contoso-internal\'s gateway record is stale, its other names ok; contoso-hybrid\'s central zone ok; custom DNS without a zone unknown', () => {
    const states = (name: string) => Object.fromEntries(find(samples, 'apim_network_private_dns_record', { apim_service: name }).map((s) => [s.labels.hostname, s.labels.state]));
    expect(states('contoso-internal')).toEqual({
      'contoso-internal.azure-api.net': 'stale',
      'contoso-internal.portal.azure-api.net': 'ok',
      'contoso-internal.developer.azure-api.net': 'ok',
      'contoso-internal.management.azure-api.net': 'ok',
      'contoso-internal.scm.azure-api.net': 'ok',
    });
    expect(new Set(Object.values(states('contoso-hybrid')))).toEqual(new Set(['ok']));
    expect(new Set(Object.values(states('fabrikam-partners')))).toEqual(new Set(['unknown']));
    // External instances have no private DNS to judge.
    expect(find(samples, 'apim_network_private_dns_record', { apim_service: 'contoso-prod' })).toEqual([]);
  });

  it('/api/v1/status, the instance page and check name the zone, the record and the VIP', async () => {
    const internal = instanceNamed('contoso-internal');
    const gateway = internal.regions[0]!.config!.privateDns!.find((record) => record.hostname === 'contoso-internal.azure-api.net')!;
    expect(gateway).toMatchObject({ state: 'stale', zone: 'azure-api.net', found: ['10.30.7.4'], expected: ['10.30.8.4'] });
    const page = await (await fetch(`${base}/instances/${encodeURIComponent(internal.instance.id)}`)).text();
    expect(page).toContain("The instance's host names in the private DNS zones linked to the VNet");
    expect(page).toContain('STALE');
    const fleetPage = (await (await fetch(`${base}/`)).text()).replace(/<[^>]+>/g, '');
    expect(fleetPage).toMatch(/Warnings \(\d+\)/);
    expect(fleetPage).toContain('contoso-internal (westeurope) private-dns: stale: contoso-internal.azure-api.net');
    const json = JSON.parse((await runCli(['check', '--demo', '-o', 'json'])).stdout) as { warnings: Array<{ apim_service: string; kind: string; detail: string }> };
    expect(json.warnings.filter((warning) => warning.kind === 'private-dns').map((warning) => warning.apim_service)).toEqual(['contoso-internal']);
    expect(json.warnings.find((warning) => warning.kind === 'private-dns')?.detail).toContain('maps "contoso-internal" to 10.30.7.4, but the instance\'s private VIP here is 10.30.8.4');
  });
});


describe('a v2 instance whose NetworkStatus the API refuses', () => {
  it('an error other than throttling or a missing permission keeps the instance, judged on configuration', async () => {
    const { report } = await pollWorld({ ...buildDemoWorld(new Date()), faults: [{ path: '/fabrikam-edge/networkstatus', status: 404 }] });
    const edge = report.instances.find((instance) => instance.instance.name === 'fabrikam-edge')!;
    expect(edge.targetUp).toBe(true);
    expect(edge.regions[0]?.data).toBe('not-available');
    expect(edge.networkStatusUnavailable).toMatch(/^the API answered 404 ResourceNotFound/);
    expect(edge.regions[0]?.config?.flows.find((flow) => flow.peer === 'Storage')?.verdict).toBe('denied');
  });
});

describe('security admin rules that cannot be read', () => {
  const poll = (resourceGraph: boolean, faults: Fault[]) => pollWorld({ ...buildDemoWorld(new Date()), faults }, resourceGraph);
  const forbidden: Fault[] = [{ path: '/listNetworkManagerEffectiveSecurityAdminRules', status: 403 }];
  const regionOf = (report: FleetReport, name: string) => report.instances.find((instance) => instance.instance.name === name)!.regions[0]!.config!;

  it('where Resource Graph shows rules in force, a 403 makes their flows unknown (never the NSG\'s "allowed"), with the permission to grant', async () => {
    const { report, samples } = await poll(true, forbidden);
    const payments = regionOf(report, 'contoso-payments');
    expect(payments.adminRules?.unreadable).toContain('listNetworkManagerEffectiveSecurityAdminRules/action');
    expect(payments.flows.filter((flow) => flow.required).every((flow) => flow.verdict === 'unknown')).toBe(true);
    expect(find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-payments' })).toEqual([]);
    expect(find(samples, 'apim_network_admin_rules_unreadable', { apim_service: 'contoso-payments' })[0]?.value).toBe(1);
    // The other VNets have none in force (Resource Graph says so): not asked, judged as before.
    expect(find(samples, 'apim_network_admin_rules_unreadable', { apim_service: 'contoso-prod' }).map((s) => s.value)).toEqual([0, 0]);
    expect(regionOf(report, 'contoso-internal').flows.find((flow) => flow.peer === 'Sql')?.decidedBy).toBe('DenyDatabaseEgress');
  });

  it('without Resource Graph, a 403 leaves the NSG\'s verdicts standing and says so on every region', async () => {
    const { report, samples } = await poll(false, forbidden);
    const payments = regionOf(report, 'contoso-payments');
    expect(payments.flows.find((flow) => flow.peer === 'Sql')?.verdict).toBe('allowed');
    expect(payments.findings.join('\n')).toContain('could not be read, so flows are judged on the NSG alone');
    expect(find(samples, 'apim_network_admin_rules_unreadable', {}).every((s) => s.value === 1)).toBe(true);
  });
});
