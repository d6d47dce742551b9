import type { AccessToken, TokenCredential } from '@azure/core-auth';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArmLimiter } from '../src/azure/limits.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault, World } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { apimId, apimResource, networkStatusBody, SUB_A, SUB_B, world } from './helpers/worlds.js';

/**
 * Faults the monitor must survive (issue "Fleet scale and resilience", part 3), each through the real
 * SDK clients against the simulator's fault injection: no crash, the others unaffected, target_up and
 * the logs say what happened, deleted instances' series disappear, old data is never passed off as new.
 * test/faults.test.ts covers 403 subscriptions, 500s, malformed bodies, 429 on one instance, deletion
 * between polls and empty status.
 */

const INSTANCES = [
  { subscriptionId: SUB_A, resourceGroup: 'rg-a', name: 'a-one' },
  { subscriptionId: SUB_A, resourceGroup: 'rg-a', name: 'a-two' },
  { subscriptionId: SUB_B, resourceGroup: 'rg-b', name: 'b-one' },
  { subscriptionId: SUB_B, resourceGroup: 'rg-b', name: 'b-two' },
];

function fleetWorld(now = new Date(), faults: Fault[] = []): World {
  return world({
    resources: INSTANCES.map((spec) => apimResource(spec) as never),
    networkStatus: Object.fromEntries(INSTANCES.map((spec) => [apimId(spec.subscriptionId, spec.resourceGroup, spec.name), networkStatusBody(['West Europe'], now)])),
    faults,
  });
}

/** A pino logger whose lines the test can read. */
function capturingLog(level = 'debug') {
  const lines: string[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { log, lines, text: () => lines.join('') };
}

interface Harness {
  monitor: Monitor;
  logs: () => string;
  poll(): Promise<{ report: NonNullable<Monitor['report']>; samples: ReturnType<typeof parseExposition>; seconds: number }>;
}

function harness(simulator: RunningSimulator, overrides: Record<string, unknown> = {}, extra: { credential?: TokenCredential } = {}): Harness {
  const { azure: azureOverrides, ...rest } = overrides as { azure?: Record<string, unknown> };
  const config = validateConfig(
    { azure: { endpoint: simulator.url, subscriptions: [SUB_A, SUB_B], maxRetries: 1, ...(azureOverrides ?? {}) }, readNetworkConfig: false, ...rest },
    'test',
    {},
  );
  const { log, text } = capturingLog();
  const monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false, retryDelayMs: 10, ...extra });
  return {
    monitor,
    logs: text,
    async poll() {
      const started = performance.now();
      const report = await monitor.poller.pollNow();
      const seconds = (performance.now() - started) / 1000;
      const samples = parseExposition((await monitor.fleetMetrics()) + (await monitor.selfMetrics.render()));
      return { report: report!, samples, seconds };
    },
  };
}

const targetUp = (samples: ReturnType<typeof parseExposition>, name: string) => find(samples, 'apim_netwatch_target_up', { apim_service: name })[0]?.value;
const requests = (samples: ReturnType<typeof parseExposition>, labels: Record<string, string>) =>
  find(samples, 'apim_netwatch_arm_requests_total', labels).reduce((sum, s) => sum + s.value, 0);

