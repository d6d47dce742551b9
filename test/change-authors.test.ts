import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { createApp } from '../src/http/app.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { securityRule } from '../src/simulator/demo/nsg-rules.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { parseWorld, type ArmResource, type World } from '../src/simulator/world.js';
import { routeGraph } from '../src/simulator/handlers/graph.js';
import type { ArmError } from '../src/simulator/arm-errors.js';
import { SimulatorState } from '../src/simulator/handlers/state.js';
import { changeRecordOf, resourceChangesQuery } from '../src/azure/resource-changes.js';
import type { FleetReport } from '../src/analysis/report.js';
import { putJson } from './helpers/https.js';
import { waitFor } from './helpers/ports.js';
import { find, parseExposition } from './helpers/metrics.js';

/**
 * Who, when, what: a breaking NSG write through the simulator's ARM write (which Resource Graph's
 * resourcechanges records, as Azure does) is joined to the flow it denies, in the JSON API, the pages and
 * the metric the alerts read; a record that arrives late fills in who when it arrives.
 */

const DENY_SQL = 'DenySql-CHG0815';
const AUTHOR = { 'x-simulator-changed-by': 'netops@contoso.example', 'x-simulator-changed-by-type': 'User', 'x-simulator-client-type': 'Azure Portal' };

const until = <T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> => waitFor(what, async () => probe(), timeoutMs, 100);

const prodRegion = (report: FleetReport | undefined, location: string) =>
  report?.instances.find((instance) => instance.instance.name === 'contoso-prod')?.regions.find((region) => region.location === location);
const sqlLocation = (report: FleetReport | undefined): string => report!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.regions[0]!.location;
const sqlFlowOf = (report: FleetReport | undefined, location: string) => prodRegion(report, location)?.config?.flows.find((flow) => flow.peer === 'Sql' && flow.direction === 'outbound');

