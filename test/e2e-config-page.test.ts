import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_RULES_OPTIONS, renderRules } from '../src/alerts/rules.js';
import type { FleetReport } from '../src/analysis/report.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { securityRule } from '../src/simulator/demo/nsg-rules.js';
import type { ArmResource } from '../src/simulator/world.js';
import { putJson } from './helpers/https.js';
import { freePort, waitFor } from './helpers/ports.js';
import { instantQuery, startAlertmanager, startPrometheus, type Daemon } from './helpers/prometheus.js';
import { ROOT, startCli, stopInOrder, type LongRunning } from './helpers/processes.js';
import { WebhookReceiver } from './helpers/webhook.js';

/**
 * Minutes, not quarter-hours, end to end and at default settings: simulator -> apim-netwatch (the
 * configuration watch every 60 s) -> Prometheus scraping every 30 s with the shipped rules as they are (plus
 * `statusPageUrl`, the link to the instance page) ->
 * Alertmanager (group_wait 30 s, its default) -> a webhook here. A deny on outbound Sql 1433 written to the
 * demo fleet's contoso-prod NSG must page within 3 minutes of the write, naming the rule, the instance,
 * region, dependency and who made the change; the fix resolves the page.
 *
 * NetworkStatus is read once, at start: the default quarter-hour schedule would poll whenever a test run
 * crosses :00, :15, :30 or :45, and the page must be shown to come from the watch, not from a poll.
 */
const PAGE_WITHIN_MS = 180_000;
/** A daily cron (node-cron reads local time) about 12 hours from now: it cannot fire while this file runs. */
const dailyCronHalfADayAway = (now: Date) => `${(now.getMinutes() + 30) % 60} ${(now.getHours() + 12) % 24} * * *`;
const AUTHOR = { 'x-simulator-changed-by': 'netops@contoso.example', 'x-simulator-changed-by-type': 'User', 'x-simulator-client-type': 'Azure Portal' };

