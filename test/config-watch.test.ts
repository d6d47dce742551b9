import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { withChangedConfig } from '../src/analysis/config-change.js';
import { validateConfig } from '../src/config/load.js';
import type { InstanceSnapshot, RegionNetworkConfig } from '../src/model/snapshot.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type LatencyOptions, type RunningSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { until } from './helpers/ports.js';
import { DENY_SQL, denySqlRule, withRule } from './helpers/world-edits.js';

describe('the configuration watch: a breaking change shows between NetworkStatus polls', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  async function watching(world: World, intervalSeconds = 0.5, maxRetries = 3, latency?: LatencyOptions) {
    simulator = await startSimulator({ world, ...(latency ? { latency } : {}) });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries }, watch: { intervalSeconds } }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    await monitor.poller.pollNow();
    const prod = monitor.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!;
    const nsgId = prod.network![0]!.subnet!.nsg!.id;
    monitor.watch!.start();
    return { monitor, simulator, nsgId, location: prod.network![0]!.location };
  }

  const sqlFlow = async (m: Monitor, location: string) =>
    find(parseExposition(await m.fleetMetrics()), 'apim_network_flow_allowed', { apim_service: 'contoso-prod', location, peer: 'Sql', direction: 'outbound' })[0];
  const own = async (m: Monitor, name: string, labels: Record<string, string> = {}) => find(parseExposition(await m.selfMetrics.render()), name, labels)[0]?.value ?? 0;

  it('a deny on outbound Sql 1433 added to a healthy NSG is on /metrics and in the report within a watch interval, without a NetworkStatus read', async () => {
    const world = buildDemoWorld(new Date());
    const { monitor: m, simulator: sim, nsgId, location } = await watching(world);
    expect((await sqlFlow(m, location))?.value).toBe(1);
    const statusReads = await own(m, 'apim_netwatch_arm_requests_total', { operation: 'NetworkStatus_ListByService' });
    const othersBefore = find(parseExposition(await m.fleetMetrics()), 'apim_network_flow_allowed', {}).filter((s) => s.labels.apim_service !== 'contoso-prod');
    const started = Date.now();
    sim.setWorld(withRule(world, nsgId, denySqlRule(nsgId)));
    const denied = await until('the deny on /metrics', async () => ((await sqlFlow(m, location))?.value === 0 ? sqlFlow(m, location) : undefined), 5000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(denied?.labels.decided_by).toBe(DENY_SQL);
    const report = m.report!.instances.find((instance) => instance.instance.name === 'contoso-prod')!;
    expect(report.regions.find((region) => region.location === location)?.config?.flows.find((flow) => flow.peer === 'Sql')?.verdict).toBe('denied');
    expect(await own(m, 'apim_netwatch_arm_requests_total', { operation: 'NetworkStatus_ListByService' }), 'no NetworkStatus read').toBe(statusReads);
    expect(await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'changed' })).toBeGreaterThanOrEqual(1);
    expect(await own(m, 'apim_netwatch_watch_regions_rejudged_total')).toBeGreaterThanOrEqual(1);
    // The other instances' verdicts are as the poll made them.
    const othersAfter = find(parseExposition(await m.fleetMetrics()), 'apim_network_flow_allowed', {}).filter((s) => s.labels.apim_service !== 'contoso-prod');
    expect(othersBefore.length).toBeGreaterThan(10);
    expect(othersAfter).toEqual(othersBefore);

    // The fix shows the same way.
    sim.setWorld(world);
    await until('the fix on /metrics', async () => ((await sqlFlow(m, location))?.value === 1 ? true : undefined), 5000);
  });

  it('with Resource Graph lagging, the change shows once Resource Graph has it, not before', async () => {
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphLagSeconds: 2 };
    const { monitor: m, simulator: sim, nsgId, location } = await watching(world, 0.3);
    const runs = await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' });
    const changedAt = Date.now();
    sim.setWorld(withRule(world, nsgId, denySqlRule(nsgId)));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' }), 'the watch ran meanwhile').toBeGreaterThan(runs);
    expect((await sqlFlow(m, location))?.value, 'Resource Graph does not have it yet').toBe(1);
    await until('the deny on /metrics', async () => ((await sqlFlow(m, location))?.value === 0 ? true : undefined), 5000);
    expect(Date.now() - changedAt).toBeGreaterThanOrEqual(2000);
  });

  it('when Resource Graph fails, the poll\'s verdicts stand and the failure is counted', async () => {
    const world = buildDemoWorld(new Date());
    const { monitor: m, simulator: sim, nsgId, location } = await watching(world, 0.3, 0);
    sim.setWorld({ ...withRule(world, nsgId, denySqlRule(nsgId)), faults: [{ path: '/providers/Microsoft.ResourceGraph/resources', status: 500 }] });
    await until('a failed watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'failed' })) >= 2 ? true : undefined), 5000);
    expect((await sqlFlow(m, location))?.value).toBe(1);
    expect(await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'changed' })).toBe(0);
  });

  it('paces by Resource Graph\'s quota headers, leaving a reserve to the poll, and is never refused', async () => {
    // 6 queries per 2 s window: the watch (reserve 5) may spend 1 per window, however short its interval.
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphQuota: { queries: 6, windowSeconds: 2 } };
    const { monitor: m } = await watching(world, 0.1);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const windows = Math.ceil((Date.now() - started) / 2000) + 1;
    const watchQueries = await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'network' });
    expect(watchQueries).toBeGreaterThanOrEqual(1);
    expect(watchQueries, 'one query per window at most').toBeLessThanOrEqual(windows);
    expect(await own(m, 'apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '429' })).toBe(0);
    expect(find(parseExposition(await m.selfMetrics.render()), 'apim_netwatch_resource_graph_quota_remaining', {})).toHaveLength(1);
    // The poll reads through Resource Graph meanwhile, unrefused and without falling back to one GET per resource.
    const report = await m.poller.pollNow();
    expect(report?.summary.instances).toBeGreaterThan(0);
    expect(m.lastCollectStats?.resourceGraph).toBe('used');
    expect(await own(m, 'apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '429' })).toBe(0);
  });

  it('a poll that overlaps a watch run: each counts its own Resource Graph requests, none twice', async () => {
    // Every answer takes 200 ms and the watch runs back to back: it is reading whenever a poll starts.
    const { monitor: m } = await watching(buildDemoWorld(new Date()), 0.1, 3, { minMs: 200, maxMs: 200 });
    await m.watch!.stop();
    const graphQueries = () => own(m, 'apim_netwatch_arm_requests_total', { operation: 'Resources_Query' });
    const watchQueries = async () =>
      (await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'network' })) + (await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'resourcechanges' }));
    const pollQueries = () => m.lastCollectStats!.armRequests.byOperation.Resources_Query ?? 0;
    await m.poller.pollNow();
    const alone = pollQueries();
    expect(alone).toBeGreaterThan(0);

    const [totalBefore, watchBefore] = [await graphQueries(), await watchQueries()];
    m.watch!.start();
    await until('a watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' })) >= 1 ? true : undefined), 5000);
    let overlapped = false;
    let pollsTotal = 0;
    for (let attempt = 0; attempt < 5 && !overlapped; attempt++) {
      // Halfway into the watch's next read (after a poll, the watch waits its interval, then reads for 200 ms).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const before = await graphQueries();
      await m.poller.pollNow();
      pollsTotal += pollQueries();
      expect(pollQueries(), 'the poll counts its own queries alone').toBe(alone);
      overlapped = (await graphQueries()) - before > alone;
    }
    await m.watch!.stop();
    expect(overlapped, 'a watch run sent queries while a poll ran').toBe(true);
    const watched = (await watchQueries()) - watchBefore;
    expect(watched).toBeGreaterThan(0);
    expect(pollsTotal + watched, 'every query sent is counted once, as the poll\'s or the watch\'s').toBe((await graphQueries()) - totalBefore);
  }, 20_000);

  it('backs off after a 429 (throttled), while the poll goes on undelayed', async () => {
    const world = buildDemoWorld(new Date());
    const { monitor: m, simulator: sim } = await watching(world, 0.2, 0);
    sim.setFaults([{ path: '/providers/Microsoft.ResourceGraph/resources', status: 429, count: 1 }]);
    await until('a throttled watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'throttled' })) === 1 ? true : undefined), 5000);
    const runs = async () => (await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' })) + (await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'changed' }));
    const before = await runs();
    const pollStarted = Date.now();
    await m.poller.pollNow();
    expect(Date.now() - pollStarted, 'the poll does not wait out the watch\'s back-off').toBeLessThan(3000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await runs(), 'no watch run during the 5 s back-off').toBe(before);
    await until('the watch back after its back-off', async () => ((await runs()) > before ? true : undefined), 8000);
  }, 20_000);
});