describe('who made a breaking change: Resource Graph resourcechanges joined to the verdict it broke', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = server = undefined;
  });

  async function watching(world: World) {
    simulator = await startSimulator({ world });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS] }, watch: { intervalSeconds: 0.3 } }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    await monitor.poller.pollNow();
    const prod = monitor.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!;
    const region = prod.network![0]!;
    const nsg = world.resources.find((resource) => resource.id.toLowerCase() === region.subnet!.nsg!.id.toLowerCase())!;
    monitor.watch!.start();
    const m = monitor;
    server = createServer(createApp({ report: () => m.report, fleetMetrics: () => m.fleetBody(), selfMetrics: () => m.selfMetrics.render(), simulated: true }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { m, sim: simulator, nsg, location: region.location, base };
  }

  /** The NSG body with the deny added: an ARM write through the control API, recorded as `headers` say. */
  const writeDeny = (sim: RunningSimulator, nsg: ArmResource, headers: Record<string, string>) => {
    const copy = structuredClone(nsg) as ArmResource & { properties: { securityRules: unknown[] } };
    copy.properties.securityRules.push(
      securityRule(nsg.id, { name: DENY_SQL, priority: 100, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'] }),
    );
    return putJson(`${sim.url}/_simulator/resource`, copy, sim.caCertPem, headers);
  };

  it('names the rule added, who added it and through which client, next to the flow, on the pages and on /metrics', async () => {
    const { m, sim, nsg, location, base } = await watching(buildDemoWorld(new Date()));
    expect(sqlFlowOf(m.report, location)?.verdict).toBe('allowed');
    expect(await writeDeny(sim, nsg, AUTHOR)).toBe(200);

    const flow = await until('the flow, denied, with its author', () => {
      const found = sqlFlowOf(m.report, location);
      return found?.change?.authorState === 'found' ? found : undefined;
    }, 10_000);
    expect(flow.verdict).toBe('denied');
    expect(flow.change).toMatchObject({
      resourceKind: 'networkSecurityGroup',
      resourceId: nsg.id,
      items: [{ kind: 'rule', name: DENY_SQL, change: 'added' }],
      previousVerdict: 'allowed',
      author: { changedBy: 'netops@contoso.example', changedByType: 'User', clientType: 'Azure Portal', changeType: 'Update', operation: 'microsoft.network/networksecuritygroups/write' },
    });
    // Azure's keys: leaf paths, the rule by its index, named by its name leaf.
    expect(flow.change!.author!.changedPaths).toContainEqual(expect.stringMatching(/^properties\.securityRules\[\d+\]\.name$/));
    // The other flows of the region were not changed by it: no change joined to them.
    expect(prodRegion(m.report, location)!.config!.flows.filter((f) => f.change).map((f) => f.peer)).toEqual(['Sql']);

    // The JSON API: the change object next to the flow.
    const status = (await (await fetch(`${base}/api/v1/status`)).json()) as FleetReport;
    expect(sqlFlowOf(status, location)?.change?.author?.changedBy).toBe('netops@contoso.example');
    // The status page's blocked table and the instance page say it in a sentence.
    const fleetPage = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    expect(fleetPage).toMatch(new RegExp(`rule ${DENY_SQL} added \\(NSG ${nsg.id.split('/').at(-1)}\\) by netops@contoso.example \\(User\\) via Azure Portal at \\d\\d:\\d\\d UTC`));
    const prodId = m.report!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.instance.id;
    const instancePage = await (await fetch(`${base}/instances/${encodeURIComponent(prodId.toLowerCase())}`, { headers: { accept: 'text/html' } })).text();
    expect(instancePage).toContain('Recent configuration changes');
    expect(instancePage).toContain(`Was allowed; changed: rule ${DENY_SQL} added`);
    // The metric the page's description reads: one series for the region, who in bounded labels.
    const series = find(parseExposition(await m.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod', location });
    expect(series).toHaveLength(1);
    expect(series[0]!.labels).toMatchObject({ resource_type: 'networkSecurityGroup', author_state: 'found', changed_by: 'netops@contoso.example', changed_by_type: 'User', client_type: 'Azure Portal' });
    expect(Math.abs(series[0]!.value - Date.parse(flow.change!.author!.timestamp) / 1000)).toBeLessThan(0.01);

    // The fix is a change too: the flow is allowed again, and says who allowed it.
    expect(await putJson(`${sim.url}/_simulator/resource`, nsg, sim.caCertPem, { ...AUTHOR, 'x-simulator-changed-by': 'oncall@contoso.example' })).toBe(200);
    const fixed = await until('the fix, with its author', () => {
      const found = sqlFlowOf(m.report, location);
      return found?.verdict === 'allowed' && found.change?.authorState === 'found' ? found : undefined;
    }, 10_000);
    expect(fixed.change).toMatchObject({ previousVerdict: 'denied', items: [{ kind: 'rule', name: DENY_SQL, change: 'removed' }], author: { changedBy: 'oncall@contoso.example' } });
    // The changes survive the next NetworkStatus poll.
    await m.poller.pollNow();
    expect(sqlFlowOf(m.report, location)?.change?.author?.changedBy).toBe('oncall@contoso.example');
    expect(prodRegion(m.report, location)?.config?.changes?.map((change) => change.items[0]!.change)).toEqual(['removed', 'added']);
    // A configuration reload's new monitor takes them over, with what it shows.
    const successor = new Monitor(m.config, { log: pino({ level: 'silent' }), caPem: sim.caCertPem, processMetrics: false });
    try {
      await successor.takeOver(m);
      expect(sqlFlowOf(successor.report, location)?.change?.author?.changedBy).toBe('oncall@contoso.example');
      expect(find(parseExposition(await successor.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod', location })[0]?.labels.changed_by).toBe('oncall@contoso.example');
    } finally {
      await successor.stop();
    }
  }, 30_000);

  it('a service endpoint removed from the subnet (a write of its VNet) and a route changed in the route table are joined to the verdicts they changed, with who', async () => {
    const world = buildDemoWorld(new Date());
    const { m, sim } = await watching(world);
    const partners = () => m.report?.instances.find((instance) => instance.instance.name === 'fabrikam-partners')?.regions[0];
    const vnet = world.resources.find((resource) => /\/virtualNetworks\/vnet-fabrikam-hub-weu$/i.test(resource.id))!;
    const table = world.resources.find((resource) => /\/routeTables\/rt-apim-partners-weu$/i.test(resource.id))!;
    expect(partners()?.config?.serviceEndpoints.find((endpoint) => endpoint.service === 'Microsoft.Sql')?.enabled).toBe(true);

    // The subnet loses its SQL service endpoint: under forced tunnelling SQL's traffic now goes to the firewall.
    const withoutSql = structuredClone(vnet) as ArmResource & { properties: { subnets: Array<{ name: string; properties: { serviceEndpoints: Array<{ service: string }> } }> } };
    const subnet = withoutSql.properties.subnets.find((candidate) => candidate.name === 'snet-apim-partners')!;
    subnet.properties.serviceEndpoints = subnet.properties.serviceEndpoints.filter((endpoint) => endpoint.service !== 'Microsoft.Sql');
    expect(await putJson(`${sim.url}/_simulator/resource`, withoutSql, sim.caCertPem, { ...AUTHOR, 'x-simulator-client-type': 'Azure CLI' })).toBe(200);
    const endpoint = await until('the service endpoint gone, with who', () => {
      const found = partners()?.config?.serviceEndpoints.find((candidate) => candidate.service === 'Microsoft.Sql');
      return found?.change?.authorState === 'found' ? found : undefined;
    }, 10_000);
    expect(endpoint).toMatchObject({ enabled: false, change: { resourceKind: 'subnet', items: [{ kind: 'serviceEndpoint', name: 'Microsoft.Sql', change: 'removed' }], previousVerdict: 'enabled' } });
    // Recorded on the VNet (the resource written), matched to the subnet's change.
    expect(endpoint.change?.author).toMatchObject({ changedBy: 'netops@contoso.example', clientType: 'Azure CLI', operation: 'microsoft.network/virtualnetworks/write' });
    const sqlRoute = partners()?.config?.routes?.verdicts.find((route) => route.dependency === 'sql');
    expect(sqlRoute).toMatchObject({ ok: false, change: { resourceKind: 'subnet', previousVerdict: 'ok' } });

    // The route table sends the control plane's replies to the firewall.
    const diverted = structuredClone(table) as ArmResource & { properties: { routes: Array<{ name: string; properties: { nextHopType: string; nextHopIpAddress?: string } }> } };
    const controlPlane = diverted.properties.routes.find((route) => route.name === 'apim-control-plane')!;
    controlPlane.properties = { ...controlPlane.properties, nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.40.0.4' };
    expect(await putJson(`${sim.url}/_simulator/resource`, diverted, sim.caCertPem, AUTHOR)).toBe(200);
    const change = await until('the route table change, with who', () => {
      const latest = partners()?.config?.changes?.[0];
      return latest?.resourceKind === 'routeTable' && latest.authorState === 'found' ? latest : undefined;
    }, 10_000);
    expect(change.items).toEqual([{ kind: 'route', name: 'apim-control-plane', change: 'modified' }]);
    expect(change.author).toMatchObject({ changedBy: 'netops@contoso.example', operation: 'microsoft.network/routetables/write' });
  }, 30_000);

  it.each([
    ['asks Resource Graph who made it', { resourceGraph: true }, { authorState: 'found', author: { changedBy: 'netops@contoso.example' } }],
    ['says why it cannot tell who made it, with Resource Graph off', { resourceGraph: false }, { authorState: 'unreadable', authorError: expect.stringMatching(/azure\.resourceGraph is off/) }],
  ])('with the watch off, a poll notes the change against the last one and %s', async (_what, azure, expected) => {
    const world = buildDemoWorld(new Date());
    simulator = await startSimulator({ world });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], ...azure }, watch: { enabled: false } }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    await monitor.poller.pollNow();
    const location = sqlLocation(monitor.report);
    const nsgId = prodRegion(monitor.report, location)!.config!.nsgId!;
    expect(await writeDeny(simulator, world.resources.find((resource) => resource.id === nsgId)!, AUTHOR)).toBe(200);
    await monitor.poller.pollNow();
    expect(sqlFlowOf(monitor.report, location)).toMatchObject({ verdict: 'denied', change: { ...expected, previousVerdict: 'allowed' } });
    expect(find(parseExposition(await monitor.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod', location })[0]?.labels.author_state).toBe(expected.authorState);
  }, 30_000);

  it('shows the verdict at once and fills in who when Resource Graph records it; System and Unknown authors as Azure writes them', async () => {
    const { m, sim, nsg, location } = await watching({ ...buildDemoWorld(new Date()), resourceChangesLagSeconds: 2 });
    const wrote = Date.now();
    expect(await writeDeny(sim, nsg, { 'x-simulator-changed-by': 'System', 'x-simulator-changed-by-type': 'Unknown' })).toBe(200);
    const pending = await until('the deny, its author pending', () => {
      const found = sqlFlowOf(m.report, location);
      return found?.verdict === 'denied' ? found : undefined;
    }, 10_000);
    expect(pending.change?.authorState).toBe('pending');
    expect(Date.now() - wrote, 'shown before the record arrived').toBeLessThan(2000);
    expect(find(parseExposition(await m.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod', location })[0]?.labels).toMatchObject({ author_state: 'pending', changed_by: '' });
    const found = await until('the author, once recorded', () => {
      const flow = sqlFlowOf(m.report, location);
      return flow?.change?.authorState === 'found' ? flow : undefined;
    }, 10_000);
    expect(Date.now() - wrote).toBeGreaterThanOrEqual(2000);
    expect(found.change?.author).toMatchObject({ changedBy: 'System', changedByType: 'Unknown', clientType: 'Unknown' });
    expect(find(parseExposition(await m.fleetMetrics()), 'apim_network_config_change_timestamp_seconds', { apim_service: 'contoso-prod', location })[0]?.labels).toMatchObject({ author_state: 'found', changed_by: 'System' });
  }, 30_000);
});

describe('the simulator serves resourcechanges as Resource Graph does', () => {
  const row = JSON.parse(readFileSync(new URL('./fixtures/arm-examples/ResourceGraph__resourcechanges-row.json', import.meta.url), 'utf8')) as { subscriptionId: string; properties: { targetResourceId: string } };
  const query = (ids: string[], since: string) => resourceChangesQuery(ids, new Date(since));
  const answer = (world: Partial<World>, subscriptions: string[], text: string) =>
    routeGraph(new SimulatorState({ resources: [], networkStatus: {}, serviceTags: {}, faults: [], ...world }), { subscriptions, query: text }, () => false) as { data: Array<Record<string, unknown>>; totalRecords: number };

  it.each([
    ['the resource, since before the change', [row.properties.targetResourceId], '2024-06-12T00:00:00Z', [row.subscriptionId], 1],
    ['IDs compared case-insensitively', [row.properties.targetResourceId.toUpperCase()], '2024-06-12T00:00:00Z', [row.subscriptionId], 1],
    ['since after the change', [row.properties.targetResourceId], '2024-06-12T13:26:18Z', [row.subscriptionId], 0],
    ['another resource', [`${row.properties.targetResourceId}2`], '2024-06-12T00:00:00Z', [row.subscriptionId], 0],
    ['another subscription in scope', [row.properties.targetResourceId], '2024-06-12T00:00:00Z', ['33333333-3333-3333-3333-333333333333'], 0],
  ])('%s', (_what, ids, since, subscriptions, rows) => {
    const result = answer({ resourceChanges: [row] }, subscriptions, query(ids, since));
    expect(result.totalRecords).toBe(rows);
    if (rows) expect(result.data[0]).toMatchObject({ ...row, changeTime: '2024-06-12T13:26:17.347Z', targetResourceId: row.properties.targetResourceId.toLowerCase() });
  });

  it('reads back through the monitor\'s reader as the row says: who, how, what', () => {
    const record = changeRecordOf(row as never);
    expect(record).toEqual({
      targetResourceId: row.properties.targetResourceId,
      author: {
        changedBy: 'john@contoso.com',
        changedByType: 'User',
        clientType: 'Azure Portal',
        operation: 'microsoft.compute/virtualmachines/write',
        timestamp: '2024-06-12T13:26:17.347Z',
        changeType: 'Update',
        correlationId: '11111111-1111-1111-1111-111111111111',
        changedPaths: ['properties.provisioningState', 'tags.key1'],
      },
      // What the write touched, for the join: the System leaf says nothing of it.
      written: { elements: [], paths: ['tags.key1'], whole: false },
    });
  });

  it('hides a row until resourceChangesLagSeconds after its time, and rejects a query of another shape with 400', () => {
    const fresh = structuredClone(row) as typeof row & { properties: { changeAttributes: { timestamp: string } } };
    fresh.properties.changeAttributes.timestamp = new Date().toISOString();
    expect(answer({ resourceChanges: [fresh], resourceChangesLagSeconds: 60 }, [row.subscriptionId], query([row.properties.targetResourceId], '2024-01-01T00:00:00Z')).totalRecords).toBe(0);
    expect(answer({ resourceChanges: [fresh] }, [row.subscriptionId], query([row.properties.targetResourceId], '2024-01-01T00:00:00Z')).totalRecords).toBe(1);
    let refused: ArmError | undefined;
    try {
      answer({ resourceChanges: [row] }, [row.subscriptionId], 'resourcechanges | take 5');
    } catch (err) {
      refused = err as ArmError;
    }
    expect(refused?.status).toBe(400);
    expect(refused?.details?.map((detail) => detail.code)).toEqual(['InvalidQuery', 'UnsupportedQuery']);
  });

  it('a world with a malformed row is refused with the path of the problem', () => {
    expect(() => parseWorld({ resourceChanges: [{ id: 'x', properties: { targetResourceId: 'y', changeAttributes: { timestamp: 'yesterday' } } }] })).toThrow(/resourceChanges\.0\.properties\.changeAttributes\.timestamp/);
  });
});
