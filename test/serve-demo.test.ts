import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../src/cli/serve.js';
import { find, parseExposition, type ParsedSample } from './helpers/metrics.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';
import { waitFor } from './helpers/ports.js';

const INSTANCE_LABELS = ['subscription_id', 'resource_group', 'apim_service', 'location'];

function waitForReady(base: string): Promise<boolean> {
  return waitFor('the service to be ready', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 20_000, 100);
}

describe('serve --demo: the embedded demo fleet through the real SDK clients', () => {
  let service: RunningService;
  let base: string;
  let exposition: string;
  let samples: ParsedSample[];

  beforeAll(async () => {
    process.env.APIM_NETWATCH_LOG_LEVEL = 'silent';
    service = await startService({ demo: true, port: 0 });
    base = `http://127.0.0.1:${service.port}`;
    await waitForReady(base);
    exposition = await (await fetch(`${base}/metrics`)).text();
    samples = parseExposition(exposition);
  });

  afterAll(async () => {
    delete process.env.APIM_NETWATCH_LOG_LEVEL;
    await service?.stop();
  });

  it('passes promtool check metrics with no findings', () => {
    const { status, output } = promtoolCheckMetrics(exposition);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('SQL is down in contoso-internal (endpoint and dependency), required, and every instance series has the instance labels', () => {
    const sql = find(samples, 'apim_network_endpoint_up', { apim_service: 'contoso-internal', dependency: 'sql' });
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatchObject({ value: 0, labels: { required: 'true', resource_type: 'SQLDatabase', location: 'westeurope' } });
    expect(find(samples, 'apim_network_dependency_up', { apim_service: 'contoso-internal', dependency: 'sql' })[0]?.value).toBe(0);
    expect(find(samples, 'apim_network_dependency_up', { apim_service: 'contoso-prod', dependency: 'sql' }).map((s) => s.value)).toEqual([1, 1]);
    for (const sample of samples.filter((s) => s.name.startsWith('apim_network_') || s.name === 'apim_instance_info')) {
      expect(Object.keys(sample.labels)).toEqual(expect.arrayContaining(INSTANCE_LABELS));
      // docs/design.md names `service` explicitly as the label of apim_network_service_endpoint_enabled.
      const reserved = sample.name === 'apim_network_service_endpoint_enabled' ? ['instance', 'job', 'namespace', 'pod'] : ['service', 'instance', 'job', 'namespace', 'pod'];
      for (const label of reserved) expect(sample.labels).not.toHaveProperty(label);
    }
  });

  it('a stale Key Vault entry is stale and therefore down, though its status says success', () => {
    const keyVault = { apim_service: 'fabrikam-api', dependency: 'keyvault' };
    expect(find(samples, 'apim_network_endpoint_stale', keyVault)[0]?.value).toBe(1);
    expect(find(samples, 'apim_network_endpoint_up', keyVault)[0]?.value).toBe(0);
    const lastUpdated = find(samples, 'apim_network_endpoint_last_updated_timestamp_seconds', keyVault)[0]!.value;
    expect(Date.now() / 1000 - lastUpdated).toBeGreaterThan(35 * 60);
    expect(find(samples, 'apim_network_endpoint_stale', { apim_service: 'fabrikam-api', dependency: 'sql' })[0]?.value).toBe(0);
  });

  it('Graph is optional per the API but down, in fabrikam-partners', () => {
    const graph = find(samples, 'apim_network_endpoint_up', { apim_service: 'fabrikam-partners', dependency: 'graph' });
    expect(graph.length).toBeGreaterThanOrEqual(2);
    expect(graph.every((s) => s.value === 0 && s.labels.required === 'false')).toBe(true);
  });

  it('instance_info covers every instance and region, the VNet-less one included, but only VNet instances are polled', () => {
    const info = find(samples, 'apim_instance_info', {});
    expect(info.find((s) => s.labels.apim_service === 'legacy-portal')?.labels).toMatchObject({ vnet_type: 'None', primary: 'true' });
    expect(find(samples, 'apim_instance_info', { apim_service: 'contoso-prod' }).map((s) => `${s.labels.location}:${s.labels.primary}`).sort()).toEqual([
      'northeurope:false',
      'westeurope:true',
    ]);
    expect(new Set(info.map((s) => s.labels.subscription_id)).size).toBe(2);
    expect(find(samples, 'apim_network_endpoint_up', { apim_service: 'legacy-portal' })).toHaveLength(0);
    expect(find(samples, 'apim_netwatch_target_up', {}).every((s) => s.value === 1)).toBe(true);
  });

  it('self-metrics count ARM requests per operation and record the poll', () => {
    expect(find(samples, 'apim_netwatch_arm_requests_total', { operation: 'NetworkStatus_ListByService', code: '200' })[0]?.value).toBe(7);
    // Discovery and network configuration through Resource Graph (azure.resourceGraph, on by default).
    expect(find(samples, 'apim_netwatch_arm_requests_total', { operation: 'Resources_Query', code: '200' })[0]?.value).toBeGreaterThanOrEqual(2);
    expect(find(samples, 'apim_netwatch_poll_last_success_timestamp_seconds', {})[0]?.value).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(find(samples, 'apim_netwatch_arm_ratelimit_remaining', { scope: 'subscription-reads' }).length).toBe(2);
    expect(find(samples, 'apim_netwatch_build_info', {})[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('/api/v1/status carries the API error text and says the data is simulated', async () => {
    const status = (await (await fetch(`${base}/api/v1/status`)).json()) as {
      simulated: boolean;
      summary: { instances: number; down: number };
      instances: Array<{ instance: { name: string }; regions: Array<{ endpoints: Array<{ dependency: string; error: string }> }> }>;
    };
    expect(status.simulated).toBe(true);
    expect(status.summary).toMatchObject({ instances: 8, down: 5 });
    const internal = status.instances.find((i) => i.instance.name === 'contoso-internal')!;
    const sql = internal.regions[0]!.endpoints.find((e) => e.dependency === 'sql')!;
    expect(sql.error).toMatch(/1433/);
  });

  it('/healthz answers and unknown paths are a JSON 404', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
