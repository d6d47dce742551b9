import { afterEach, describe, expect, it } from 'vitest';
import { APIM_SERVICES_QUERY } from '../src/azure/resource-graph.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { SUB_FABRIKAM, TENANT_ID } from '../src/simulator/demo/identities.js';
import { routeGraph } from '../src/simulator/handlers/graph.js';
import { SimulatorState } from '../src/simulator/handlers/state.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';
import { memoryLog } from './helpers/memory-log.js';
import { find, parseExposition } from './helpers/metrics.js';
import { until } from './helpers/ports.js';
import { denySqlRule, withRule } from './helpers/world-edits.js';

/**
 * Issue 27, "everything is tidy", over time: Resource Graph spells a row's `id` differently from one read to the
 * next (azure-rest-api-specs #31379), and from what a GET says; rows carry null columns and their subscription's
 * home tenant. Neither is a configuration change, nor a reason to lose or double anything.
 */

const CUSTOMER_TENANT = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

describe('an untidy Azure over time', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  /** A monitor of `world` (not yet polled) with its watch stopped, run by hand; `subscriptions` [] lists them all. */
  async function monitorOf(world: World, options: { subscriptions?: readonly string[]; tags?: Record<string, string>; instances?: string[] } = {}) {
    simulator = await startSimulator({ world });
    const { log, lines } = memoryLog('info');
    const config = validateConfig(
      { azure: { endpoint: simulator.url, subscriptions: [...(options.subscriptions ?? DEMO_SUBSCRIPTIONS)], maxRetries: 0 }, targets: { tags: options.tags ?? {}, instances: options.instances ?? [] }, watch: { intervalSeconds: 3600 } },
      'test',
      {},
    );
    monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false });
    return { monitor, simulator, lines };
  }
  const own = async (m: Monitor, name: string, labels: Record<string, string> = {}) => find(parseExposition(await m.selfMetrics.render()), name, labels)[0]?.value ?? 0;
  const prodRegion = (m: Monitor) => m.report!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.regions[0]!;

  it('Resource Graph spelling row IDs otherwise than at the last read is no configuration change: nothing judged again, nothing noted', async () => {
    const world = buildDemoWorld(new Date());
    const { monitor: m, simulator: sim, lines } = await monitorOf(world);
    await m.poller.pollNow();
    const before = await m.fleetMetrics();
    sim.setWorld({ ...world, graphIdCasing: 'mixed' });
    expect(await m.watch!.run()).toBe('unchanged');
    expect(await own(m, 'apim_netwatch_watch_regions_rejudged_total')).toBe(0);
    expect(lines.filter((line) => /configuration changed/.test(line.msg))).toEqual([]);
    expect(await m.fleetMetrics()).toBe(before);
    // The next poll, through the new spelling, notes no change either.
    await m.poller.pollNow();
    expect(m.report!.instances.flatMap((instance) => instance.regions.flatMap((region) => region.config?.changes ?? []))).toEqual([]);
  });

  it('with IDs cased as Azure cases them, a real change is still seen by the watch, judged, and noted once', async () => {
    const world = { ...buildDemoWorld(new Date()), graphIdCasing: 'mixed' as const };
    const { monitor: m, simulator: sim } = await monitorOf(world);
    await m.poller.pollNow();
    const nsgId = m.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.network![0]!.subnet!.nsg!.id;
    sim.setWorld(withRule(world, nsgId, denySqlRule(nsgId)));
    expect(await m.watch!.run()).toBe('changed');
    expect(prodRegion(m).config!.flows.find((flow) => flow.peer === 'Sql')?.verdict).toBe('denied');
    expect(await m.watch!.run()).toBe('unchanged');
    await m.poller.pollNow();
    expect(prodRegion(m).config!.changes?.map((change) => change.resourceKind)).toEqual(['networkSecurityGroup']);
  });

  it('one change seen by a watch run through Resource Graph and by a poll through GETs (IDs spelled otherwise) is noted once', async () => {
    const world = buildDemoWorld(new Date());
    const { monitor: m, simulator: sim, lines } = await monitorOf(world);
    await m.poller.pollNow();
    const nsgId = m.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!.network![0]!.subnet!.nsg!.id;
    // The watch's read is held back while a poll starts; the poll's own network query fails, so it reads by GET.
    sim.setWorld({
      ...withRule(world, nsgId, denySqlRule(nsgId)),
      graphIdCasing: 'mixed',
      faults: [
        { path: '/providers/microsoft.resourcegraph/resources', query: 'virtualnetworks', delayMs: 1000, count: 1 },
        { path: '/providers/microsoft.resourcegraph/resources', query: 'virtualnetworks', status: 400, count: 5 },
      ],
    });
    const watched = m.watch!.run();
    await until('the watch\'s read held back', async () => (sim.world.faults.some((fault) => fault.delayMs !== undefined) ? undefined : true), 5000, 10);
    const [outcome] = await Promise.all([watched, m.poller.pollNow()]);
    expect(outcome, 'the poll overtook the watch run').toBe('skipped');
    expect(lines.filter((line) => /configuration changed since the last read/.test(line.msg)), 'the watch saw the change').toHaveLength(1);
    // The next report shows what the ledger holds.
    await m.poller.pollNow();
    const changes = prodRegion(m).config!.changes ?? [];
    expect(changes.map((change) => change.resourceId.toLowerCase())).toEqual([nsgId.toLowerCase()]);
  });

  it('rows answering null for tags, identity and zones: tag filters read them as no tags, as from ARM', async () => {
    const world = buildDemoWorld(new Date());
    // Two instances carry no tags, identity or zones at all: Resource Graph answers null for each.
    const untagged = new Set(['contoso-internal', 'fabrikam-api']);
    const stripped: World = {
      ...world,
      resources: world.resources.map((resource) => {
        if (!untagged.has(String(resource.name)) || !/apimanagement\/service$/i.test(String(resource.type))) return resource;
        const { tags: _tags, identity: _identity, zones: _zones, ...rest } = resource;
        return rest as typeof resource;
      }),
    };
    const row = (routeGraph(new SimulatorState(stripped), { subscriptions: DEMO_SUBSCRIPTIONS, query: APIM_SERVICES_QUERY }, () => false) as { data: Array<Record<string, unknown>> }).data.find((r) => r.name === 'fabrikam-api')!;
    expect(row).toMatchObject({ tags: null, identity: null, zones: null });
    const { monitor: m } = await monitorOf(stripped, { tags: { env: 'prod' } });
    await m.poller.pollNow();
    const names = m.report!.instances.map((instance) => instance.instance.name).sort();
    expect(names.length).toBeGreaterThan(1);
    for (const name of untagged) expect(names).not.toContain(name);
    expect(names).toContain('contoso-prod');
  });

  it('a subscription of another tenant, delegated through Azure Lighthouse: listed with its home tenant, its rows carrying it, its instances monitored', async () => {
    const world = { ...buildDemoWorld(new Date()), tenantId: TENANT_ID, subscriptionHomeTenants: { [SUB_FABRIKAM]: CUSTOMER_TENANT } };
    const { monitor: m } = await monitorOf(world, { subscriptions: [] });
    await m.poller.pollNow();
    const fabrikam = m.report!.instances.filter((instance) => instance.instance.subscriptionId === SUB_FABRIKAM);
    expect(fabrikam.length).toBeGreaterThan(0);
    expect(fabrikam.every((instance) => instance.regions.every((region) => region.config !== undefined))).toBe(true);
    const up = find(parseExposition(await m.selfMetrics.render()), 'apim_netwatch_subscription_up', { subscription_id: SUB_FABRIKAM })[0];
    expect(up?.value).toBe(1);
  });

  it('instances configured with IDs cased otherwise than Resource Graph\'s rows are all found in the rows, none read again by GET', async () => {
    const world = { ...buildDemoWorld(new Date()), graphIdCasing: 'mixed' as const };
    const ids = world.resources.filter((resource) => /\/providers\/microsoft\.apimanagement\/service\/[^/]+$/i.test(resource.id)).map((resource) => resource.id);
    // As a user may type them: provider namespace and type lower-cased, the name as the portal shows it.
    const typed = ids.map((id) => id.replace(/\/providers\/Microsoft\.ApiManagement\/service\//, '/providers/microsoft.apimanagement/service/'));
    expect(typed.every((id, i) => id !== ids[i])).toBe(true);
    const { monitor: m } = await monitorOf(world, { instances: typed });
    await m.poller.pollNow();
    expect(m.report!.instances).toHaveLength(ids.length);
    expect(m.report!.unresolvedTargets).toEqual([]);
    expect(m.lastCollectStats!.armRequests.byOperation.ApiManagementService_Get ?? 0).toBe(0);
  });
});