describe('faults survived', () => {
  let simulator: RunningSimulator;

  beforeAll(async () => {
    simulator = await startSimulator({ world: fleetWorld() });
  });

  afterEach(() => {
    simulator.setWorld(fleetWorld());
  });

  afterAll(async () => {
    await simulator?.close();
  });

  it('a 429 storm over a whole subscription: Retry-After is honoured, the other subscription is read, the poll completes', async () => {
    simulator.setFaults([{ path: `/subscriptions/${SUB_B}/`, status: 429, retryAfterSeconds: 1 }]);
    const h = harness(simulator);
    const { report, samples, seconds } = await h.poll();
    // One retry after Retry-After: 1 s (the SDK's own back-off is 10 ms here): the storm is waited out, not hammered.
    expect(seconds).toBeGreaterThanOrEqual(0.95);
    expect(requests(samples, { operation: 'NetworkStatus_ListByService', code: '429' })).toBe(4);
    for (const name of ['a-one', 'a-two']) expect(targetUp(samples, name)).toBe(1);
    for (const name of ['b-one', 'b-two']) {
      expect(targetUp(samples, name)).toBe(0);
      expect(report.instances.find((i) => i.instance.name === name)?.failure).toMatchObject({ statusCode: 429, code: 'SubscriptionRequestsThrottled' });
    }
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'a-one' }).every((s) => s.value === 1)).toBe(true);
    expect(find(samples, 'apim_netwatch_polls_total', { outcome: 'partial' })[0]?.value).toBe(1);
    expect(h.logs()).toContain('cannot read network status');
  });

  it('a short storm is waited out: after Retry-After the retried requests succeed and every target is up', async () => {
    simulator.setFaults([{ path: `/subscriptions/${SUB_B}/`, status: 429, retryAfterSeconds: 1, count: 2 }]);
    const { samples, seconds } = await harness(simulator).poll();
    expect(seconds).toBeGreaterThanOrEqual(0.95);
    expect(requests(samples, { operation: 'NetworkStatus_ListByService', code: '429' })).toBe(2);
    for (const spec of INSTANCES) expect(targetUp(samples, spec.name)).toBe(1);
    expect(find(samples, 'apim_netwatch_polls_total', { outcome: 'success' })[0]?.value).toBe(1);
  });

  it("ARM's token bucket: requests beyond the burst are throttled and retried after Retry-After, none lost", async () => {
    const throttled = await startSimulator({ world: fleetWorld(), throttle: { burst: 1, refillPerSecond: 4 } });
    try {
      const h = harness(throttled, { azure: { maxRetries: 3 }, concurrency: 8, concurrencyPerSubscription: 8 });
      const { samples } = await h.poll();
      for (const spec of INSTANCES) expect(targetUp(samples, spec.name)).toBe(1);
      expect(requests(samples, { code: '429' })).toBeGreaterThan(0);
      // A bucket of 1 holds nothing after any read: the poll started (at best) with 0 left; the global one, 15 times larger, with more.
      expect(find(samples, 'apim_netwatch_arm_ratelimit_remaining', { subscription_id: SUB_A, scope: 'subscription-reads' })[0]?.value).toBe(0);
      expect(find(samples, 'apim_netwatch_arm_ratelimit_remaining', { subscription_id: SUB_A, scope: 'subscription-global-reads' })[0]?.value).toBeGreaterThan(0);
    } finally {
      await throttled.close();
    }
  });

  it('a request slower than the request timeout: that target is down, the others are read, nothing crashes', async () => {
    simulator.setFaults([{ path: '/service/a-one/networkstatus', delayMs: 1500 }]);
    const h = harness(simulator, { azure: { requestTimeoutSeconds: 0.3 } });
    const { report, samples, seconds } = await h.poll();
    expect(seconds).toBeLessThan(3);
    expect(targetUp(samples, 'a-one')).toBe(0);
    for (const name of ['a-two', 'b-one', 'b-two']) expect(targetUp(samples, name)).toBe(1);
    const failure = report.instances.find((i) => i.instance.name === 'a-one')?.failure;
    expect(failure).toMatchObject({ operation: 'NetworkStatus_ListByService', code: 'ETIMEDOUT' });
    expect(h.logs()).toMatch(/cannot read network status: ARM did not answer within 300 ms/);
    // The timed-out attempt was retried once (maxRetries 1); both are counted under ETIMEDOUT.
    expect(requests(samples, { operation: 'NetworkStatus_ListByService', code: 'ETIMEDOUT' })).toBe(2);
  });

  it('an instance deleted between discovery and fetch (404 on networkstatus): its series disappear', async () => {
    const h = harness(simulator);
    const first = await h.poll();
    expect(find(first.samples, 'apim_instance_info', { apim_service: 'a-two' })).toHaveLength(1);
    // Discovery still lists it (Resource Graph lags, or it went between the calls); its status is gone.
    simulator.setFaults([{ path: '/service/a-two/networkstatus', status: 404 }]);
    const { report, samples } = await h.poll();
    expect(report.instances.map((i) => i.instance.name).sort()).toEqual(['a-one', 'b-one', 'b-two']);
    for (const family of ['apim_instance_info', 'apim_network_endpoint_up', 'apim_netwatch_target_up', 'apim_network_dependency_up']) {
      expect(find(samples, family, { apim_service: 'a-two' }), family).toHaveLength(0);
    }
    expect(targetUp(samples, 'a-one')).toBe(1);
    expect(h.logs()).toContain('disappeared between discovery and fetch');
  });

  it('a token that cannot be acquired: every target down, the poll a failure, the error logged without the token', async () => {
    const SECRET = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-access-token.signature';
    let broken = false;
    const credential: TokenCredential = {
      async getToken(): Promise<AccessToken> {
        if (broken) throw new Error('ClientSecretCredential authentication failed: AADSTS7000215: Invalid client secret provided.');
        // Expires at once: the next poll must ask again.
        return { token: SECRET, expiresOnTimestamp: Date.now() + 10 };
      },
    };
    const h = harness(simulator, {}, { credential });
    const first = await h.poll();
    for (const spec of INSTANCES) expect(targetUp(first.samples, spec.name)).toBe(1);
    const updatedBefore = find(first.samples, 'apim_network_endpoint_last_updated_timestamp_seconds', { apim_service: 'a-one' }).map((s) => s.value);

    broken = true;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { report, samples } = await h.poll();
    for (const spec of INSTANCES) expect(targetUp(samples, spec.name), spec.name).toBe(0);
    expect(report.instances.every((i) => !i.targetUp)).toBe(true);
    expect(find(samples, 'apim_netwatch_polls_total', { outcome: 'failure' })[0]?.value).toBe(1);
    for (const sub of [SUB_A, SUB_B]) expect(find(samples, 'apim_netwatch_subscription_up', { subscription_id: sub })[0]?.value).toBe(0);
    // The last good data is kept with its own timestamps: the failed poll refreshed nothing.
    expect(find(samples, 'apim_network_endpoint_last_updated_timestamp_seconds', { apim_service: 'a-one' }).map((s) => s.value)).toEqual(updatedBefore);
    const logs = h.logs();
    expect(logs).toContain('AADSTS7000215');
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain('secret-access-token');
  });

  it('a poll slower than the schedule: the next one is skipped and counted, and the poll still completes', async () => {
    simulator.setFaults([{ path: '/networkstatus', delayMs: 2200 }]);
    const h = harness(simulator);
    h.monitor.poller.start('* * * * * *');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await h.monitor.poller.stop();
    const samples = parseExposition(await h.monitor.selfMetrics.render());
    expect(find(samples, 'apim_netwatch_polls_skipped_total', {})[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'apim_netwatch_polls_total', { outcome: 'success' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(h.logs()).toContain('previous poll still running');
  });
});

describe('Resource Graph failing: per-resource reads stand in, with the same results', () => {
  let simulator: RunningSimulator;
  const now = new Date();

  beforeAll(async () => {
    simulator = await startSimulator({ world: buildDemoWorld(now) });
  });

  afterAll(async () => {
    await simulator?.close();
  });

  const demoPoll = async (resourceGraph: boolean, faults: Fault[]) => {
    simulator.setWorld(buildDemoWorld(now));
    simulator.setFaults(faults);
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 1, resourceGraph } }, 'test', {});
    const { log, text } = capturingLog();
    const monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false, retryDelayMs: 10 });
    const report = (await monitor.poller.pollNow())!;
    const samples = parseExposition((await monitor.fleetMetrics()) + (await monitor.selfMetrics.render()));
    return { report, samples, logs: text(), stats: monitor.lastCollectStats! };
  };

  const verdicts = (samples: ReturnType<typeof parseExposition>) =>
    ['apim_network_flow_allowed', 'apim_network_route_ok', 'apim_network_route_unknown', 'apim_network_admin_rule_blocking', 'apim_network_service_endpoint_enabled', 'apim_network_config_drift', 'apim_network_endpoint_up']
      .flatMap((name) => find(samples, name, {}))
      .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`)
      .sort();

  it.each<[string, Fault]>([
    ['a 500', { path: '/providers/Microsoft.ResourceGraph/resources', status: 500 }],
    ['a 503 with Retry-After', { path: '/providers/Microsoft.ResourceGraph/resources', status: 503, retryAfterSeconds: 0 }],
    ['a malformed body', { path: '/providers/Microsoft.ResourceGraph/resources', malformed: true }],
  ])('%s from Resource Graph falls back to lists and GETs; the verdicts equal those read through Resource Graph', async (_name, fault) => {
    const viaGraph = await demoPoll(true, []);
    expect(viaGraph.stats.resourceGraph).toBe('used');
    // APIM services, network configuration, which VNets have security admin rules in force, the network managers
    // that could deploy them, Virtual WAN hubs, private DNS zone links (the demo has internal instances).
    expect(viaGraph.stats.armRequests.byOperation.Resources_Query).toBe(6);
    expect(viaGraph.stats.armRequests.byOperation.Subnets_Get).toBeUndefined();
    // Only the one VNet with admin rules (contoso-payments) is asked for them.
    expect(viaGraph.stats.armRequests.byOperation.ListNetworkManagerEffectiveSecurityAdminRules).toBe(1);

    const fallback = await demoPoll(true, [fault]);
    expect(fallback.stats.resourceGraph).toBe('fallback');
    expect(fallback.stats.armRequests.byOperation.ApiManagementService_List).toBe(2);
    expect(fallback.stats.armRequests.byOperation.Subnets_Get).toBe(8);
    // Without Resource Graph every VNet is asked for its admin rules.
    expect(fallback.stats.armRequests.byOperation.ListNetworkManagerEffectiveSecurityAdminRules).toBe(8);
    // The hub that contoso-hybrid's VNet uses through gateway transit, and its gateway, are read by GET.
    expect(fallback.stats.armRequests.byOperation.VirtualNetworkGateways_Get).toBe(1);
    expect(viaGraph.stats.armRequests.byOperation.VirtualNetworkGateways_Get).toBeUndefined();
    expect(fallback.report.instances.filter((i) => i.targetUp)).toHaveLength(8);
    expect(fallback.logs).toContain('Resource Graph query for APIM services failed');
    expect(fallback.logs).toContain('Resource Graph query for network configuration failed');
    expect(fallback.logs).toContain('Resource Graph query for security admin rules failed');
    expect(fallback.logs).toContain('Resource Graph query for Virtual WAN hubs failed');
    expect(fallback.logs).toContain('Resource Graph query for private DNS zone links failed');
    expect(verdicts(fallback.samples)).toEqual(verdicts(viaGraph.samples));
  });

  it('azure.resourceGraph: false never asks Resource Graph', async () => {
    const off = await demoPoll(false, []);
    expect(off.stats.resourceGraph).toBe('off');
    expect(off.stats.armRequests.byOperation.Resources_Query).toBeUndefined();
    expect(off.report.instances.filter((i) => i.targetUp)).toHaveLength(8);
  });
});

describe('per-subscription concurrency', () => {
  it("one subscription's slow (throttled) requests do not take the slots the others need", async () => {
    const limiter = new ArmLimiter(4, 2);
    const started: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const slow = Array.from({ length: 6 }, (_, i) =>
      limiter.run('sub-throttled', async () => {
        started.push(`slow-${i}`);
        await stuck;
      }),
    );
    const quick = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        limiter.run('sub-healthy', async () => {
          started.push(`quick-${i}`);
          return i;
        }),
      ),
    );
    expect(quick).toEqual([0, 1, 2, 3]);
    // Only the throttled subscription's cap (2) was running while the healthy one went through.
    expect(started.filter((s) => s.startsWith('slow'))).toHaveLength(2);
    release();
    await Promise.all(slow);
    expect(started.filter((s) => s.startsWith('slow'))).toHaveLength(6);
  });

  it('tenant-level requests (Resource Graph pages) go ahead of queued subscription requests', async () => {
    const limiter = new ArmLimiter(2, 2);
    const order: string[] = [];
    const gates: Array<() => void> = [];
    const task = (name: string) => () => {
      order.push(name);
      return new Promise<void>((resolve) => gates.push(resolve));
    };
    const all = [
      ...['a', 'b', 'c', 'd'].map((name) => limiter.run(`sub-${name}`, task(name))),
      limiter.run(undefined, task('graph-page')),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a', 'b']);
    expect(limiter.active).toBe(2);
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    // The page queued last takes the first free slot; the subscriptions' requests follow in order.
    expect(order).toEqual(['a', 'b', 'graph-page']);
    while (gates.length > 0 || order.length < 5) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all);
    expect(order).toEqual(['a', 'b', 'graph-page', 'c', 'd']);
    expect(limiter.active).toBe(0);
  });
});
