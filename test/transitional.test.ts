import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyseInstance } from '../src/analysis/analyse.js';
import type { ArmClients } from '../src/azure/clients.js';
import { checkJson, checkTable } from '../src/cli/check-output.js';
import { validateConfig } from '../src/config/load.js';
import { instancePage } from '../src/http/pages/instance-page.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { Monitor } from '../src/service/monitor.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { putJson } from './helpers/https.js';
import { find, parseExposition } from './helpers/metrics.js';
import { apimId, apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/**
 * An instance in a transitional provisioning state (issue 27): Azure answers its NetworkStatus with 409 while
 * it is Updating (Activating, ...), for 15 minutes to hours. It is shown as transitioning, its last status held
 * (not stale, not a failed target, no page), until the monitor's 6 h grace runs out (stuck: a failed target);
 * back to Succeeded with a good status, it is judged as any other. Each poll goes through the real SDK clients.
 */

const SPEC = { subscriptionId: SUB_A, resourceGroup: 'rg-upd', name: 'apim-upd' };
const ID = apimId(SPEC.subscriptionId, SPEC.resourceGroup, SPEC.name);
const MINUTE = 60_000;

function serviceBody(provisioningState: string, targetProvisioningState = ''): Record<string, unknown> {
  const body = apimResource(SPEC) as { properties: Record<string, unknown> };
  body.properties.provisioningState = provisioningState;
  body.properties.targetProvisioningState = targetProvisioningState;
  return body;
}

function worldAt(now: Date, provisioningState: string, target = '') {
  return world({ resources: [serviceBody(provisioningState, target) as never], networkStatus: { [ID]: networkStatusBody(['West Europe'], now) } });
}

describe('an instance whose NetworkStatus answers 409 while it transitions', () => {
  let simulator: RunningSimulator;
  let monitor: Monitor;
  const t0 = new Date();

  beforeAll(async () => {
    simulator = await startSimulator({ world: worldAt(t0, 'Succeeded') });
    const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [SUB_A], maxRetries: 1 }, readNetworkConfig: false }, 'test', {});
    monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false, retryDelayMs: 10 });
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await monitor.stop();
    await simulator.close();
  });

  async function pollAt(at: Date) {
    vi.useFakeTimers({ toFake: ['Date'], now: at });
    const report = (await monitor.poller.pollNow())!;
    vi.useRealTimers();
    return { report, instance: report.instances.find((candidate) => candidate.instance.id === ID.toLowerCase())!, samples: parseExposition(await monitor.fleetMetrics()) };
  }
  const value = (samples: ReturnType<typeof parseExposition>, name: string, labels: Record<string, string> = {}) => find(samples, name, { apim_service: SPEC.name, ...labels }).map((s) => s.value);
  const setWorld = (body: unknown) => putJson(`${simulator.url}/_simulator/world`, body, simulator.caCertPem);
  const setResource = (body: unknown) => putJson(`${simulator.url}/_simulator/resource`, body, simulator.caCertPem);

  it('is judged as usual while Succeeded', async () => {
    const { instance, samples } = await pollAt(new Date(t0.getTime() + MINUTE));
    expect(instance.targetUp).toBe(true);
    expect(instance.transition).toBeUndefined();
    expect(value(samples, 'apim_netwatch_instance_transitioning')).toEqual([0]);
    expect(value(samples, 'apim_instance_provisioning_state', { provisioning_state: 'Succeeded', target_provisioning_state: '' })).toEqual([1]);
  });

  it('Updating with NetworkStatus 409, 50 minutes on: transitioning, its status held, no stale, no target down, no page', async () => {
    expect(await setResource(serviceBody('Updating', 'Succeeded'))).toBe(200);
    const { report, instance, samples } = await pollAt(new Date(t0.getTime() + 50 * MINUTE));
    expect(instance.transition).toMatchObject({ provisioningState: 'Updating', targetProvisioningState: 'Succeeded', held: true, stuck: false });
    expect(instance.transition!.refused).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect(instance.targetUp).toBe(true);
    expect(instance.health).toBe('healthy');
    expect(value(samples, 'apim_netwatch_target_up')).toEqual([1]);
    expect(value(samples, 'apim_netwatch_instance_transitioning')).toEqual([1]);
    expect(value(samples, 'apim_instance_provisioning_state', { provisioning_state: 'Updating', target_provisioning_state: 'Succeeded' })).toEqual([1]);
    expect(value(samples, 'apim_network_endpoint_stale')).not.toContain(1);
    expect(value(samples, 'apim_network_dependency_up')).not.toContain(0);
    const json = JSON.parse(checkJson(report)) as { exit_code: number; problems: unknown[]; unchecked: unknown[]; instances: Array<Record<string, unknown>> };
    expect(json.exit_code).toBe(0);
    expect(json.problems).toEqual([]);
    expect(json.instances[0]).toMatchObject({ provisioning_state: 'Updating', target_provisioning_state: 'Succeeded', transition: { state: 'transitioning' } });
    expect(checkTable(report, false)).toMatch(/apim-upd\s+-\s+-\s+-\s+-\s+TRANSITIONING\s+provisioningState Updating \(to Succeeded\) since .*409 Conflict/);
    const page = instancePage(report, instance, { simulated: true, now: new Date(t0.getTime() + 50 * MINUTE) });
    expect(page).toContain('TRANSITIONING: UPDATING');
    expect(page).toContain('the last status is held, not judged stale');
  });

  it('still Updating past the 6 h grace: stuck, a failed target whose status has gone stale', async () => {
    const { report, instance, samples } = await pollAt(new Date(t0.getTime() + 50 * MINUTE + 7 * 60 * MINUTE));
    expect(instance.transition).toMatchObject({ held: false, stuck: true });
    expect(instance.targetUp).toBe(false);
    expect(instance.failure?.message).toMatch(/longer than the 6 h allowed: stuck/);
    expect(value(samples, 'apim_netwatch_target_up')).toEqual([0]);
    expect(value(samples, 'apim_netwatch_instance_transitioning')).toEqual([0]);
    expect(value(samples, 'apim_network_endpoint_stale')).toContain(1);
    expect(JSON.parse(checkJson(report)).exit_code).toBe(1);
  });

  it('back to Succeeded with a good status: judged as usual again', async () => {
    const later = new Date(t0.getTime() + 8 * 60 * MINUTE);
    expect(await setWorld(worldAt(later, 'Succeeded'))).toBe(200);
    const { instance, samples } = await pollAt(later);
    expect(instance.transition).toBeUndefined();
    expect(instance.targetUp).toBe(true);
    expect(instance.health).toBe('healthy');
    expect(value(samples, 'apim_netwatch_instance_transitioning')).toEqual([0]);
    expect(value(samples, 'apim_instance_provisioning_state', { provisioning_state: 'Succeeded', target_provisioning_state: '' })).toEqual([1]);
  });
});

