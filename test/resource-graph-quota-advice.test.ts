import { afterEach, describe, expect, it } from 'vitest';
import { GraphQuota, QUOTA_WAIT_LIMIT_MS } from '../src/azure/graph-quota.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault, World } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { memoryLog, type LogLine } from './helpers/memory-log.js';
import { until } from './helpers/ports.js';
import { denySqlRule, withRule } from './helpers/world-edits.js';

/**
 * Resource Graph's quota is advice, not a wall: a reset too far away is not waited for (the poll reads
 * resources one by one at once), the quota gauge says nothing until Resource Graph did, and the watch's
 * back-off after a 429 honours Retry-After (capped), counts `throttled`, and never holds a stop.
 */

const GRAPH = '/providers/Microsoft.ResourceGraph/resources';

/** `promise`, or a rejection naming `what` after `ms` (so that a stall fails the test instead of hanging it). */
function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('GraphQuota', () => {
  it('fails a query at once when the quota resets further away than the limit', async () => {
    let now = 1_000_000;
    const quota = new GraphQuota({ now: () => now });
    quota.answered(200, { remaining: 0, resetsAfterMs: 600_000 });
    const started = performance.now();
    await expect(quota.ready(0)).rejects.toMatchObject({ code: 'QuotaExhausted', reason: 'quota' });
    expect(performance.now() - started).toBeLessThan(100);
    // Within the limit it waits for the reset.
    now += 600_000 - QUOTA_WAIT_LIMIT_MS + 1;
    expect(quota.delayMs(0)).toBeLessThan(QUOTA_WAIT_LIMIT_MS);
  });

  it('backs off for Retry-After up to the cap, and for the doubling back-off without one', () => {
    const now = 1_000_000;
    const quota = new GraphQuota({ now: () => now, maxRetryAfterMs: 60_000 });
    quota.refused(3_000);
    expect(quota.delayMs(5)).toBe(3_000);
    quota.refused(99_999_000);
    expect(quota.delayMs(5)).toBe(60_000);
    expect(quota.delayMs(0), 'the poll does not wait on the back-off').toBe(0);
    const plain = new GraphQuota({ now: () => now });
    plain.refused();
    expect(plain.delayMs(5)).toBe(5_000);
    plain.refused();
    expect(plain.delayMs(5)).toBe(10_000);
  });

  it('a wait ends at once when the monitor stops', async () => {
    const stop = new AbortController();
    const quota = new GraphQuota({ abortSignal: stop.signal });
    quota.answered(200, { remaining: 0, resetsAfterMs: 20_000 });
    const waiting = quota.ready(0);
    setTimeout(() => stop.abort(), 50);
    const started = performance.now();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('the monitor, with Resource Graph\'s quota against it', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  async function start(world: World, azure: Record<string, unknown> = {}, intervalSeconds = 0.2) {
    simulator = await startSimulator({ world });
    const memory = memoryLog('info');
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 0, ...azure }, watch: { intervalSeconds } }, 'test', {});
    monitor = new Monitor(config, { log: memory.log, caPem: simulator.caCertPem, processMetrics: false });
    return { sim: simulator, m: monitor, lines: memory.lines };
  }
  const samples = async (m: Monitor) => parseExposition(await m.selfMetrics.render());
  const own = async (m: Monitor, name: string, labels: Record<string, string> = {}) => find(await samples(m), name, labels)[0]?.value ?? 0;
  const warned = (lines: LogLine[], pattern: RegExp) => lines.filter((line) => line.level === 40 && pattern.test(line.msg));

  it('x-ms-user-quota-remaining 0 with a reset ten minutes away: the first poll completes at once, reading resources one by one, and says why', async () => {
    const world = buildDemoWorld(new Date());
    const { m, lines } = await start({ ...world, faults: [{ path: GRAPH, userQuotaRemaining: 0, userQuotaResetsAfterSeconds: 600, count: 1 }] });
    const started = performance.now();
    const report = await within('the first poll', m.poller.pollNow(), 15_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(report?.summary.instances).toBeGreaterThan(0);
    expect(report?.instances.every((instance) => instance.targetUp)).toBe(true);
    expect(m.lastCollectStats?.resourceGraph).toBe('fallback');
    expect(warned(lines, /reading them one by one instead: Resource Graph's quota allows no query for 600 s/).length).toBeGreaterThanOrEqual(1);
    expect(await own(m, 'apim_netwatch_resource_graph_reads_failed_total', { reason: 'quota' })).toBeGreaterThanOrEqual(1);
    expect(find(await samples(m), 'apim_netwatch_resource_graph_quota_remaining', {})[0]?.value).toBe(0);
    const stopping = performance.now();
    await m.stop();
    expect(performance.now() - stopping, 'nothing left waiting on the quota').toBeLessThan(2_000);
  }, 30_000);

  it('the quota gauge has no sample until Resource Graph sent a quota header', async () => {
    // Azure (and the simulator by default) sends the quota headers on every answer: off here, to see the gauge before any.
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphQuota: false };
    const { sim, m } = await start(world);
    await m.poller.pollNow();
    expect(m.lastCollectStats?.armRequests.byOperation.Resources_Query).toBeGreaterThan(0);
    expect(await m.selfMetrics.render()).not.toMatch(/apim_netwatch_resource_graph_quota_remaining/);
    sim.setWorld({ ...world, resourceGraphQuota: { queries: 100, windowSeconds: 5 } });
    await m.poller.pollNow();
    expect(find(await samples(m), 'apim_netwatch_resource_graph_quota_remaining', {})[0]?.value).toBeGreaterThan(50);
  }, 30_000);

  it('a 429 with Retry-After: 99999: the watch counts throttled once and backs off for azure.maxRetryAfterSeconds, not failed at every interval', async () => {
    const { sim, m, lines } = await start(buildDemoWorld(new Date()));
    await m.poller.pollNow();
    m.watch!.start();
    await until('a watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' })) >= 1 ? true : undefined), 5_000);
    const watchQueries = await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'network' });
    sim.setFaults([{ path: GRAPH, status: 429, retryAfterSeconds: 99_999, count: 1 }]);
    await until('a throttled watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'throttled' })) >= 1 ? true : undefined), 5_000);
    await sleep(2_000);
    expect(await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'throttled' })).toBe(1);
    expect(await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'failed' })).toBe(0);
    expect(await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'network' }), 'no request during the back-off').toBe(watchQueries + 1);
    expect(await own(m, 'apim_netwatch_resource_graph_reads_failed_total', { reason: 'throttled' })).toBe(1);
    expect(warned(lines, /Resource Graph throttled the configuration watch/).map((line) => line.backOffSeconds)).toEqual([60]);
  }, 30_000);

  it('a 429 with a Retry-After within the cap: the watch is back after that long (3 s), not after a back-off of its own', async () => {
    const { sim, m } = await start(buildDemoWorld(new Date()));
    await m.poller.pollNow();
    m.watch!.start();
    const ran = () => own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' });
    await until('a watch run', async () => ((await ran()) >= 1 ? true : undefined), 5_000);
    sim.setFaults([{ path: GRAPH, status: 429, retryAfterSeconds: 3, count: 1 }]);
    await until('a throttled watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'throttled' })) >= 1 ? true : undefined), 5_000);
    const throttledAt = performance.now();
    const before = await ran();
    await until('the watch back', async () => ((await ran()) > before ? true : undefined), 8_000);
    const waited = performance.now() - throttledAt;
    expect(waited).toBeGreaterThanOrEqual(2_500);
    expect(waited).toBeLessThan(4_500);
  }, 30_000);

  it('stop() ends the watch\'s back-off at once, with an author lookup pending', async () => {
    const world = buildDemoWorld(new Date());
    const { sim, m } = await start(world);
    await m.poller.pollNow();
    const prod = m.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!;
    const nsgId = prod.network![0]!.subnet!.nsg!.id;
    m.watch!.start();
    // A change whose author the watch asks resourcechanges for at each run.
    sim.setWorld(withRule(world, nsgId, denySqlRule(nsgId)));
    await until('the change seen', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'changed' })) >= 1 ? true : undefined), 5_000);
    await until('an author lookup', async () => ((await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'resourcechanges' })) >= 1 ? true : undefined), 5_000);
    // The network query alone is refused, with a Retry-After within the cap.
    const refusal: Fault = { path: GRAPH, query: 'type in~', status: 429, retryAfterSeconds: 20, count: 1 };
    sim.setFaults([refusal]);
    await until('a throttled watch run', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'throttled' })) >= 1 ? true : undefined), 5_000);
    const started = performance.now();
    await m.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
  }, 30_000);
});
