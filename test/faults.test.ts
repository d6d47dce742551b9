import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { apimId, apimResource, networkStatusBody, SUB_A, SUB_B, world } from './helpers/worlds.js';

const silent = pino({ level: 'silent' });
const A1 = { subscriptionId: SUB_A, resourceGroup: 'rg-a', name: 'a-one' };
const A2 = { subscriptionId: SUB_A, resourceGroup: 'rg-a', name: 'a-two' };
const B1 = { subscriptionId: SUB_B, resourceGroup: 'rg-b', name: 'b-one' };

function fleetWorld(now: Date, faults: Fault[] = []) {
  const instances = [A1, A2, B1];
  return world({
    resources: instances.map((spec) => apimResource(spec) as never),
    networkStatus: Object.fromEntries(instances.map((spec) => [apimId(spec.subscriptionId, spec.resourceGroup, spec.name), networkStatusBody(['West Europe'], now)])),
    faults,
  });
}

describe('faults affect their own target only, and show in the self-metrics', () => {
  let simulator: RunningSimulator;
  let monitor: Monitor;

  const poll = async () => {
    const report = await monitor.poller.pollNow();
    const text = (await monitor.fleetMetrics()) + (await monitor.selfMetrics.render());
    return { report: report!, samples: parseExposition(text) };
  };

  beforeAll(async () => {
    simulator = await startSimulator({ world: fleetWorld(new Date()) });
  });

  beforeEach(() => {
    simulator.setWorld(fleetWorld(new Date()));
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [SUB_A, SUB_B], maxRetries: 1 } }, 'test', {});
    monitor = new Monitor(config, { log: silent, caPem: simulator.caCertPem, processMetrics: false, retryDelayMs: 10 });
  });

  afterAll(async () => {
    await simulator?.close();
  });

  it('a subscription answering 403 is reported; the other subscription is polled as usual', async () => {
    simulator.setFaults([{ path: `/subscriptions/${SUB_B}/`, status: 403 }]);
    const { report, samples } = await poll();
    expect(report.subscriptionFailures).toEqual([expect.objectContaining({ subscriptionId: SUB_B, code: 'AuthorizationFailed', statusCode: 403 })]);
    expect(report.instances.map((i) => i.instance.name).sort()).toEqual(['a-one', 'a-two']);
    expect(find(samples, 'apim_netwatch_subscription_up', { subscription_id: SUB_B })[0]?.value).toBe(0);
    expect(find(samples, 'apim_netwatch_subscription_up', { subscription_id: SUB_A })[0]?.value).toBe(1);
    expect(find(samples, 'apim_netwatch_arm_requests_total', { operation: 'ApiManagementService_List', code: '403' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'apim_netwatch_polls_total', { outcome: 'partial' })[0]?.value).toBe(1);
  });

  it.each<[string, Fault]>([
    ['a 500', { path: '/service/a-one/networkstatus', status: 500 }],
    ['a malformed body', { path: '/service/a-one/networkstatus', malformed: true }],
    ['a 429 storm', { path: '/service/a-one/networkstatus', status: 429, retryAfterSeconds: 0 }],
  ])('%s on one instance marks that target down and leaves the others alone', async (_name, fault) => {
    simulator.setFaults([fault]);
    const { report, samples } = await poll();
    const one = report.instances.find((i) => i.instance.name === 'a-one')!;
    expect(one.targetUp).toBe(false);
    expect(one.failure?.operation).toBe('NetworkStatus_ListByService');
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'a-one' })[0]?.value).toBe(0);
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'a-two' })[0]?.value).toBe(1);
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'a-two' })).toHaveLength(17);
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'b-one' }).every((s) => s.value === 1)).toBe(true);
  });

  it('after a failure the last good data stays, judged by its own timestamps, never refreshed by the failed poll', async () => {
    const old = new Date(Date.now() - 50 * 60_000);
    simulator.setWorld(fleetWorld(old));
    await poll(); // reads 50-minute-old entries: stale already
    simulator.setFaults([{ path: '/service/a-one/networkstatus', status: 503 }]);
    const { report, samples } = await poll();
    const one = report.instances.find((i) => i.instance.name === 'a-one')!;
    expect(one.targetUp).toBe(false);
    expect(one.regions[0]!.endpoints).toHaveLength(17);
    expect(find(samples, 'apim_network_endpoint_stale', { apim_service: 'a-one' }).every((s) => s.value === 1)).toBe(true);
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'a-one' }).every((s) => s.value === 0)).toBe(true);
    // Still failing a poll later: the data of the last good read carries over again, as old as it was.
    const again = await poll();
    const still = again.report.instances.find((i) => i.instance.name === 'a-one')!;
    expect(still.targetUp).toBe(false);
    expect(still.dataFetchedAt).toBe(one.dataFetchedAt);
    expect(still.regions[0]!.endpoints).toHaveLength(17);
    expect(find(again.samples, 'apim_network_endpoint_stale', { apim_service: 'a-one' }).every((s) => s.value === 1)).toBe(true);
  });

  it('a deleted instance disappears from the metrics', async () => {
    const first = await poll();
    expect(find(first.samples, 'apim_instance_info', { apim_service: 'a-two' })).toHaveLength(1);
    const current = simulator.world;
    simulator.setWorld({ ...current, resources: current.resources.filter((r) => !r.id.endsWith('/a-two')) });
    const { samples } = await poll();
    expect(find(samples, 'apim_instance_info', { apim_service: 'a-two' })).toHaveLength(0);
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'a-two' })).toHaveLength(0);
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'a-two' })).toHaveLength(0);
  });

  it('an empty NetworkStatus is no data: no endpoint series, entries 0, instance unknown, never healthy', async () => {
    const current = simulator.world;
    simulator.setWorld({ ...current, networkStatus: { ...current.networkStatus, [apimId(A1.subscriptionId, A1.resourceGroup, A1.name)]: [] } });
    const { report, samples } = await poll();
    expect(report.instances.find((i) => i.instance.name === 'a-one')?.health).toBe('unknown');
    expect(find(samples, 'apim_network_status_entries', { apim_service: 'a-one' })[0]?.value).toBe(0);
    expect(find(samples, 'apim_network_status_entries', { apim_service: 'a-two' })[0]?.value).toBe(17);
  });

  it('explicit targets: a missing instance is unresolved (target_up 0); the others are read', async () => {
    const config = validateConfig(
      {
        azure: { endpoint: simulator.url, maxRetries: 0 },
        // a-one twice, once in other letter case: one instance, read once.
        targets: { instances: [apimId(A1.subscriptionId, A1.resourceGroup, A1.name), apimId(SUB_A, 'rg-a', 'gone'), apimId(A1.subscriptionId, A1.resourceGroup, A1.name).toUpperCase()] },
      },
      'test',
      {},
    );
    monitor = new Monitor(config, { log: silent, caPem: simulator.caCertPem, processMetrics: false });
    const { report, samples } = await poll();
    expect(report.instances.map((i) => i.instance.name)).toEqual(['a-one']);
    expect(report.unresolvedTargets).toEqual([expect.objectContaining({ name: 'gone', failure: expect.objectContaining({ statusCode: 404 }) })]);
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'gone' })[0]?.value).toBe(0);
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'a-one' })).toEqual([expect.objectContaining({ value: 1 })]);
    expect(monitor.lastCollectStats?.armRequests.byOperation.NetworkStatus_ListByService).toBe(1);
  });

  it('overlapping polls do not run twice', async () => {
    simulator.setFaults([{ path: '/networkstatus', delayMs: 300 }]);
    const [first, second] = await Promise.all([monitor.poller.pollNow(), monitor.poller.pollNow()]);
    expect(second).toBe(first);
    const samples = parseExposition(await monitor.selfMetrics.render());
    expect(find(samples, 'apim_netwatch_polls_skipped_total', {})[0]?.value).toBe(1);
  });
});
