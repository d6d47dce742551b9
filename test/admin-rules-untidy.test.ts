import { describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { ADMIN_RULES_QUERY } from '../src/azure/admin-rules-reader.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld } from '../src/simulator/demo-world.js';
import { SUB_CONTOSO, SUB_FABRIKAM, rgPrefix } from '../src/simulator/demo/identities.js';
import { routeGraph } from '../src/simulator/handlers/graph.js';
import { SimulatorState } from '../src/simulator/handlers/state.js';
import { startSimulator } from '../src/simulator/server.js';
import type { Fault, World } from '../src/simulator/world.js';
import { memoryLog } from './helpers/memory-log.js';
import { pollWorld } from './helpers/poll-world.js';

/**
 * Security admin rules as untidy as Azure serves them (issue 27), read through the real SDK clients from
 * the simulator: rows cased otherwise or not there yet, the list paged with a skipToken; and subscriptions
 * that Azure reports Warned or PastDue, whose resources keep running.
 */

const DENY = 'DenySqlEgress-SEC-3310 (admin rule of network manager corp-avnm)';
const ADMIN_POSTS = 'ListNetworkManagerEffectiveSecurityAdminRules';

/** corp-avnm as ARM returns it (NetworkManagers_Get, 2024-05-01): scoped to Contoso's subscription, deploying security admin rules. */
const corpAvnm = {
  id: `${rgPrefix(SUB_CONTOSO, 'rg-corp-network')}/providers/Microsoft.Network/networkManagers/corp-avnm`,
  name: 'corp-avnm',
  type: 'Microsoft.Network/networkManagers',
  location: 'westeurope',
  etag: 'W/"0b5d2f7e-6b1f-4c36-9d35-3f0d1b4c2a11"',
  properties: {
    description: 'Contoso corporate network manager',
    networkManagerScopes: { managementGroups: [], subscriptions: [`/subscriptions/${SUB_CONTOSO}`] },
    networkManagerScopeAccesses: ['SecurityAdmin', 'Connectivity'],
    provisioningState: 'Succeeded',
    resourceGuid: '7d3c2f50-8d3e-4b8b-9a55-0f2f6b0c9e41',
  },
};

function demoWorld(extra: Partial<World> = {}, withManager = false): World {
  const world = buildDemoWorld(new Date());
  return { ...world, ...extra, resources: withManager ? [...world.resources, corpAvnm] : world.resources };
}

const regionOf = (report: FleetReport, name: string) => report.instances.find((instance) => instance.instance.name === name)!.regions[0]!.config!;
const sqlFlow = (report: FleetReport) => regionOf(report, 'contoso-payments').flows.find((flow) => flow.peer === 'Sql' && flow.port === 1433)!;
/** The VNets (lower-cased IDs) the world's VNet-injected APIM instances are in, every region. */
function vnetsOfInstances(world: World): string[] {
  const subnets = world.resources
    .filter((resource) => /\/providers\/microsoft\.apimanagement\/service\/[^/]+$/i.test(resource.id))
    .flatMap((service) => {
      const properties = service.properties as { virtualNetworkConfiguration?: { subnetResourceId?: string }; additionalLocations?: Array<{ virtualNetworkConfiguration?: { subnetResourceId?: string } }> };
      return [properties.virtualNetworkConfiguration, ...(properties.additionalLocations ?? []).map((location) => location.virtualNetworkConfiguration)];
    })
    .map((configuration) => configuration?.subnetResourceId)
    .filter((id): id is string => typeof id === 'string');
  return [...new Set(subnets.map((id) => id.split(/\/subnets\//i)[0]!.toLowerCase()))];
}
/** Two polls of one monitor of `subscriptions` ([]: every subscription it can list): the last report, each poll's cost, what it logged. */
async function pollTwice(world: World, subscriptions: string[]) {
  const simulator = await startSimulator({ world });
  const { log, lines } = memoryLog('info');
  try {
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions, resourceGraph: true } }, 'test', {});
    const monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false });
    await monitor.poller.pollNow();
    const first = monitor.lastCollectStats!;
    const report = (await monitor.poller.pollNow())!;
    return { report, lines, stats: [first, monitor.lastCollectStats!] };
  } finally {
    await simulator.close();
  }
}

const posts = (stats: { armRequests: { byOperation: Record<string, number> } }) => stats.armRequests.byOperation[ADMIN_POSTS] ?? 0;

