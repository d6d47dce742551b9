import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { Monitor } from '../src/service/monitor.js';
import { parseApimId } from '../src/model/ids.js';
import type { ProbeRequest } from '../src/analysis/probe-plan.js';
import { ProbeScheduler } from '../src/service/probe-scheduler.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import type { World } from '../src/simulator/world.js';
import { exampleBody } from './helpers/examples.js';
import { memoryLog } from './helpers/memory-log.js';
import { find, parseExposition } from './helpers/metrics.js';

/**
 * Background probes against the simulator through the real SDK: fabrikam-partners' subnet sends 0.0.0.0/0 to a
 * virtual appliance (at risk); without its Microsoft.Sql service endpoint, SQL goes through it too, so the poll
 * asks the gateway, and the world says the appliance drops SQL.
 */

const FABRIKAM_NETWORK = '/resourcegroups/rg-fabrikam-network/';
const disconnected = {
  ...exampleBody<Record<string, unknown>>('2024-05-01__ApiManagementPerformConnectivityCheck.json'),
  connectionStatus: 'Disconnected',
  hops: [{ type: 'Source', id: 'a', address: '10.0.0.4', nextHopIds: [], issues: [{ origin: 'Outbound', severity: 'Error', type: 'UserDefinedRoute', context: [] }] }],
};

/** Removes the Microsoft.Sql service endpoint wherever fabrikam-partners' subnet appears (the VNet embeds it too). */
function dropSqlServiceEndpoint(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropSqlServiceEndpoint);
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record.serviceEndpoints)) record.serviceEndpoints = record.serviceEndpoints.filter((e: { service?: string }) => e.service !== 'Microsoft.Sql');
  for (const value of Object.values(record)) dropSqlServiceEndpoint(value);
}

function atRiskWorld(extra: Partial<World> = {}): { world: World; apimId: string; sqlHost: string } {
  const world = buildDemoWorld(new Date());
  for (const resource of world.resources) if (resource.id.toLowerCase().includes(FABRIKAM_NETWORK)) dropSqlServiceEndpoint(resource);
  const apimId = Object.keys(world.networkStatus).find((id) => id.toLowerCase().endsWith('/service/fabrikam-partners'))!;
  const entries = (world.networkStatus[apimId] as Array<{ networkStatus: { connectivityStatus: Array<{ name: string; resourceType: string }> } }>)[0]!.networkStatus.connectivityStatus;
  const sqlHost = entries.find((e) => e.resourceType === 'SQLDatabase')!.name;
  return { world: { ...world, connectivityChecks: [{ service: apimId, address: sqlHost, port: 1433, response: disconnected }], connectivityCheckSeconds: 1, ...extra }, apimId, sqlHost };
}

let simulator: RunningSimulator | undefined;
let monitor: Monitor | undefined;

afterEach(async () => {
  await monitor?.stop();
  await simulator?.close();
  monitor = undefined;
  simulator = undefined;
});

/** fabrikam-partners' subscription alone: the budget and the 403 are per subscription. */
const FABRIKAM_ONLY = [parseApimId(atRiskWorld().apimId).subscriptionId];

async function start(world: World, probes: Record<string, unknown> = {}, log = pino({ level: 'silent' }), subscriptions: readonly string[] = DEMO_SUBSCRIPTIONS) {
  simulator = await startSimulator({ world });
  const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [...subscriptions] }, watch: { enabled: false }, probes }, 'test', {});
  monitor = new Monitor(config, { log, caPem: simulator.caCertPem, processMetrics: false });
  // What `serve`'s monitor.start() does for probes (a one-shot `check` never starts them); polls are asked for below.
  monitor.probes.start();
  return monitor;
}

