import { request } from 'node:https';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArmClients } from '../src/azure/clients.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import type { GraphReadFailure } from '../src/azure/graph-read-error.js';
import { pageLimit } from '../src/azure/graph-paging-guard.js';
import { NETWORK_QUERY, RESOURCE_GRAPH_API_VERSION } from '../src/azure/resource-graph.js';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { Fault, World } from '../src/simulator/world.js';
import { buildFleetWorld } from '../synthetic/fleet-world.js';
import { find, parseExposition } from './helpers/metrics.js';
import { memoryLog } from './helpers/memory-log.js';
import { until } from './helpers/ports.js';
import { denySqlRule, withRule } from './helpers/world-edits.js';

/**
 * Paging that cannot loop: whatever Resource Graph answers ($skipToken repeated, pages without end, pages
 * that trickle), a read ends, counted and logged once, and its caller falls back as on a 429.
 */

const GRAPH = '/providers/Microsoft.ResourceGraph/resources';
const fleet = buildFleetWorld({ instances: 30, subscriptions: 3, now: new Date() });
const NETWORK_ROWS = fleet.world.resources.filter((r) => /^microsoft\.network\/(virtualnetworks|networksecuritygroups|routetables|virtualnetworkgateways)$/i.test(String(r.type))).length;

function post(sim: RunningSimulator, body: unknown): Promise<any> {
  const url = new URL(`${GRAPH}?api-version=${RESOURCE_GRAPH_API_VERSION}`, sim.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, ca: sim.caCertPem, headers: { authorization: 'Bearer x', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms` (so that a loop fails the test instead of hanging it). */
function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('the simulator can answer paging that never ends', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fleet.world });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('repeatSkipToken: every page answers the first page\'s token, and the first page\'s rows', async () => {
    sim.setFaults([{ path: GRAPH, repeatSkipToken: true }]);
    const query = { subscriptions: fleet.subscriptionIds, query: NETWORK_QUERY, options: { $top: 5 } };
    const first = await post(sim, query);
    const second = await post(sim, { ...query, options: { $top: 5, $skipToken: first.$skipToken } });
    const third = await post(sim, { ...query, options: { $top: 5, $skipToken: second.$skipToken } });
    expect(typeof first.$skipToken).toBe('string');
    expect([second.$skipToken, third.$skipToken]).toEqual([first.$skipToken, first.$skipToken]);
    expect(third.data.map((row: { id: string }) => row.id)).toEqual(first.data.map((row: { id: string }) => row.id));
  });

  it('endlessPages: every page answers a new token, past the last row too; query limits a fault to the queries containing it', async () => {
    sim.setFaults([{ path: GRAPH, query: 'networksecuritygroups', endlessPages: true }]);
    const query = { subscriptions: fleet.subscriptionIds, query: NETWORK_QUERY, options: { $top: 1000 } };
    const first = await post(sim, query);
    const second = await post(sim, { ...query, options: { $top: 1000, $skipToken: first.$skipToken } });
    expect(first.totalRecords).toBe(NETWORK_ROWS);
    expect(second.data).toHaveLength(1000);
    expect(second.$skipToken).not.toBe(first.$skipToken);
    const other = await post(sim, { subscriptions: fleet.subscriptionIds, query: "Resources | where type =~ 'microsoft.apimanagement/service'", options: { $top: 1000 } });
    expect(other.$skipToken).toBeUndefined();
  });
});

describe('a Resource Graph read cannot loop (the real SDK pipeline against the simulator)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ world: fleet.world });
  });
  afterAll(async () => {
    await sim?.close();
  });

  const read = async (faults: Fault[], top: number, deadlineMs?: number) => {
    sim.setFaults(faults);
    const failures: GraphReadFailure[] = [];
    const clients = new ArmClients({
      endpoint: sim.url,
      credential: new SimulatorCredential(),
      caPem: sim.caCertPem,
      maxRetries: 0,
      observer: { onRequest: () => undefined, onGraphReadFailed: (reason) => void failures.push(reason) },
    });
    let rows = 0;
    const started = performance.now();
    const outcome = await within(
      'the read',
      clients.resourceGraph().queryPages(fleet.subscriptionIds, NETWORK_QUERY, (task) => task(), (page) => void (rows += page.length), top, 0, deadlineMs).then(
        () => undefined,
        (err: unknown) => err as { code?: string; message: string },
      ),
      20_000,
    );
    return { outcome, rows, failures, ms: performance.now() - started, requests: clients.requests().byOperation.Resources_Query ?? 0 };
  };

  it('a $skipToken answered twice ends the read at the second page', async () => {
    const { outcome, failures, requests, rows } = await read([{ path: GRAPH, repeatSkipToken: true }], 25);
    expect(outcome?.code).toBe('GraphSkipTokenRepeated');
    expect(outcome?.message).toMatch(/\$skipToken it had already given in this read/);
    expect(requests).toBe(2);
    expect(rows, 'the repeated page is not handed on').toBe(25);
    expect(failures).toEqual(['repeated_skip_token']);
  });

  it('pages without end stop at the page limit that totalRecords foretells', async () => {
    const { outcome, failures, requests } = await read([{ path: GRAPH, endlessPages: true }], 25);
    const limit = pageLimit(NETWORK_ROWS, 25);
    expect(limit).toBe(Math.ceil(NETWORK_ROWS / 25) + 2);
    expect(outcome?.code).toBe('GraphPageLimit');
    expect(requests).toBe(limit);
    expect(failures).toEqual(['page_limit']);
  });

  it('pages that trickle end at the read\'s deadline, the page in flight aborted', async () => {
    const { outcome, failures, ms } = await read([{ path: GRAPH, delayMs: 400 }], 25, 1000);
    expect(outcome?.code).toBe('GraphReadTimeout');
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2500);
    expect(failures).toEqual(['deadline']);
  });

  it('a read that pages as Resource Graph does is untouched', async () => {
    const { outcome, rows, failures } = await read([], 25);
    expect(outcome).toBeUndefined();
    expect(rows).toBe(NETWORK_ROWS);
    expect(failures).toEqual([]);
  });
});

describe('the monitor, with Resource Graph paging without end', () => {
  let simulator: RunningSimulator | undefined;
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.stop();
    await simulator?.close();
    monitor = simulator = undefined;
  });

  async function start(world: World, intervalSeconds = 0.3) {
    simulator = await startSimulator({ world });
    const memory = memoryLog('info');
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 0 }, watch: { intervalSeconds } }, 'test', {});
    monitor = new Monitor(config, { log: memory.log, caPem: simulator.caCertPem, processMetrics: false });
    return { sim: simulator, m: monitor, lines: memory.lines };
  }
  const own = async (m: Monitor, name: string, labels: Record<string, string> = {}) => find(parseExposition(await m.selfMetrics.render()), name, labels)[0]?.value ?? 0;

  it('a repeated $skipToken on every query: the first poll completes at once, every bulk read falling back, each failure counted and logged once', async () => {
    const world = buildDemoWorld(new Date());
    // What a poll of this fleet costs in Resource Graph queries when Resource Graph pages properly.
    const clean = await start(world);
    await clean.m.poller.pollNow();
    const queriesPerPoll = clean.m.lastCollectStats!.armRequests.byOperation.Resources_Query!;
    const instances = clean.m.report!.instances.filter((instance) => instance.targetUp).length;
    await clean.m.stop();
    await clean.sim.close();

    const { m, lines } = await start({ ...world, faults: [{ path: GRAPH, repeatSkipToken: true }] });
    const started = performance.now();
    const report = await within('the first poll', m.poller.pollNow(), 15_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(report?.instances.filter((instance) => instance.targetUp)).toHaveLength(instances);
    expect(m.lastCollectStats?.resourceGraph).toBe('fallback');
    const queries = m.lastCollectStats!.armRequests.byOperation.Resources_Query!;
    expect(queries, 'two pages per bulk read at most').toBeLessThanOrEqual(2 * queriesPerPoll);
    // Each bulk read is tried once (some depend on discovery, which fell back to ARM lists).
    const failed = await own(m, 'apim_netwatch_resource_graph_reads_failed_total', { reason: 'repeated_skip_token' });
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(failed).toBeLessThanOrEqual(queriesPerPoll);
    expect(queries).toBe(2 * failed);
    const logged = lines.filter((line) => /Resource Graph query for .* failed, reading them one by one instead: .*\$skipToken it had already given/.test(line.msg));
    expect(logged, 'one line per failed read').toHaveLength(failed);
  }, 40_000);

  it('a repeated $skipToken on the resourcechanges query: the watch runs on, later breaking changes show, requests stay bounded', async () => {
    // No Resource Graph quota: the watch runs every 0.3 s here (200 times its default), which 15 queries per 5 s would pace.
    const world: World = { ...buildDemoWorld(new Date()), resourceGraphQuota: false };
    const { sim, m } = await start({ ...world, faults: [{ path: GRAPH, query: 'resourcechanges', repeatSkipToken: true }] });
    await m.poller.pollNow();
    const prod = m.poller.snapshot!.instances.find((instance) => instance.instance.name === 'contoso-prod')!;
    const [west, north] = prod.network!.map((region) => ({ location: region.location, nsgId: region.subnet!.nsg!.id }));
    const sqlFlow = async (location: string) =>
      find(parseExposition(await m.fleetMetrics()), 'apim_network_flow_allowed', { apim_service: 'contoso-prod', location, peer: 'Sql', port: '1433', direction: 'outbound' })[0]?.value;
    const denySql = (base: World, nsgId: string) =>
      withRule(base, nsgId, denySqlRule(nsgId));
    const fault: Fault = { path: GRAPH, query: 'resourcechanges', repeatSkipToken: true };
    m.watch!.start();

    // A first change: the watch shows it, then asks resourcechanges who made it (and keeps asking each run).
    const first = denySql(world, west!.nsgId);
    sim.setWorld(first);
    sim.setFaults([fault]);
    await until('the first deny on /metrics', async () => ((await sqlFlow(west!.location)) === 0 ? true : undefined), 5000);
    // Runs that ask who made it (the watch runs every 0.3 s).
    await sleep(1000);
    const runsBefore = await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' });

    // A later breaking change (the other region's NSG) still shows: the watch did not stop in the author lookup.
    sim.setWorld(denySql(first, north!.nsgId));
    sim.setFaults([fault]);
    await until('the later deny on /metrics', async () => ((await sqlFlow(north!.location)) === 0 ? true : undefined), 5000);
    await until('more watch runs', async () => ((await own(m, 'apim_netwatch_watch_runs_total', { outcome: 'unchanged' })) > runsBefore + 2 ? true : undefined), 5000);
    await m.watch!.stop();

    // Each author lookup costs two pages at most: the repeated token ends it.
    const lookups = await own(m, 'apim_netwatch_resource_graph_reads_failed_total', { reason: 'repeated_skip_token' });
    expect(lookups).toBeGreaterThanOrEqual(3);
    expect(await own(m, 'apim_netwatch_watch_graph_requests_total', { query: 'resourcechanges' })).toBeLessThanOrEqual(2 * lookups);
  }, 30_000);

  it('a read that trickles ends at azure.targetTimeoutSeconds and the poll falls back', async () => {
    simulator = await startSimulator({ world: { ...buildDemoWorld(new Date()), faults: [{ path: GRAPH, delayMs: 5000 }] } });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...DEMO_SUBSCRIPTIONS], maxRetries: 0, targetTimeoutSeconds: 1 } }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
    const started = performance.now();
    const report = await within('the poll', monitor.poller.pollNow(), 15_000);
    expect(performance.now() - started).toBeLessThan(8_000);
    expect(report?.instances.some((instance) => instance.targetUp)).toBe(true);
    expect(monitor.lastCollectStats?.resourceGraph).toBe('fallback');
    expect(await own(monitor, 'apim_netwatch_resource_graph_reads_failed_total', { reason: 'deadline' })).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