describe('admin-rule rows as Azure writes them', () => {
  const rowsOf = (world: World) =>
    (routeGraph(new SimulatorState(world), { subscriptions: [SUB_CONTOSO, SUB_FABRIKAM], query: ADMIN_RULES_QUERY }, () => false) as { data: Array<{ properties: Record<string, unknown> }> }).data;

  it('the simulator writes the rows camelCase by default, PascalCase or not at all when the world says so', () => {
    expect(Object.keys(rowsOf(demoWorld())[0]!.properties).sort()).toEqual(['effectiveSecurityAdminConfigurations', 'provisioningState', 'resourceId']);
    const pascal = rowsOf(demoWorld({ adminRuleRows: 'PascalCase' }));
    expect(Object.keys(pascal[0]!.properties).sort()).toEqual(['EffectiveSecurityAdminConfigurations', 'ProvisioningState', 'ResourceId']);
    expect(pascal[0]!.properties.EffectiveSecurityAdminConfigurations).toEqual([{ Id: expect.stringMatching(/\/networkManagers\/corp-avnm\/securityAdminConfigurations\/corp-baseline\/snapshots\/0$/) }]);
    expect(rowsOf(demoWorld({ adminRuleRows: 'missing' }))).toEqual([]);
  });

  it('PascalCase rows (EffectiveSecurityAdminConfigurations[].Id): the Deny admin rule is found, and only its VNet is asked', async () => {
    const { report, stats } = await pollWorld(demoWorld({ adminRuleRows: 'PascalCase' }));
    expect([sqlFlow(report).verdict, sqlFlow(report).decidedBy]).toEqual(['denied', DENY]);
    expect(regionOf(report, 'contoso-payments').adminRules).toEqual({ count: 2, networkManagers: ['corp-avnm'] });
    expect(posts(stats)).toBe(1);
  });

  it('rows missing (not indexed yet) under a network manager that covers the subscription: every VNet there is asked, the Deny is found', async () => {
    const world = demoWorld({ adminRuleRows: 'missing' }, true);
    const { report, stats } = await pollWorld(world);
    expect([sqlFlow(report).verdict, sqlFlow(report).decidedBy]).toEqual(['denied', DENY]);
    // Contoso's VNets are asked (payments' among them), Fabrikam's, outside the manager's scope, are not.
    const contosoVnets = new Set(vnetsOfInstances(world).filter((vnet) => vnet.includes(SUB_CONTOSO.toLowerCase())));
    expect(posts(stats)).toBe(contosoVnets.size);
    expect(contosoVnets.size).toBeGreaterThan(1);
    expect(report.instances.some((i) => i.instance.subscriptionId === SUB_FABRIKAM)).toBe(true);
  });

  it('rows missing: a VNet asked and found without rules is not asked again next poll; one with rules is, until its row comes', async () => {
    const world = demoWorld({ adminRuleRows: 'missing' }, true);
    const { stats } = await pollTwice(world, [SUB_CONTOSO, SUB_FABRIKAM]);
    expect(posts(stats[0]!)).toBeGreaterThan(1);
    expect(posts(stats[1]!)).toBe(1);
  });

  it('rows missing and the rules not readable: the flows are unknown, never the NSG\'s "allowed", and the finding says why', async () => {
    const forbidden: Fault[] = [{ path: '/listNetworkManagerEffectiveSecurityAdminRules', status: 403 }];
    const { report } = await pollWorld(demoWorld({ adminRuleRows: 'missing', faults: forbidden }, true));
    const payments = regionOf(report, 'contoso-payments');
    expect(payments.flows.filter((flow) => flow.required).every((flow) => flow.verdict === 'unknown')).toBe(true);
    expect(payments.findings.join('\n')).toContain('could not be read, so the flows they could decide are unknown');
    expect(payments.adminRules?.unreadable).toContain('listNetworkManagerEffectiveSecurityAdminRules/action');
  });

  it('a network manager without SecurityAdmin access (connectivity only) adds no request: rows decide as before', async () => {
    const connectivityOnly = { ...corpAvnm, properties: { ...corpAvnm.properties, networkManagerScopeAccesses: ['Connectivity'] } };
    const world = buildDemoWorld(new Date());
    const { report, stats } = await pollWorld({ ...world, resources: [...world.resources, connectivityOnly] });
    expect(sqlFlow(report).verdict).toBe('denied');
    expect(posts(stats)).toBe(1);
  });
});

describe('the admin-rules list paged with its skipToken', () => {
  it('a world paging one rule at a time: each page read once, each rule recorded once', async () => {
    const { report, stats } = await pollWorld(demoWorld({ adminRulePageSize: 1 }));
    expect(regionOf(report, 'contoso-payments').adminRules).toEqual({ count: 2, networkManagers: ['corp-avnm'] });
    expect([sqlFlow(report).verdict, sqlFlow(report).decidedBy]).toEqual(['denied', DENY]);
    expect(posts(stats)).toBe(2);
  });

  it('a service that answers the same page whatever token is sent: its rules are recorded once, not twice', async () => {
    const world = buildDemoWorld(new Date());
    const tables = world.effectiveSecurityAdminRules as Record<string, { value: unknown[] }>;
    const withToken = Object.fromEntries(Object.entries(tables).map(([vnet, body]) => [vnet, { ...body, skipToken: 'page-2' }]));
    const { report, stats } = await pollWorld({ ...world, effectiveSecurityAdminRules: withToken });
    expect(regionOf(report, 'contoso-payments').adminRules).toEqual({ count: 2, networkManagers: ['corp-avnm'] });
    expect(posts(stats)).toBe(2);
  });
});

describe('subscriptions that Azure reports Warned or PastDue', () => {

  for (const state of ['Warned', 'PastDue'] as const) {
    it(`${state}: its instances are monitored; a Disabled one is skipped, said once`, async () => {
      const { report, lines } = await pollTwice(demoWorld({ subscriptionStates: { [SUB_CONTOSO]: state, [SUB_FABRIKAM]: 'Disabled' } }), []);
      const subscriptions = new Set(report.instances.map((instance) => instance.instance.subscriptionId.toLowerCase()));
      expect([...subscriptions]).toEqual([SUB_CONTOSO.toLowerCase()]);
      expect(report.instances.find((instance) => instance.instance.name === 'contoso-payments')?.targetUp).toBe(true);
      const skipped = lines.filter((line) => line.msg.startsWith('not monitoring'));
      expect(skipped.map((line) => line.msg)).toEqual([`not monitoring 1 subscription(s) that Azure reports Disabled or Deleted: ${SUB_FABRIKAM.toLowerCase()} (Disabled)`]);
    });
  }
});
