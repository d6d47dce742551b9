import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault } from '../src/simulator/world.js';
import { apimId, apimResource, networkStatusBody, SUB_A, SUB_B, world } from './helpers/worlds.js';

/**
 * A bounded soak: a few hundred fast polls over a fleet with random faults (429 storms, 5xx, hangs past the
 * deadline, malformed bodies, instances appearing and disappearing). No crash, no unhandled rejection, heap
 * that levels off, and no target ever shown as read in a poll that could not read it.
 */
const POLLS = 240;
const NAMES = Array.from({ length: 12 }, (_, index) => `soak-${String(index).padStart(2, '0')}`);
const spec = (name: string, index: number) => ({ subscriptionId: index % 2 === 0 ? SUB_A : SUB_B, resourceGroup: 'rg-soak', name });

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const FAULTS: Array<(name: string) => Fault> = [
  (name) => ({ path: `/service/${name}/networkstatus`, status: 429, retryAfterSeconds: 900 }),
  (name) => ({ path: `/service/${name}/networkstatus`, status: 500 }),
  (name) => ({ path: `/service/${name}/networkstatus`, status: 503, retryAfterSeconds: 600 }),
  (name) => ({ path: `/service/${name}/networkstatus`, malformed: true }),
  (name) => ({ path: `/service/${name}/networkstatus`, delayMs: 400 }),
];

function pollWorld(next: () => number, now: Date) {
  // Instances come and go.
  const present = NAMES.filter(() => next() < 0.85);
  const faulted = new Set(present.filter(() => next() < 0.25));
  const faults = [...faulted].map((name) => FAULTS[Math.floor(next() * FAULTS.length)]!(name));
  // Sometimes a storm: a whole subscription throttled.
  if (next() < 0.05) faults.push({ path: `/subscriptions/${SUB_B}/`, status: 429, retryAfterSeconds: 900 });
  const specs = present.map((name) => spec(name, NAMES.indexOf(name)));
  return {
    faulted,
    world: world({
      resources: specs.map((s) => apimResource(s) as never),
      networkStatus: Object.fromEntries(specs.map((s) => [apimId(s.subscriptionId, s.resourceGroup, s.name), networkStatusBody(['West Europe'], now)])),
      faults,
    }),
  };
}

describe('soak: hundreds of polls with random faults', () => {
  let simulator: RunningSimulator;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    simulator = await startSimulator({ world: world({}) });
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await simulator?.close();
  });

  it(`${POLLS} polls: no crash, no unhandled rejection, no unread target shown as read, heap levels off`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const next = random(20261203);
    const config = validateConfig(
      { azure: { endpoint: simulator.url, subscriptions: [SUB_A, SUB_B], maxRetries: 1, requestTimeoutSeconds: 5, targetTimeoutSeconds: 0.2, maxRetryAfterSeconds: 1 }, readNetworkConfig: false },
      'soak',
      {},
    );
    const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false, retryDelayMs: 1 });
    const heap: number[] = [];
    const seen = { up: 0, down: 0, failures: new Set<string>() };
    for (let poll = 0; poll < POLLS; poll += 1) {
      // Timestamps have millisecond resolution, and a poll can end in the millisecond its last read did:
      // a tick apart, "read in this poll" cannot be mistaken for "read at the end of the last one".
      await new Promise((resolve) => setTimeout(resolve, 2));
      const started = new Date();
      const { world: w, faulted } = pollWorld(next, new Date(started.getTime() - 60_000));
      simulator.setWorld(w);
      const report = await monitor.poller.pollNow();
      expect(report, `poll ${poll} failed as a whole`).toBeDefined();
      for (const instance of report!.instances) {
        const read = instance.dataFetchedAt !== undefined && Date.parse(instance.dataFetchedAt) >= started.getTime();
        // Read in this poll means the target was up; a target that failed shows older data, or none.
        expect(read, `poll ${poll}: ${instance.instance.name} (faulted: ${faulted.has(instance.instance.name)})`).toBe(instance.targetUp);
        if (faulted.has(instance.instance.name) && !instance.targetUp) expect(instance.failure).toBeDefined();
        seen[instance.targetUp ? 'up' : 'down'] += 1;
        if (instance.failure) seen.failures.add(instance.failure.code);
      }
      if (poll % 40 === 39) {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    await monitor.stop();
    expect(unhandled).toEqual([]);
    // The soak did what it says: most targets read, many failed, in every way the faults allow.
    expect(seen.up).toBeGreaterThan(POLLS * 5);
    expect(seen.down).toBeGreaterThan(POLLS / 2);
    expect([...seen.failures].sort()).toEqual(expect.arrayContaining(['Throttled', 'TargetTimeout']));
    // After the first rounds, the heap does not keep growing with the number of polls.
    const [, second, ...rest] = heap;
    expect(Math.max(...rest)).toBeLessThan(second! * 1.5 + 16 * 1024 * 1024);
  }, 240_000);
});
