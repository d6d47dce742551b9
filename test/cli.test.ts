import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { find, parseExposition } from './helpers/metrics.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';
import { runCli, startCli, type LongRunning } from './helpers/processes.js';
import { exampleBody, withSubscription } from './helpers/examples.js';
import { apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

describe('check', () => {
  it('exits 1 on the demo fleet and names SQL down in contoso-internal', async () => {
    const result = await runCli(['check', '--demo']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/contoso-internal\s+westeurope\s+sql\s+yes\s+yes\s+DOWN/);
    expect(result.stdout).toMatch(/PAGING: .*sql down in contoso-internal \(westeurope\)/);
    expect(result.stdout).toMatch(/contoso-internal \(westeurope\) sql: NSG rule DenyDatabaseEgress denies outbound Sql on Tcp 1433/);
    // Who last wrote the NSG that denies it, from Resource Graph's resourcechanges (the demo world's record of it).
    expect(result.stdout).toMatch(/outbound Sql Tcp\/1433: denied by DenyDatabaseEgress\n {4}last write to nsg-apim-internal-weu: update by secops@contoso\.com \(User\) via Azure Portal at (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC\n/); // the date shows when the write was on another day (a run just after midnight UTC)
    // not a TTY: no colour codes
    expect(result.stdout).not.toContain('\x1b[');
    expect(result.stderr).toMatch(/SIMULATED/);
  });

  it('--output json is parseable, versioned, and carries the exit code and the problems', async () => {
    const result = await runCli(['check', '--demo', '--output', 'json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout) as {
      schema: string;
      exit_code: number;
      problems: Array<{ apim_service: string; dependency: string; state: string; pages: boolean; endpoints: Array<{ error: string }> }>;
      instances: unknown[];
      blocked: Array<Record<string, string>>;
    };
    expect(json.schema).toBe('apim-netwatch/check/v1');
    expect(json.exit_code).toBe(1);
    expect(json.instances).toHaveLength(8);
    const sql = json.problems.find((p) => p.apim_service === 'contoso-internal' && p.dependency === 'sql');
    expect(sql).toMatchObject({ state: 'down', pages: true });
    expect(sql?.endpoints[0]?.error).toMatch(/1433/);
    expect(json.problems.find((p) => p.apim_service === 'fabrikam-api')).toMatchObject({ dependency: 'keyvault', state: 'stale' });
    expect(json.blocked).toContainEqual(
      expect.objectContaining({ apim_service: 'contoso-internal', kind: 'flow', what: 'outbound Sql Tcp/1433', verdict: 'denied', decided_by: 'DenyDatabaseEgress' }),
    );
    const denied = json.blocked.find((b) => b.apim_service === 'contoso-internal') as unknown as { resource_id: string; last_write: Record<string, string> };
    expect(denied.resource_id).toMatch(/\/networkSecurityGroups\/nsg-apim-internal-weu$/);
    expect(denied.last_write).toMatchObject({ changedBy: 'secops@contoso.com', changedByType: 'User', clientType: 'Azure Portal', operation: 'microsoft.network/networksecuritygroups/write', changeType: 'Update' });
  });

  it('exits 2 with a message naming the key when the config is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwatch-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'azure:\n  subscriptions: [not-a-uuid]\n');
    const result = await runCli(['check', '--config', join(dir, 'bad.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('azure.subscriptions.0');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a user error, not a stack trace
  });
});

describe('simulate + serve --config: a world built from the Azure REST examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-world-'));
  const now = new Date();
  // The NetworkStatus example belongs to apimService1, an External-VNet instance created by the 201 example.
  // The 201 answer is the create's first word (Created, on its way to Activating): once the create ends, a GET shows
  // Succeeded, and only then does NetworkStatus answer (during the transition it answers 409).
  const created = withSubscription(exampleBody<{ id: string; properties: Record<string, unknown> }>('2024-05-01__ApiManagementCreateServiceInVnetWithPublicIP.json', '201'), SUB_A);
  const service = { ...created, properties: { ...created.properties, provisioningState: 'Succeeded', targetProvisioningState: '' } };
  const fresh = apimResource({ subscriptionId: SUB_A, resourceGroup: 'rg-fresh', name: 'fresh-apim', location: 'West Europe', vnetType: 'Internal' });
  const failing = networkStatusBody(['West Europe'], now, (entry) =>
    entry.resourceType === 'SQLDatabase' ? { status: 'failure', error: 'Failed to connect to <sql>:1433 "timeout"\\n' } : undefined,
  );
  let simulator: LongRunning;
  let serve: LongRunning;
  let metrics: ReturnType<typeof parseExposition>;
  let exposition: string;

  beforeAll(async () => {
    const worldFile = join(dir, 'world.json');
    writeFileSync(
      worldFile,
      JSON.stringify(
        world({
          resources: [service as never, fresh as never],
          networkStatus: {
            [service.id]: exampleBody('2024-05-01__ApiManagementServiceGetNetworkStatus.json'),
            [(fresh.id as string).toUpperCase()]: failing,
          },
        }),
      ),
    );
    const cert = join(dir, 'sim.pem');
    simulator = await startCli(['simulate', '--world', worldFile, '--port', '0', '--cert-out', cert, '--page-size', '1'], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        azure: { endpoint: simulator.match[1], caCertFile: cert, subscriptions: [SUB_A] },
        schedule: '*/15 * * * *',
        staleAfterSeconds: 2100,
        server: { port: 0, host: '127.0.0.1' },
      }),
    );
    serve = await startCli(['serve', '--config', config], /poll complete/);
    const port = /"port":(\d+)/.exec(serve.output())![1];
    exposition = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    metrics = parseExposition(exposition);
  }, 60_000);

  afterAll(async () => {
    // Both stop whatever the assertion says: a failing one must not leave the simulator running.
    const code = await serve?.stop();
    await simulator?.stop();
    expect(code).toBe(0); // SIGTERM is a clean shutdown
  });

  it('every BlobStorage, TableStorage and SQLDatabase entry of the example is exported as required', () => {
    const example = find(metrics, 'apim_network_endpoint_up', { apim_service: 'apimService1' });
    expect(example).toHaveLength(17);
    const required = example.filter((s) => ['BlobStorage', 'TableStorage', 'SQLDatabase'].includes(s.labels.resource_type!));
    expect(required).toHaveLength(3);
    expect(required.every((s) => s.labels.required === 'true')).toBe(true);
    expect(find(metrics, 'apim_network_endpoint_up', { apim_service: 'apimService1', resource_type: 'AzureActiveDirectory' })[0]?.labels).toMatchObject({
      dependency: 'graph',
      required: 'false',
      endpoint: 'https://login.windows.net',
      location: 'centraluseuap',
      resource_group: 'rg1',
      subscription_id: SUB_A,
    });
  });

  it('the example data is from 2023: stale, hence down, with its original timestamps', () => {
    const example = find(metrics, 'apim_network_endpoint_stale', { apim_service: 'apimService1' });
    expect(example.every((s) => s.value === 1)).toBe(true);
    expect(find(metrics, 'apim_network_endpoint_last_updated_timestamp_seconds', { apim_service: 'apimService1', resource_type: 'SQLDatabase' })[0]?.value).toBe(
      Date.parse('2023-06-08T16:40:50.2954792Z') / 1000,
    );
  });

  it('a fresh instance (networkStatus key in another case) shows only SQL down, with hostile error text kept out of labels', () => {
    const up = find(metrics, 'apim_network_endpoint_up', { apim_service: 'fresh-apim' });
    expect(up).toHaveLength(17);
    expect(up.filter((s) => s.value === 0).map((s) => s.labels.dependency)).toEqual(['sql']);
    expect(find(metrics, 'apim_network_dependency_up', { apim_service: 'fresh-apim', dependency: 'sql' })[0]?.value).toBe(0);
    // The API's error text (`Failed to connect to <sql>:1433 "timeout"`) is never a label (HELP texts may say "timeout").
    expect(exposition).not.toContain('Failed to connect');
    expect(exposition).not.toContain('<sql>');
    expect(promtoolCheckMetrics(exposition)).toEqual({ status: 0, output: '' });
  });
});