describe('withChangedConfig: which regions the watch takes', () => {
  const region = (location: string, vnetId: string, nsgRules: number): RegionNetworkConfig =>
    ({
      location,
      subnetId: `${vnetId}/subnets/apim`,
      subnet: { id: `${vnetId}/subnets/apim`, name: 'apim', addressPrefixes: ['10.0.0.0/24'], serviceEndpoints: [], vnet: { id: vnetId, addressSpace: ['10.0.0.0/16'], dnsServers: [] }, nsg: { id: 'nsg', name: 'nsg', rules: Array.from({ length: nsgRules }, () => ({})) } },
    }) as unknown as RegionNetworkConfig;
  const snapshot = (network: RegionNetworkConfig[]) => ({ instance: { id: 'apim' }, network }) as unknown as InstanceSnapshot;
  const before = snapshot([region('westeurope', '/vnet-a', 1), region('northeurope', '/vnet-b', 1)]);

  it.each([
    ['nothing changed', [region('westeurope', '/vnet-a', 1), region('northeurope', '/vnet-b', 1)], undefined],
    ['one region\'s NSG changed', [region('westeurope', '/vnet-a', 2), region('northeurope', '/vnet-b', 1)], ['westeurope']],
    ['both changed', [region('westeurope', '/vnet-a', 2), region('northeurope', '/vnet-b', 3)], ['westeurope', 'northeurope']],
    ['the subnet moved to another VNet: left to the poll', [region('westeurope', '/vnet-c', 1), region('northeurope', '/vnet-b', 1)], undefined],
    ['a region not read again', [region('westeurope', '/vnet-a', 1)], undefined],
  ])('%s', (_case, fresh, locations) => {
    const amended = withChangedConfig(before, fresh);
    expect(amended?.locations).toEqual(locations);
    for (const location of locations ?? []) {
      expect(amended!.snapshot.network!.find((r) => r.location === location)).toBe(fresh.find((r) => r.location === location));
    }
  });
});
