import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../src/simulator/server.js';
import { DEMO_INSTANCES } from '../src/simulator/demo/identities.js';
import { runCli } from './helpers/processes.js';
import { apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/** `apim-netwatch probe` end to end: the CLI process, its SDK client, the simulator's connectivity-check LRO. */

const service = apimResource({ subscriptionId: SUB_A, resourceGroup: 'rg-probe', name: 'probe-apim', location: 'West Europe' });
const apim = service.id as string;
const SQL = 'contoso-sql.database.windows.net';
const disconnected = {
  hops: [
    { type: 'Source', id: 'a', address: '10.0.0.4', resourceId: apim, nextHopIds: ['b'], issues: [] },
    { type: 'VirtualAppliance', id: 'b', address: '10.0.1.4', nextHopIds: [], issues: [{ origin: 'Outbound', severity: 'Error', type: 'UserDefinedRoute', context: [] }] },
  ],
  connectionStatus: 'Disconnected',
  probesSent: 3,
  probesFailed: 3,
};

describe('probe (CLI) against the simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-probe-'));
  let sim: RunningSimulator;
  let config: string;

  beforeAll(async () => {
    sim = await startSimulator({
      world: world({
        resources: [service as never],
        networkStatus: { [apim]: networkStatusBody(['West Europe'], new Date()) },
        connectivityChecks: [{ service: apim, address: SQL, port: 1433, response: disconnected }],
        connectivityCheckSeconds: 0,
      }),
    });
    const cert = join(dir, 'sim.pem');
    writeFileSync(cert, sim.caCertPem);
    config = join(dir, 'config.yaml');
    writeFileSync(config, stringify({ azure: { endpoint: sim.url, caCertFile: cert, subscriptions: [SUB_A], maxRetries: 0 } }));
  });

  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 when the gateway cannot connect, naming the issue type and hop (region: the primary one)', async () => {
    const result = await runCli(['probe', '--config', config, '--instance', apim, '--address', SQL, '--port', '1433']);
    expect(result.stderr).not.toContain('NETWATCH_');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('West Europe');
    expect(result.stdout).toContain('disconnected by UserDefinedRoute (Outbound, at VirtualAppliance 10.0.1.4)');
  });

  it('exits 0 when connected, in JSON too', async () => {
    const result = await runCli(['probe', '--config', config, '--instance', apim, '--region', 'westeurope', '--address', 'api.example.com', '--port', '443', '--protocol', 'HTTPS', '-o', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ state: 'connected', protocol: 'HTTPS', region: 'westeurope', port: 443 });
  });

  it('exits 2 on 403, naming the permission to grant', async () => {
    sim.setFaults([{ path: '/connectivityCheck', status: 403 }]);
    try {
      const result = await runCli(['probe', '--config', config, '--instance', apim, '--region', 'westeurope', '--address', SQL, '--port', '1433']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Microsoft.ApiManagement/service/connectivityCheck/action');
      expect(result.stderr).toContain('[NETWATCH_PROBE_FAILED]');
    } finally {
      sim.setFaults([]);
    }
  });

  it('--demo probes the demo fleet', async () => {
    const result = await runCli(['probe', '--demo', '--instance', DEMO_INSTANCES.healthyMultiRegion, '--address', 'api.example.com', '--port', '443']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/result\s+connected/);
  });
});
