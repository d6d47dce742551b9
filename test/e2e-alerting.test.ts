import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_RULES_OPTIONS, renderRules } from '../src/alerts/rules.js';
import { freePort, waitFor } from './helpers/ports.js';
import { instantQuery, startAlertmanager, startPrometheus, type Daemon } from './helpers/prometheus.js';
import { putJson } from './helpers/https.js';
import { ROOT, startCli, stopInOrder, type LongRunning } from './helpers/processes.js';
import { WebhookReceiver } from './helpers/webhook.js';
import { apimId, apimResource, networkStatusBody, SUB_A, world } from './helpers/worlds.js';

/**
 * simulator -> apim-netwatch -> Prometheus (the shipped rules) -> Alertmanager -> a webhook here, all real
 * processes on 127.0.0.1. Intervals are shortened for the test; the shipped `for:` durations are too.
 */
const PROD = { subscriptionId: SUB_A, resourceGroup: 'rg-prod', name: 'orders-prod', location: 'West Europe', additionalLocations: ['North Europe'] };
const PROD_ID = apimId(PROD.subscriptionId, PROD.resourceGroup, PROD.name);

/** The fleet with the entries of `failing` resource types failing in `region` (the real NetworkStatus example's entries). */
function fleet(region?: string, ...failing: string[]) {
  return world({
    resources: [apimResource(PROD) as never],
    networkStatus: {
      [PROD_ID]: networkStatusBody(['West Europe', 'North Europe'], new Date(), (entry, at) =>
        at === region && failing.includes(entry.resourceType)
          ? { status: 'failure', error: `Failed to connect to ${entry.name}: connection timed out` }
          : undefined,
      ),
    },
  });
}

describe('end to end: a SQL failure pages on-call through a real Prometheus and Alertmanager, and resolves', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-e2e-'));
  const webhook = new WebhookReceiver();
  let simulator: LongRunning;
  let service: LongRunning;
  let prometheus: Daemon;
  let alertmanager: Daemon;
  let serviceUrl = '';

  /** The instance page an alert links (statusPageUrl), where the failing endpoints are named. */
  const linkedPage = async (alert: { annotations: Record<string, string> }) => {
    expect(alert.annotations.instance_page_url).toBe(`${serviceUrl}/instances/${SUB_A}/rg-prod/orders-prod`);
    return (await fetch(alert.annotations.instance_page_url!)).text();
  };

  const setWorld = async (body: unknown) => {
    expect(await putJson(`${simulator.match[1]}/_simulator/world`, body, readFileSync(join(dir, 'sim.pem'), 'utf8'))).toBe(200);
  };

  beforeAll(async () => {
    await webhook.start();
    writeFileSync(join(dir, 'world.json'), JSON.stringify(fleet()));
    simulator = await startCli(['simulate', '--world', join(dir, 'world.json'), '--port', '0', '--cert-out', join(dir, 'sim.pem')], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    const port = await freePort();
    serviceUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'config.yaml'),
      stringify({
        azure: { endpoint: simulator.match[1], caCertFile: join(dir, 'sim.pem'), subscriptions: [SUB_A] },
        schedule: '*/2 * * * * *',
        readNetworkConfig: false,
        server: { port, host: '127.0.0.1' },
        log: { level: 'info' },
      }),
    );
    service = await startCli(['serve', '--config', join(dir, 'config.yaml')], /serving metrics/);
    await waitFor('apim-netwatch ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
    // The shipped rules with the instance page linked (statusPageUrl): it names the failing endpoints.
    const shipped = renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: serviceUrl });
    expect(shipped.replace(/\n.*instance_page_url: .*/g, '')).toBe(readFileSync(join(ROOT, 'deploy/prometheus/apim-netwatch.rules.yml'), 'utf8'));
    writeFileSync(join(dir, 'rules.yml'), shipped.replace(/^(\s+for:\s*)\S+$/gm, '$11s'));
    alertmanager = await startAlertmanager(webhook.url);
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${port}`], ruleFiles: [join(dir, 'rules.yml')], alertmanagerUrl: alertmanager.url });
  }, 120_000);

  afterAll(() => stopInOrder(prometheus, alertmanager, service, simulator, webhook));

  it('healthy: Prometheus scrapes the fleet and nothing critical fires', async () => {
    const up = await waitFor('the first scrape', async () => {
      const result = await instantQuery(prometheus.url, 'apim_network_dependency_up{apim_service="orders-prod",dependency="sql"}');
      return result.length === 2 ? result : undefined;
    });
    expect(up.map((sample) => sample.value[1])).toEqual(['1', '1']);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(webhook.alerts.filter((alert) => alert.labels.severity === 'critical')).toEqual([]);
  });

  it('SQL failing in one region pages with severity critical and the instance, region and dependency labels', async () => {
    await setWorld(fleet('North Europe', 'SQLDatabase'));
    const page = await waitFor(
      'the SQL page at the webhook',
      async () => webhook.find('firing', { severity: 'critical', dependency: 'sql', apim_service: 'orders-prod', location: 'northeurope' }),
      90_000,
    );
    expect(page.labels).toMatchObject({ subscription_id: SUB_A, resource_group: 'rg-prod' });
    expect(page.annotations.summary).toMatch(/sql/i);
    expect(page.annotations.description).toMatch(/orders-prod/);
    expect(page.annotations.runbook_url).toMatch(/runbooks\.md#/);
    expect(webhook.find('firing', { severity: 'critical', location: 'westeurope' })).toBeUndefined();
  }, 120_000);

  it('healing SQL resolves the page', async () => {
    await setWorld(fleet());
    const resolved = await waitFor(
      'the resolved notification',
      async () => webhook.find('resolved', { severity: 'critical', dependency: 'sql', apim_service: 'orders-prod', location: 'northeurope' }),
      90_000,
    );
    expect(resolved.status).toBe('resolved');
  }, 120_000);

  it('SMB blocked (the optional Git share FileStorage fails, every required storage endpoint up): a warning, no page', async () => {
    await setWorld(fleet('West Europe', 'FileStorage'));
    const warning = await waitFor(
      'the optional-endpoint warning at the webhook',
      async () => webhook.find('firing', { alertname: 'ApimNetworkOptionalEndpointDown', dependency: 'storage', location: 'westeurope' }),
      90_000,
    );
    expect(warning.labels.severity).toBe('warning');
    expect(await linkedPage(warning)).toMatch(/\.file\.core\.windows\.net/);
    const storage = await instantQuery(prometheus.url, 'apim_network_dependency_up{apim_service="orders-prod",location="westeurope",dependency="storage"}');
    expect(Object.fromEntries(storage.map((sample) => [sample.metric.required, sample.value[1]]))).toEqual({ true: '1', false: '0' });
    // Rules evaluate every second with for: 1s: a few more rounds and still no page.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(webhook.find('firing', { severity: 'critical', dependency: 'storage' })).toBeUndefined();
  }, 120_000);

  it('a required storage endpoint (BlobStorage) failing pages critical', async () => {
    await setWorld(fleet('West Europe', 'FileStorage', 'BlobStorage'));
    const page = await waitFor(
      'the storage page at the webhook',
      async () => webhook.find('firing', { severity: 'critical', dependency: 'storage', apim_service: 'orders-prod', location: 'westeurope' }),
      90_000,
    );
    expect(await linkedPage(page)).toMatch(/\.blob\.core\.windows\.net/);
  }, 120_000);
});
