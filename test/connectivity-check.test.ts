import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArmClients } from '../src/azure/clients.js';
import { SimulatorCredential } from '../src/azure/credentials.js';
import { CONNECTIVITY_CHECK_PERMISSION, runConnectivityCheck } from '../src/azure/connectivity-check.js';
import { probeVerdict, verdictText } from '../src/analysis/probe.js';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { exampleBody } from './helpers/examples.js';
import { apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/** APIM's connectivity check through the real SDK client against the simulator's LRO (202 + location, then 200). */

const service = apimResource({ subscriptionId: SUB_A, resourceGroup: 'rg-probe', name: 'probe-apim', location: 'West Europe' });
const apim = service.id as string;
const now = new Date();
const status = networkStatusBody(['West Europe'], now, (entry) =>
  entry.resourceType === 'SQLDatabase' ? { status: 'failure', error: 'Failed to connect to sql:1433 "timeout"' } : undefined,
);
const sqlHost = (status[0] as { networkStatus: { connectivityStatus: Array<{ name: string; resourceType: string }> } }).networkStatus.connectivityStatus.find((e) => e.resourceType === 'SQLDatabase')!.name;
const connectedExample = exampleBody<Record<string, unknown>>('2024-05-01__ApiManagementPerformConnectivityCheck.json');
const blocked = {
  ...connectedExample,
  connectionStatus: 'Disconnected',
  hops: [{ type: 'Source', id: 'a', address: '10.0.0.4', resourceId: apim, nextHopIds: [], issues: [{ origin: 'Outbound', severity: 'Error', type: 'NetworkSecurityRule', context: [{ rule: 'DenySqlEgress' }] }] }],
};

describe('connectivity check (LRO) against the simulator', () => {
  let sim: RunningSimulator;
  let clients: ArmClients;

  beforeAll(async () => {
    sim = await startSimulator({
      world: world({
        resources: [service as never],
        networkStatus: { [apim]: status },
        connectivityChecks: [
          { service: apim.toUpperCase(), region: 'westeurope', address: 'blocked.database.windows.net', port: 1433, response: blocked },
          { service: apim, address: '8.8.8.8', port: 53, response: connectedExample },
        ],
        connectivityCheckSeconds: 1,
      }),
    });
    clients = new ArmClients({ endpoint: sim.url, credential: new SimulatorCredential(), caPem: sim.caCertPem, maxRetries: 0 });
  });

  afterAll(async () => {
    clients?.close();
    await sim?.close();
  });

  it('completes: 202 + location, polled until the result (not before connectivityCheckSeconds)', async () => {
    const before = sim.requestCount();
    const outcome = await runConnectivityCheck(clients, { apimId: apim, region: 'West Europe', address: '8.8.8.8', port: 53 }, { pollIntervalMs: 200 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.response.connectionStatus).toBe('Connected');
    expect(outcome.response.avgLatencyInMs).toBe(1);
    expect(outcome.seconds).toBeGreaterThanOrEqual(0.9);
    expect(sim.requestCount() - before).toBeGreaterThanOrEqual(2); // the POST and at least one GET of the location
    expect(probeVerdict(outcome.response)).toMatchObject({ state: 'connected', latencyMs: 1 });
  });

  it("answers the world's connectivityChecks entry (case-insensitive), naming the issue", async () => {
    const outcome = await runConnectivityCheck(clients, { apimId: apim, region: 'West Europe', address: 'BLOCKED.database.windows.net', port: 1433 }, { pollIntervalMs: 200 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const verdict = probeVerdict(outcome.response);
    expect(verdict).toMatchObject({ state: 'disconnected', issue: { type: 'NetworkSecurityRule', origin: 'Outbound' } });
    expect(verdictText(verdict)).toContain('disconnected by NetworkSecurityRule');
  });

  it("an unmatched check falls back to the region's NetworkStatus entry for the host", async () => {
    const failing = await runConnectivityCheck(clients, { apimId: apim, region: 'westeurope', address: sqlHost, port: 1433 }, { pollIntervalMs: 200 });
    expect(failing.ok && probeVerdict(failing.response)).toMatchObject({ state: 'disconnected', issue: { type: 'Platform' } });
    expect(failing.ok && JSON.stringify(failing.response.hops)).toContain('timeout');
    const unknownHost = await runConnectivityCheck(clients, { apimId: apim, region: 'westeurope', address: 'elsewhere.example.com', port: 443, protocol: 'HTTPS' }, { pollIntervalMs: 200 });
    expect(unknownHost.ok && probeVerdict(unknownHost.response).state).toBe('connected');
  });

  it('403 on the action is a typed failure naming the permission; a deadline is a timeout', async () => {
    sim.setFaults([{ path: '/connectivityCheck', status: 403, count: 1 }]);
    const denied = await runConnectivityCheck(clients, { apimId: apim, region: 'westeurope', address: '8.8.8.8', port: 53 });
    expect(denied).toMatchObject({ ok: false, failure: { kind: 'permission', status: 403 } });
    expect(!denied.ok && denied.failure.message).toContain(CONNECTIVITY_CHECK_PERMISSION);
    const late = await runConnectivityCheck(clients, { apimId: apim, region: 'westeurope', address: '8.8.8.8', port: 53 }, { deadlineMs: 300 });
    expect(late).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('lists outboundNetworkDependenciesEndpoints from the world (empty without an entry)', async () => {
    const list = exampleBody<{ value: unknown[] }>('2024-05-01__ApiManagementServiceGetOutboundNetworkDependenciesEndpoints.json');
    sim.setWorld({ ...sim.world, faults: [], outboundNetworkDependencies: { [apim.toLowerCase()]: list } });
    const client = clients.apiManagement(SUB_A);
    const got = await client.outboundNetworkDependenciesEndpoints.listByService('rg-probe', 'probe-apim');
    expect(got.value?.map((c) => c.category)).toContain('Azure SQL');
    sim.setWorld({ ...sim.world, outboundNetworkDependencies: {} });
    expect((await client.outboundNetworkDependenciesEndpoints.listByService('rg-probe', 'probe-apim')).value).toEqual([]);
  });
});
