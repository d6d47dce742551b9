import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { inShard } from '../src/poller/shard.js';
import { Monitor } from '../src/service/monitor.js';
import { loadSnapshot, SnapshotFileError } from '../src/service/persistence.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { find, parseExposition } from './helpers/metrics.js';

const silent = pino({ level: 'silent' });

describe('warm restart from the state file', () => {
  let simulator: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-state-'));
  const monitorWith = (extra: Record<string, unknown> = {}) =>
    new Monitor(validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS] }, ...extra }, 'test', {}), {
      log: silent,
      caPem: simulator.caCertPem,
      processMetrics: false,
    });

  beforeAll(async () => {
    simulator = await startSimulator({ world: buildDemoWorld(new Date()) });
  });

  afterAll(async () => {
    await simulator?.close();
  });

  it('a restarted monitor serves the last known state at once, marked with its age, before any ARM request', async () => {
    const stateFile = join(dir, 'snapshot.json');
    const first = monitorWith({ stateFile });
    const polled = (await first.poller.pollNow())!;
    await first.stop();

    const requestsBefore = simulator.requestCount();
    const second = monitorWith({ stateFile });
    const restored = (await second.restore())!;
    expect(simulator.requestCount()).toBe(requestsBefore);
    expect(restored.restored?.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(second.report).toBe(restored);
    expect(restored.instances.map((i) => [i.instance.name, i.health])).toEqual(polled.instances.map((i) => [i.instance.name, i.health]));
    const samples = parseExposition((await second.fleetMetrics()));
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'contoso-internal', dependency: 'sql' })[0]?.value).toBe(0);
    expect(find(samples, 'apim_network_flow_allowed', { apim_service: 'contoso-internal', peer: 'Sql' })[0]?.labels.decided_by).toBe('DenyDatabaseEgress');
    // the next poll replaces it
    const next = (await second.poller.pollNow())!;
    expect(next.restored).toBeUndefined();
    await second.stop();
  });

  it('old restored data is judged against the clock of the restart: stale, never fresh', async () => {
    const stateFile = join(dir, 'old.json');
    simulator.setWorld(buildDemoWorld(new Date(Date.now() - 3 * 3600_000)));
    const first = monitorWith({ stateFile, staleAfterSeconds: 4 * 3600 });
    const polled = (await first.poller.pollNow())!;
    expect(polled.instances.find((i) => i.instance.name === 'contoso-prod')?.health).toBe('healthy');
    await first.stop();
    const restored = (await monitorWith({ stateFile }).restore())!;
    expect(restored.instances.find((i) => i.instance.name === 'contoso-prod')?.health).toBe('down');
    expect(restored.restored!.ageSeconds).toBeLessThan(60);
    simulator.setWorld(buildDemoWorld(new Date()));
  });

  it('a missing state file starts empty; a corrupt one is reported and ignored', async () => {
    expect(await monitorWith({ stateFile: join(dir, 'absent.json') }).restore()).toBeUndefined();
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, '{"format":');
    await expect(loadSnapshot(corrupt)).rejects.toThrow(SnapshotFileError);
    expect(await monitorWith({ stateFile: corrupt }).restore()).toBeUndefined();
  });
});

describe('sharding', () => {
  let simulator: RunningSimulator;

  beforeAll(async () => {
    simulator = await startSimulator({ world: buildDemoWorld(new Date()) });
  });

  afterAll(async () => {
    await simulator?.close();
  });

  it('N replicas split the fleet between them, each instance read by exactly one', async () => {
    const count = 3;
    const seen: string[][] = [];
    for (let index = 0; index < count; index++) {
      const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS] }, sharding: { index, count } }, 'test', {});
      const monitor = new Monitor(config, { log: silent, caPem: simulator.caCertPem, processMetrics: false });
      const report = (await monitor.poller.pollNow())!;
      seen.push(report.instances.map((i) => i.instance.id));
      for (const id of seen[index]!) expect(inShard(id, { index, count })).toBe(true);
    }
    const all = seen.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(8);
  });

  it('rejects an index outside the count with a message naming the key', () => {
    expect(() => validateConfig({ sharding: { index: 2, count: 2 } }, 'test', {})).toThrow(/sharding: sharding.index must be below sharding.count/);
  });
});
