import { afterEach, describe, expect, it } from 'vitest';
import { GraphQuota, QUOTA_WAIT_LIMIT_MS } from '../src/azure/graph-quota.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault, World } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { memoryLog } from './helpers/memory-log.js';

/**
 * A Resource Graph 429 is waited out and the page sent again within the quota's reset (the 429's
 * x-ms-user-quota-resets-after, which Resource Graph sends on every answer; else the last answer's; else
 * Retry-After; else a short back-off), a few times at most and never past QUOTA_WAIT_LIMIT_MS or the read's
 * deadline: one refusal no longer sends a whole poll to per-resource GETs. Refused throughout, the read
 * still fails as `throttled` and the poll falls back.
 */

const GRAPH = '/providers/Microsoft.ResourceGraph/resources';

describe('GraphQuota.refusalWaitMs', () => {
  const now = 1_000_000;
  it("waits for the 429's reset, else the last answer's, else Retry-After, else 1 s doubling", () => {
    const quota = new GraphQuota({ now: () => now });
    expect(quota.refusalWaitMs({ quota: { remaining: 0, resetsAfterMs: 3_000 }, retryAfterMs: 9_000 }, 0)).toBe(3_000);
    expect(quota.refusalWaitMs({ retryAfterMs: 9_000 }, 0)).toBe(9_000);
    expect([0, 1, 2].map((attempt) => quota.refusalWaitMs({}, attempt))).toEqual([1_000, 2_000, 4_000]);
    quota.answered(200, { remaining: 4, resetsAfterMs: 2_000 });
    expect(quota.refusalWaitMs({ retryAfterMs: 9_000 }, 0)).toBe(2_000);
    // A reset said as 00:00:00 is this very moment: a short pause still.
    expect(quota.refusalWaitMs({ quota: { remaining: 0, resetsAfterMs: 0 } }, 0)).toBe(250);
  });

  it('does not wait beyond QUOTA_WAIT_LIMIT_MS or the deadline', async () => {
    const quota = new GraphQuota({ now: () => now });
    expect(await quota.waitOutRefusal(QUOTA_WAIT_LIMIT_MS + 1)).toBe(false);
    expect(await quota.waitOutRefusal(2_000, now + 1_000)).toBe(false);
    expect(await quota.waitOutRefusal(10)).toBe(true);
  });
});

describe('a poll whose Resource Graph query is refused (429)', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  async function poll(world: World) {
    await monitor?.stop();
    await simulator?.close();
    simulator = await startSimulator({ world });
    const memory = memoryLog('info');
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 0 } }, 'test', {});
    monitor = new Monitor(config, { log: memory.log, caPem: simulator.caCertPem, processMetrics: false });
    const started = performance.now();
    const report = await monitor.poller.pollNow();
    const samples = parseExposition(await monitor.selfMetrics.render());
    const own = (name: string, labels: Record<string, string>) => find(samples, name, labels)[0]?.value ?? 0;
    const requests = { ...monitor.lastCollectStats!.armRequests.byOperation };
    return { report, seconds: (performance.now() - started) / 1000, stats: monitor.lastCollectStats!, requests, own, lines: memory.lines };
  }
  /** Every request but the Resource Graph queries: the per-resource reads a fallback would add. */
  const perResource = (requests: Record<string, number>) => Object.fromEntries(Object.entries(requests).filter(([operation]) => operation !== 'Resources_Query'));

  it('one 429 with the quota headers Azure sends (0 left, resets after 00:00:02): waited out, the page sent again, nothing read one by one', async () => {
    const world = buildDemoWorld(new Date());
    const baseline = await poll(world);
    expect(baseline.stats.resourceGraph).toBe('used');

    const refusal: Fault = { path: GRAPH, status: 429, count: 1, userQuotaRemaining: 0, userQuotaResetsAfterSeconds: 2 };
    const refused = await poll({ ...world, faults: [refusal] });
    expect(refused.report?.instances.every((instance) => instance.targetUp)).toBe(true);
    expect(refused.stats.resourceGraph).toBe('used');
    expect(perResource(refused.requests), 'no per-resource GET more than without the 429').toEqual(perResource(baseline.requests));
    expect(refused.requests.Resources_Query).toBe(baseline.requests.Resources_Query! + 1);
    expect(refused.seconds, 'the reset was waited for').toBeGreaterThanOrEqual(1.9);
    // The throttled request is still counted (ApimNetwatchArmThrottled sees it); the read did not fail.
    expect(refused.own('apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '429' })).toBe(1);
    expect(refused.own('apim_netwatch_resource_graph_reads_failed_total', { reason: 'throttled' })).toBe(0);
    expect(refused.lines.filter((line) => /reading them one by one instead/.test(line.msg))).toEqual([]);
  }, 60_000);

  it('a 429 without quota headers or Retry-After: sent again after a short back-off', async () => {
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphQuota: false };
    const refused = await poll({ ...world, faults: [{ path: GRAPH, status: 429, count: 1 }] });
    expect(refused.stats.resourceGraph).toBe('used');
    expect(refused.own('apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '429' })).toBe(1);
    expect(refused.seconds).toBeGreaterThanOrEqual(0.9);
  }, 60_000);

  it('refused every time: a few retries, then the read fails as throttled and the poll reads one by one', async () => {
    const world = buildDemoWorld(new Date());
    const refusal: Fault = { path: GRAPH, status: 429, count: 100, userQuotaRemaining: 0, userQuotaResetsAfterSeconds: 0.3 };
    const refused = await poll({ ...world, faults: [refusal] });
    expect(refused.report?.instances.every((instance) => instance.targetUp)).toBe(true);
    expect(refused.stats.resourceGraph).toBe('fallback');
    expect(refused.own('apim_netwatch_resource_graph_reads_failed_total', { reason: 'throttled' })).toBeGreaterThanOrEqual(1);
    // The first read: its page and three retries.
    expect(refused.own('apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '429' })).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('a 429 whose reset is further than the monitor waits (10 minutes): no wait, the poll reads one by one at once', async () => {
    const world = buildDemoWorld(new Date());
    const refused = await poll({ ...world, faults: [{ path: GRAPH, status: 429, count: 1, userQuotaRemaining: 0, userQuotaResetsAfterSeconds: 600 }] });
    expect(refused.stats.resourceGraph).toBe('fallback');
    expect(refused.seconds).toBeLessThan(15);
    expect(refused.own('apim_netwatch_resource_graph_reads_failed_total', { reason: 'throttled' })).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