describe('end to end: a breaking NSG change pages within 3 minutes, with who made it, and the fix resolves it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-e2e-watch-'));
  const webhook = new WebhookReceiver();
  const world = buildDemoWorld(new Date());
  let simulator: LongRunning;
  let service: LongRunning;
  let prometheus: Daemon;
  let alertmanager: Daemon;
  let serviceUrl = '';
  let nsg: ArmResource;
  let location = '';

  const write = (body: ArmResource, by: Record<string, string>) => putJson(`${simulator.match[1]}/_simulator/resource`, body, readFileSync(join(dir, 'sim.pem'), 'utf8'), by);

  beforeAll(async () => {
    await webhook.start();
    writeFileSync(join(dir, 'world.json'), JSON.stringify(world));
    simulator = await startCli(['simulate', '--world', join(dir, 'world.json'), '--port', '0', '--cert-out', join(dir, 'sim.pem')], /listening on (https:\/\/127\.0\.0\.1:\d+)/);
    const port = await freePort();
    serviceUrl = `http://127.0.0.1:${port}`;
    // Default watch (every 60 s): nothing shortened. The schedule is moved out of the test's way, not shortened.
    writeFileSync(
      join(dir, 'config.yaml'),
      stringify({ azure: { endpoint: simulator.match[1], caCertFile: join(dir, 'sim.pem'), subscriptions: [...DEMO_SUBSCRIPTIONS] }, server: { port, host: '127.0.0.1' }, schedule: dailyCronHalfADayAway(new Date()), log: { level: 'info' } }),
    );
    service = await startCli(['serve', '--config', join(dir, 'config.yaml')], /serving metrics/);
    const report = await waitFor('the first poll', async () => {
      const response = await fetch(`${serviceUrl}/api/v1/status`);
      return response.ok ? ((await response.json()) as FleetReport) : undefined;
    }, 60_000);
    const prod = report.instances.find((instance) => instance.instance.name === 'contoso-prod')!.regions[0]!;
    location = prod.location;
    nsg = world.resources.find((resource) => resource.id.toLowerCase() === prod.config!.nsgId!.toLowerCase())!;
    alertmanager = await startAlertmanager(webhook.url, { groupWait: '30s', groupInterval: '10s' });
    // The shipped rules, with the instance page linked (statusPageUrl): who made the change is on that page.
    writeFileSync(join(dir, 'rules.yml'), renderRules({ ...DEFAULT_RULES_OPTIONS, statusPageUrl: serviceUrl }));
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${port}`], ruleFiles: [join(dir, 'rules.yml')], alertmanagerUrl: alertmanager.url, intervalSeconds: 30 });
  }, 120_000);

  afterAll(() => stopInOrder(prometheus, alertmanager, service, simulator, webhook));

  const sqlPage = (status: 'firing' | 'resolved') => webhook.find(status, { alertname: 'ApimNetworkRequiredFlowDenied', apim_service: 'contoso-prod', location, dependency: 'sql' });

  it('healthy: Prometheus has the allowed SQL flow, and nothing pages for it', async () => {
    const sql = await waitFor('the first scrape', async () => {
      const result = await instantQuery(prometheus.url, `apim_network_flow_allowed{apim_service="contoso-prod",location="${location}",peer="Sql",direction="outbound"}`);
      return result.length > 0 ? result : undefined;
    }, 60_000, 1000);
    expect(sql.map((sample) => sample.value[1])).toEqual(['1']);
    expect(sqlPage('firing')).toBeUndefined();
  }, 90_000);

  it('a deny on outbound Sql 1433 pages critical within 3 minutes of the write, naming the rule and who made it', async () => {
    const denied = structuredClone(nsg) as ArmResource & { properties: { securityRules: unknown[] } };
    denied.properties.securityRules.push(
      securityRule(nsg.id, { name: 'DenySql-CHG0815', priority: 100, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'] }),
    );
    const wrote = Date.now();
    expect(await write(denied, AUTHOR)).toBe(200);
    const page = await waitFor('the page at the webhook', async () => sqlPage('firing'), PAGE_WITHIN_MS + 30_000, 1000);
    const seconds = (Date.now() - wrote) / 1000;
    console.log(`ApimNetworkRequiredFlowDenied reached the webhook ${seconds.toFixed(1)} s after the write`);
    expect(seconds).toBeLessThan(PAGE_WITHIN_MS / 1000);
    expect(page.labels).toMatchObject({ severity: 'critical', direction: 'outbound', peer: 'Sql', port: '1433', protocol: 'Tcp', decided_by: 'DenySql-CHG0815', resource_group: expect.any(String), subscription_id: expect.any(String) });
    expect(page.annotations.description).toContain('Deciding rule: DenySql-CHG0815.');
    // Who made it: on the instance page the alert links (no `query` template, so every ruler renders the same text).
    expect(page.annotations.instance_page_url).toBe(`${serviceUrl}/instances/${page.labels.subscription_id}/${page.labels.resource_group}/contoso-prod`);
    const instancePage = await (await fetch(page.annotations.instance_page_url!)).text();
    expect(instancePage).toContain('DenySql-CHG0815');
    expect(instancePage).toMatch(/by netops@contoso\.example \(User\) via Azure Portal/);
    expect(page.annotations.runbook_url).toMatch(/runbooks\.md#apimnetworkrequiredflowdenied$/);
    // NetworkStatus was not read again: the page came from the configuration, before the platform noticed.
    const polls = await instantQuery(prometheus.url, 'apim_netwatch_polls_total');
    expect(polls.reduce((sum, sample) => sum + Number(sample.value[1]), 0)).toBe(1);
  }, PAGE_WITHIN_MS + 60_000);

  it('restoring the NSG resolves the page', async () => {
    expect(await write(nsg, { ...AUTHOR, 'x-simulator-changed-by': 'oncall@contoso.example' })).toBe(200);
    const resolved = await waitFor('the resolved notification', async () => sqlPage('resolved'), 240_000, 1000);
    expect(resolved.status).toBe('resolved');
  }, 300_000);
});
