import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { find, parseExposition } from './helpers/metrics.js';
import { memoryLog } from './helpers/memory-log.js';

/**
 * apim_netwatch_arm_ratelimit_remaining under ARM's token buckets: the most a bucket held in any answer around
 * the last poll (the budget the poll started with), not the last header, which shows the bucket just after the
 * poll's own burst and would keep ApimNetwatchArmRateLimitLow firing although ARM refills it within seconds.
 * Only a budget someone else keeps drained shows low.
 */

const SUB = DEMO_SUBSCRIPTIONS[0]!;

function read(sim: RunningSimulator, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, sim.url), { ca: sim.caCertPem, headers: { authorization: 'Bearer test' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('apim_netwatch_arm_ratelimit_remaining', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  it("reports the budget each poll started with, not what the poll's own burst left; a budget drained by another caller shows low", async () => {
    // A small bucket that does not refill within the test, so that every token is counted.
    const burst = 60;
    simulator = await startSimulator({ world: { ...buildDemoWorld(new Date()), armThrottle: { burst, refillPerSecond: 0.001 } } });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 0 }, watch: { enabled: false } }, 'test', {});
    monitor = new Monitor(config, { log: memoryLog('info').log, caPem: simulator.caCertPem, processMetrics: false });
    const gauge = async (scope: string, subscription = SUB) =>
      find(parseExposition(await monitor!.selfMetrics.render()), 'apim_netwatch_arm_ratelimit_remaining', { subscription_id: subscription, scope }).map((s) => s.value);

    expect(await gauge('subscription-reads'), 'no sample before a poll ended').toEqual([]);
    await monitor.poller.pollNow();
    const used = monitor.lastCollectStats!.armRequests.bySubscription[SUB]!;
    expect(used, "the poll's burst in the subscription").toBeGreaterThan(2);
    // The last header said burst - used; the poll started with burst - 1 after its first read.
    expect(await gauge('subscription-reads')).toEqual([burst - 1]);
    expect((await gauge('subscription-global-reads'))[0]).toBe(burst * 15 - 1);

    // Another caller (same principal) takes 20 reads between the polls: the next poll starts with that much less.
    for (let i = 0; i < 20; i += 1) await read(simulator, `/subscriptions/${SUB}/resourceGroups?api-version=2022-09-01`);
    await monitor.poller.pollNow();
    expect(await gauge('subscription-reads')).toEqual([burst - used - 20 - 1]);
    // Tenant-level reads (the subscriptions list, Resource Graph) have their own bucket and no subscription.
    expect((await gauge('tenant-reads', '')).length).toBe(1);
  }, 60_000);
});