async function until<T>(what: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const self = async (m: Monitor) => parseExposition(await m.selfMetrics.render());

describe('probes after a poll: routes at risk are asked of the gateway', () => {
  it('SQL through the appliance, Disconnected by the gateway: apim_network_probe_connected 0 (trigger unknown) within seconds', async () => {
    const { world, sqlHost } = atRiskWorld();
    const m = await start(world);
    const report = (await m.poller.pollNow())!;
    const weu = report.instances.find((i) => i.instance.name === 'fabrikam-partners')!.regions[0]!;
    expect(weu.config!.routes!.verdicts.find((v) => v.dependency === 'sql')!.unknown?.cause).toBe('appliance');
    const sql = await until(async () => find(parseExposition(await m.fleetMetrics()), 'apim_network_probe_connected', { apim_service: 'fabrikam-partners', dependency: 'sql' })[0]);
    expect(sql).toMatchObject({ value: 0, labels: { location: 'westeurope', endpoint: sqlHost.toLowerCase(), port: '1433', protocol: 'tcp', trigger: 'unknown' } });
    const samples = parseExposition(await m.fleetMetrics());
    expect(find(samples, 'apim_network_probe_last_timestamp_seconds', { apim_service: 'fabrikam-partners', dependency: 'sql' })[0]!.value).toBeGreaterThan(Date.now() / 1000 - 60);
    // Graph goes through the appliance too, and nothing blocks it in the world: connected, with Azure's latency.
    expect(find(samples, 'apim_network_probe_connected', { apim_service: 'fabrikam-partners', dependency: 'graph' }).every((s) => s.value === 1)).toBe(true);
    expect(find(samples, 'apim_network_probe_connected', { apim_service: 'contoso-prod' })).toEqual([]);
    expect(find(await self(m), 'apim_netwatch_probes_total', { outcome: 'disconnected' })[0]?.value).toBeGreaterThanOrEqual(1);
    // The next poll within unknownIntervalSeconds asks nothing again, and keeps the answer shown.
    const asked = find(await self(m), 'apim_netwatch_arm_requests_total', { operation: 'PerformConnectivityCheckAsync' }).reduce((n, s) => n + s.value, 0);
    await m.probes.queue!.idle();
    await m.poller.pollNow();
    expect(m.probes.queue!.pending).toBe(0);
    expect(find(await self(m), 'apim_netwatch_arm_requests_total', { operation: 'PerformConnectivityCheckAsync' }).reduce((n, s) => n + s.value, 0)).toBe(asked);
    expect(find(parseExposition(await m.fleetMetrics()), 'apim_network_probe_connected', { apim_service: 'fabrikam-partners', dependency: 'sql', trigger: 'unknown' })[0]?.value).toBe(0);
  }, 30_000);

  it('the budget holds: at most maxPerMinute actions per subscription in a minute, the rest wait', async () => {
    const { world } = atRiskWorld({ connectivityCheckSeconds: 0 });
    const m = await start(world, { maxPerMinute: 2, concurrency: 4 }, undefined, FABRIKAM_ONLY);
    await m.poller.pollNow();
    const actions = async () => find(await self(m), 'apim_netwatch_arm_requests_total', { operation: 'PerformConnectivityCheckAsync' }).reduce((n, s) => n + s.value, 0);
    await until(async () => ((await actions()) >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // fabrikam-partners alone asks for more than two checks (SQL and Graph's endpoints); two ran, the rest are queued.
    expect(await actions()).toBe(2);
    expect(m.probes.queue!.pending).toBeGreaterThan(0);
  }, 30_000);

  it('the poll is not lengthened by probes that take long (connectivityCheckSeconds 30)', async () => {
    const { world } = atRiskWorld({ connectivityCheckSeconds: 30 });
    const m = await start(world);
    const began = Date.now();
    await m.poller.pollNow();
    await m.poller.pollNow();
    const seconds = (Date.now() - began) / 1000;
    expect(m.probes.queue!.pending).toBeGreaterThan(0); // still running
    expect(seconds).toBeLessThan(15);
  }, 60_000);
});

describe('403: probes switch off for the subscription, nothing else degrades', () => {
  it('one warning line, probes_total{outcome="forbidden"}, no probe series, and the poll still succeeds', async () => {
    const { world } = atRiskWorld();
    const { log, lines } = memoryLog('info');
    const m = await start({ ...world, faults: [{ path: '/connectivityCheck', status: 403 }] }, { concurrency: 4, maxPerMinute: 10 }, log, FABRIKAM_ONLY);
    const report = (await m.poller.pollNow())!;
    await until(async () => find(await self(m), 'apim_netwatch_probes_total', { outcome: 'forbidden' })[0]);
    await m.probes.queue!.idle();
    await m.poller.pollNow();
    await m.probes.queue!.idle();
    const warnings = lines.filter((line) => /probes are off/.test(String(line.msg)));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]!.msg)).toContain('Microsoft.ApiManagement/service/connectivityCheck/action');
    expect(m.probes.queue!.isForbidden(report.instances.find((i) => i.instance.name === 'fabrikam-partners')!.instance.subscriptionId)).toBe(true);
    expect(find(parseExposition(await m.fleetMetrics()), 'apim_network_probe_connected', {})).toEqual([]);
    expect(find(parseExposition(await m.fleetMetrics()), 'apim_network_endpoint_up', { apim_service: 'fabrikam-partners' }).length).toBeGreaterThan(0);
    expect(find(await self(m), 'apim_netwatch_polls_total', { outcome: 'success' })[0]?.value).toBe(2);
  }, 30_000);
});

