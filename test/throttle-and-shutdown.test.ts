import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault } from '../src/simulator/world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { freePort, waitFor } from './helpers/ports.js';
import { startCli } from './helpers/processes.js';
import { apimId, apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/**
 * One throttled or hung instance must not hold the fleet: Retry-After is honoured up to a cap, every
 * target has a deadline, and a SIGTERM ends the process within a bounded time whatever ARM does.
 */
const silent = pino({ level: 'silent' });
const SPECS = ['a-one', 'a-two', 'a-three'].map((name) => ({ subscriptionId: SUB_A, resourceGroup: 'rg-a', name }));

function fleet(faults: Fault[]) {
  return world({
    resources: SPECS.map((spec) => apimResource(spec) as never),
    networkStatus: Object.fromEntries(SPECS.map((spec) => [apimId(spec.subscriptionId, spec.resourceGroup, spec.name), networkStatusBody(['West Europe'], new Date())])),
    faults,
  });
}

describe('a throttled or hung target fails alone, within bounds', () => {
  let simulator: RunningSimulator;
  beforeAll(async () => {
    simulator = await startSimulator({ world: fleet([]) });
  });
  afterAll(async () => {
    await simulator?.close();
  });

  const monitorWith = (azure: Record<string, unknown>) =>
    new Monitor(validateConfig({ azure: { endpoint: simulator.url, subscriptions: [SUB_A], maxRetries: 2, ...azure } }, 'test', {}), {
      log: silent,
      caPem: simulator.caCertPem,
      processMetrics: false,
      retryDelayMs: 10,
    });

  it('Retry-After: 600 on one instance fails that instance at once (Throttled, target_up 0); the rest of the fleet is read', async () => {
    simulator.setWorld(fleet([{ path: '/service/a-two/networkstatus', status: 429, retryAfterSeconds: 600 }]));
    const monitor = monitorWith({});
    const started = performance.now();
    const report = (await monitor.poller.pollNow())!;
    expect(performance.now() - started).toBeLessThan(20_000);
    const byName = Object.fromEntries(report.instances.map((instance) => [instance.instance.name, instance]));
    expect(byName['a-two']!.failure).toMatchObject({ code: 'Throttled', statusCode: 429 });
    expect(byName['a-two']!.failure!.message).toMatch(/asked to wait 600 s \(Retry-After\), more than azure.maxRetryAfterSeconds \(60 s\)/);
    expect(byName['a-one']!.targetUp && byName['a-three']!.targetUp).toBe(true);
    const samples = parseExposition(await monitor.fleetMetrics());
    expect(find(samples, 'apim_netwatch_target_up', { apim_service: 'a-two' })[0]?.value).toBe(0);
    await monitor.stop();
  }, 30_000);

  it('a Retry-After within the cap is waited for and the retry succeeds', async () => {
    simulator.setWorld(fleet([{ path: '/service/a-two/networkstatus', status: 429, retryAfterSeconds: 1, count: 1 }]));
    const monitor = monitorWith({ maxRetryAfterSeconds: 5 });
    const report = (await monitor.poller.pollNow())!;
    expect(report.instances.every((instance) => instance.targetUp)).toBe(true);
    await monitor.stop();
  }, 30_000);

  it('an instance that never answers fails at its deadline (TargetTimeout); the others are read', async () => {
    simulator.setWorld(fleet([{ path: '/service/a-three/networkstatus', delayMs: 60_000 }]));
    const monitor = monitorWith({ targetTimeoutSeconds: 1, requestTimeoutSeconds: 30 });
    const started = performance.now();
    const report = (await monitor.poller.pollNow())!;
    expect(performance.now() - started).toBeLessThan(15_000);
    const three = report.instances.find((instance) => instance.instance.name === 'a-three')!;
    expect(three.failure).toMatchObject({ code: 'TargetTimeout' });
    expect(three.failure!.message).toMatch(/did not answer within azure.targetTimeoutSeconds \(1 s\)/);
    expect(report.instances.filter((instance) => instance.targetUp)).toHaveLength(2);
    await monitor.stop();
  }, 30_000);

  it('stop() aborts a poll waiting on ARM at once and does not publish it', async () => {
    simulator.setWorld(fleet([{ path: '/service/a-three/networkstatus', delayMs: 60_000 }]));
    const monitor = monitorWith({ targetTimeoutSeconds: 300 });
    const poll = monitor.poller.pollNow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = performance.now();
    await monitor.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await poll).toBeUndefined();
    expect(monitor.report).toBeUndefined();
  }, 30_000);
});

describe('serve: SIGTERM within a bounded time, SIGHUP is not fatal', () => {
  it('with a target held by Retry-After, SIGTERM logs, exits 0 within shutdownTimeoutSeconds; a SIGHUP before it is not fatal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-shutdown-'));
    const sim = await startCli(['simulate', '--world', writeWorld(dir), '--port', '0', '--cert-out', join(dir, 'sim.pem')], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    try {
      const port = await freePort();
      writeFileSync(
        join(dir, 'config.yaml'),
        stringify({
          azure: { endpoint: sim.match[1], caCertFile: join(dir, 'sim.pem'), subscriptions: [SUB_A], maxRetryAfterSeconds: 600, targetTimeoutSeconds: 600 },
          readNetworkConfig: false,
          shutdownTimeoutSeconds: 5,
          stateFile: join(dir, 'state.json'),
          server: { port, host: '127.0.0.1' },
        }),
      );
      const serve = await startCli(['serve', '--config', join(dir, 'config.yaml')], /serving metrics/);
      // The first poll now waits on a-two's Retry-After (600 s, within this config's cap).
      await new Promise((resolve) => setTimeout(resolve, 1500));
      serve.child.kill('SIGHUP');
      await waitFor('the SIGHUP log line', async () => (/SIGHUP received/.test(serve.output()) ? true : undefined));
      expect(serve.child.exitCode).toBeNull();
      const started = performance.now();
      const code = await serve.stop();
      expect(code).toBe(0);
      expect(performance.now() - started).toBeLessThan(6_000);
      expect(serve.output()).toMatch(/SIGTERM received: stopping \(within 5 s\)/);
      expect(serve.output()).toMatch(/"msg":"stopped"/);
    } finally {
      await sim.stop();
    }
  }, 60_000);
});

function writeWorld(dir: string): string {
  const path = join(dir, 'world.json');
  writeFileSync(path, JSON.stringify(fleet([{ path: '/service/a-two/networkstatus', status: 429, retryAfterSeconds: 600 }])));
  return path;
}