describe('the simulator and the other provisioning states', () => {
  it('answers NetworkStatus (both paths) with ARM\'s 409 error while Activating, and serves the instance body as it is', async () => {
    const simulator = await startSimulator({ world: worldAt(new Date(), 'Created', 'Activating') });
    try {
      const config = validateConfig({ azure: { endpoint: simulator.url, subscriptions: [SUB_A] }, readNetworkConfig: false }, 'test', {});
      const monitor = new Monitor(config, { log: pino({ level: 'silent' }), caPem: simulator.caCertPem, processMetrics: false });
      const clients = (monitor as unknown as { clients: ArmClients }).clients.apiManagement(SUB_A);
      await expect(clients.networkStatus.listByService(SPEC.resourceGroup, SPEC.name)).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
      await expect(clients.networkStatus.listByLocation(SPEC.resourceGroup, SPEC.name, 'West Europe')).rejects.toMatchObject({ statusCode: 409 });
      expect(await clients.apiManagementService.get(SPEC.resourceGroup, SPEC.name)).toMatchObject({ provisioningState: 'Created', targetProvisioningState: 'Activating' });
      // Being created, with no earlier status: shown as transitioning, not "could not check".
      const report = (await monitor.poller.pollNow())!;
      const json = JSON.parse(checkJson(report)) as { exit_code: number; unchecked: unknown[] };
      expect(json.unchecked).toEqual([]);
      expect(json.exit_code).toBe(0);
      expect(report.instances[0]!.transition).toMatchObject({ provisioningState: 'Created', held: true });
      await monitor.stop();
    } finally {
      await simulator.close();
    }
  });

  it('a Failed instance is not transitional: its status is judged, and the failed state shown', () => {
    const now = new Date();
    const snapshot = { instance: { id: ID.toLowerCase(), subscriptionId: SUB_A, resourceGroup: 'rg-upd', name: 'apim-upd', sku: 'Premium', platformVersion: 'stv2', vnetType: 'External' as const, regions: [{ location: 'westeurope', displayLocation: 'West Europe', primary: true }], tags: {}, provisioningState: 'Failed' }, networkStatus: [], networkStatusFetchedAt: now };
    const report = analyseInstance(snapshot, now, { staleAfterSeconds: 2100, paging: DEFAULT_PAGING_POLICY });
    expect(report.transition).toMatchObject({ provisioningState: 'Failed', failed: true, held: false });
    expect(report.targetUp).toBe(true);
  });
});