describe('configured targets', () => {
  it('probes.targets run every intervalSeconds with dependency="target", trigger="target"', async () => {
    const { world, apimId } = atRiskWorld();
    const m = await start(world, { targets: [{ instance: apimId, region: 'West Europe', address: 'backend.contoso.example', port: 443, protocol: 'https' }] });
    await m.poller.pollNow();
    const target = await until(async () => find(parseExposition(await m.fleetMetrics()), 'apim_network_probe_connected', { trigger: 'target' })[0]);
    expect(target).toMatchObject({ value: 1, labels: { apim_service: 'fabrikam-partners', location: 'westeurope', dependency: 'target', endpoint: 'backend.contoso.example', port: '443', protocol: 'https' } });
  }, 30_000);

  it('config errors name the key and the fix', () => {
    expect(() => validateConfig({ probes: { targets: [{ instance: 'x', address: 'a', port: 70000 }] } }, 'test', {})).toThrow(/probes\.targets\.0\.instance[\s\S]*API Management resource ID/);
    expect(() => validateConfig({ probes: { maxPerMinute: 0 } }, 'test', {})).toThrow(/probes\.maxPerMinute/);
    expect(validateConfig({}, 'test', {}).probes).toEqual({ enabled: true, maxPerMinute: 6, concurrency: 2, unknownIntervalSeconds: 900, intervalSeconds: 300, targets: [] });
  });
});

describe('ProbeScheduler: dedupe, 429 pause', () => {
  const request = (address: string): ProbeRequest => ({ apimId: '/subscriptions/s/resourceGroups/g/providers/Microsoft.ApiManagement/service/a', subscriptionId: 's', location: 'westeurope', dependency: 'sql', address, port: 1433, protocol: 'tcp', trigger: 'unknown' });

  it('the same check asked twice runs once; a 429 pauses the subscription for its Retry-After', async () => {
    const started: number[] = [];
    const outcomes: string[] = [];
    let throttle = true;
    const scheduler = new ProbeScheduler({
      maxPerMinute: 100,
      concurrency: 1,
      run: async () => {
        started.push(Date.now());
        if (throttle) {
          throttle = false;
          return { ok: false, failure: { kind: 'throttled', status: 429, retryAfterSeconds: 1, message: '429' } };
        }
        return { ok: true, response: { connectionStatus: 'Connected' }, seconds: 0 } as never;
      },
      answered: () => outcomes.push('answered'),
      counted: (outcome) => outcomes.push(outcome),
      log: pino({ level: 'silent' }),
    });
    expect(scheduler.enqueue(request('a.database.windows.net'))).toBe(true);
    expect(scheduler.enqueue(request('A.database.windows.net'))).toBe(false);
    expect(scheduler.enqueue(request('b.database.windows.net'))).toBe(true);
    await until(async () => (started.length >= 3 ? true : undefined), 5_000);
    await scheduler.idle();
    scheduler.stop();
    // The throttled check waits in the queue and runs after the pause, with the other.
    expect(outcomes).toEqual(['throttled', 'answered', 'answered']);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(950);
  });
});
