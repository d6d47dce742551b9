import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { helmBinary, helmEnv } from '../scripts/helm.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { SelfMetrics } from '../src/metrics/self-metrics.js';
import { ROOT } from './helpers/processes.js';

/**
 * The chart on the Azure Monitor managed Prometheus add-on (azmonitoring.coreos.com/v1 monitors with its label
 * limits, a PodMonitor), kube-prometheus-stack-style alert overrides, and the `job` scope that keeps two
 * releases in one Prometheus apart. Rendered offline with the helm binary of scripts/helm.ts; the scope is
 * checked by promtool against series of two releases.
 */
const CHART = join(ROOT, 'helm', 'apim-netwatch');
const NAMESPACE = 'monitoring';
const TIMEOUT = 120_000;
const AZURE = 'azmonitoring.coreos.com/v1';
const LIMITS = { labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023 };

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field
  spec?: any;
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  interval?: string;
  rules: Rule[];
}

const run = promisify(execFile);
const env = helmEnv({ ...process.env, KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'netwatch-helm-')), 'no-kubeconfig') });
const scratch = mkdtempSync(join(tmpdir(), 'netwatch-helm-azure-'));
let helmPath = '';

async function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(helmPath, args, { env, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? String(err) };
  }
}

async function render(release: string, ...args: string[]): Promise<K8sObject[]> {
  const result = await helm(['template', release, CHART, '--namespace', NAMESPACE, ...args]);
  if (result.code !== 0) throw new Error(`helm template ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const matching = objects.filter((o) => o.kind === kind);
  expect(matching, `exactly one ${kind}`).toHaveLength(1);
  return matching[0] as K8sObject;
}

const groupsOf = (objects: K8sObject[]): Group[] => only(objects, 'PrometheusRule').spec.groups as Group[];
const alertsOf = (objects: K8sObject[]): Rule[] => groupsOf(objects).flatMap((g) => g.rules.filter((r) => r.alert));

beforeAll(async () => {
  helmPath = await helmBinary();
}, TIMEOUT);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('ServiceMonitor and PodMonitor for the managed add-on', () => {
  it('ci/azure-monitor-values.yaml passes helm lint --strict and renders an add-on PodMonitor with the fixed job', async () => {
    const values = join(CHART, 'ci', 'azure-monitor-values.yaml');
    const lint = await helm(['lint', CHART, '--strict', '--values', values]);
    expect(lint.code, `${lint.stdout}\n${lint.stderr}`).toBe(0);
    const objects = await render('apim-netwatch', '--values', values);
    const monitor = only(objects, 'PodMonitor');
    expect(monitor.apiVersion).toBe(AZURE);
    expect(monitor.spec).toMatchObject(LIMITS);
    expect(monitor.spec.podMetricsEndpoints[0].relabelings[0]).toEqual({ action: 'replace', targetLabel: 'job', replacement: 'apim-netwatch-prod' });
    expect(objects.map((o) => o.kind)).not.toContain('PrometheusRule');
  }, TIMEOUT);

  it(`serviceMonitor.apiVersion=${AZURE}: the add-on's group with its label limits in spec`, async () => {
    const monitor = only(await render('apim-netwatch', '--set', 'serviceMonitor.enabled=true', '--set', `serviceMonitor.apiVersion=${AZURE}`), 'ServiceMonitor');
    expect(monitor.apiVersion).toBe(AZURE);
    expect(monitor.spec).toMatchObject(LIMITS);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics', honorLabels: true })]);
    // The default stays the Prometheus Operator's, without the add-on's limits.
    const operator = only(await render('apim-netwatch', '--set', 'serviceMonitor.enabled=true'), 'ServiceMonitor');
    expect(operator.apiVersion).toBe('monitoring.coreos.com/v1');
    for (const key of Object.keys(LIMITS)) expect(operator.spec).not.toHaveProperty(key);
  }, TIMEOUT);

  it.each([['monitoring.coreos.com/v1'], [AZURE]])('podMonitor.enabled renders a %s PodMonitor selecting the pods on http-metrics', async (apiVersion) => {
    const objects = await render('apim-netwatch', '--set', 'podMonitor.enabled=true', '--set', `podMonitor.apiVersion=${apiVersion}`, '--set', 'podMonitor.interval=30s');
    expect(objects.map((o) => o.kind)).not.toContain('ServiceMonitor');
    const monitor = only(objects, 'PodMonitor');
    expect(monitor.apiVersion).toBe(apiVersion);
    expect(monitor.metadata.namespace).toBe(NAMESPACE);
    expect(only(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'http-metrics', path: '/metrics', interval: '30s', honorLabels: true })]);
    if (apiVersion === AZURE) expect(monitor.spec).toMatchObject(LIMITS);
    else expect(monitor.spec).not.toHaveProperty('labelLimit');
  }, TIMEOUT);

  it('both monitors at once are refused (every series twice)', async () => {
    const result = await helm(['template', 'apim-netwatch', CHART, '--set', 'serviceMonitor.enabled=true', '--set', 'podMonitor.enabled=true']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('podMonitor.enabled');
  }, TIMEOUT);

  it('every monitor sets job to the release (scrapeJob, default <namespace>/<full name>) before the user relabelings', async () => {
    const objects = await render('blue', '--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.relabelings[0].action=labeldrop', '--set', 'serviceMonitor.relabelings[0].regex=tmp');
    expect(only(objects, 'ServiceMonitor').spec.endpoints[0].relabelings).toEqual([
      { action: 'replace', targetLabel: 'job', replacement: 'monitoring/blue-apim-netwatch' },
      { action: 'labeldrop', regex: 'tmp' },
    ]);
    const pod = only(await render('blue', '--set', 'podMonitor.enabled=true', '--set', 'scrapeJob=apim-netwatch-prod'), 'PodMonitor');
    expect(pod.spec.podMetricsEndpoints[0].relabelings).toEqual([{ action: 'replace', targetLabel: 'job', replacement: 'apim-netwatch-prod' }]);
  }, TIMEOUT);

  it.each([
    [['--set', 'serviceMonitor.apiVersion=monitoring.coreos.com/v1beta1'], 'apiVersion'],
    [['--set', 'podMonitor.apiVersion=azmonitoring.coreos.com/v2'], 'apiVersion'],
    [['--set', 'podMonitor.enable=true'], "additional properties 'enable'"],
    [['--set', 'serviceMonitor.labelLimit=10'], "additional properties 'labelLimit'"],
    [['--set', 'alerts.disable={ApimNetwatchAbsent}'], "additional properties 'disable'"],
    [['--set', 'alerts.additionalLabels.bad-name=x'], "invalid propertyName 'bad-name'"],
    [['--set', 'scrapeJob=a"b'], 'scrapeJob'],
  ])('values.schema.json refuses %j', async (args, message) => {
    const result = await helm(['template', 'apim-netwatch', CHART, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  }, TIMEOUT);
});

describe('alert overrides (kube-prometheus-stack style)', () => {
  let plain: Rule[];
  beforeAll(async () => {
    plain = alertsOf(await render('apim-netwatch', '--set', 'prometheusRule.enabled=true'));
  }, TIMEOUT);

  it('alerts.disabled leaves those alerts out; a group left empty goes; an unknown name fails with the list', async () => {
    // Every alert of the smallest group (which then goes) and one alert of the largest.
    const groups = groupsOf(await render('apim-netwatch', '--set', 'prometheusRule.enabled=true')).sort((a, b) => a.rules.length - b.rules.length);
    const [smallest, largest] = [groups[0] as Group, groups[groups.length - 1] as Group];
    const disabled = [...smallest.rules.map((r) => r.alert as string), largest.rules[0]?.alert as string];
    const objects = await render('apim-netwatch', '--set', 'prometheusRule.enabled=true', '--set', `alerts.disabled={${disabled.join(',')}}`);
    const names = alertsOf(objects).map((r) => r.alert);
    for (const name of disabled) expect(names).not.toContain(name);
    expect(names).toHaveLength(plain.length - disabled.length);
    expect(groupsOf(objects).map((g) => g.name)).not.toContain(smallest.name);
    expect(groupsOf(objects).map((g) => g.name)).toContain(largest.name);
    const typo = await helm(['template', 'apim-netwatch', CHART, '--set', 'prometheusRule.enabled=true', '--set', 'alerts.disabled={ApimNetwatchAbsnt}']);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain('"ApimNetwatchAbsnt" is not one of the chart\'s alerts');
    expect(typo.stderr).toContain('ApimNetwatchAbsent');
  }, TIMEOUT);

  it("alerts.additionalLabels / additionalAnnotations reach every alert; the rule's own keys keep their values", async () => {
    const alerts = alertsOf(
      await render('apim-netwatch', '--set', 'prometheusRule.enabled=true', '--set', 'alerts.additionalLabels.team=platform', '--set', 'alerts.additionalLabels.severity=none',
        '--set', 'alerts.additionalAnnotations.dashboard=https://grafana.example.com/d/apim-netwatch-fleet', '--set', 'alerts.additionalAnnotations.summary=overridden'),
    );
    expect(alerts.map((r) => r.alert)).toEqual(plain.map((r) => r.alert));
    for (const [i, rule] of alerts.entries()) {
      const before = plain[i] as Rule;
      expect(rule.labels, rule.alert).toEqual({ ...before.labels, team: 'platform' });
      expect(rule.annotations, rule.alert).toEqual({ ...before.annotations, dashboard: 'https://grafana.example.com/d/apim-netwatch-fleet' });
      expect(rule.expr, rule.alert).toBe(before.expr);
    }
  }, TIMEOUT);

  it('alerts.statusPageUrl links every instance alert to its instance page; without it no link, and no placeholder is left', async () => {
    const rendered = await helm(['template', 'apim-netwatch', CHART, '--namespace', NAMESPACE, '--set', 'prometheusRule.enabled=true']);
    expect(rendered.stdout).not.toContain('__STATUS_PAGE_URL__');
    expect(plain.some((rule) => rule.annotations?.instance_page_url !== undefined)).toBe(false);
    const linked = alertsOf(await render('apim-netwatch', '--set', 'prometheusRule.enabled=true', '--set', 'alerts.statusPageUrl=https://netwatch.example.com/'));
    const page = linked.find((rule) => rule.alert === 'ApimNetworkRequiredFlowDenied')!;
    expect(page.annotations?.instance_page_url).toBe('https://netwatch.example.com/instances/{{ $labels.subscription_id }}/{{ $labels.resource_group }}/{{ $labels.apim_service }}');
    // Alerts about the monitor itself name no instance, so they get no link.
    expect(linked.find((rule) => rule.alert === 'ApimNetwatchAbsent')!.annotations?.instance_page_url).toBeUndefined();
    const refused = await helm(['template', 'apim-netwatch', CHART, '--set', 'prometheusRule.enabled=true', '--set', 'alerts.statusPageUrl=netwatch.example.com']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('statusPageUrl');
  }, TIMEOUT);
});

// ---- the job scope: two releases in one Prometheus ---------------------------------------------

/** Metric names the service exports (fleet families and its own metrics with their histogram/summary series). */
function exportedNames(): Set<string> {
  const names = new Set(FLEET_FAMILIES.map((family) => family.name));
  for (const metric of new SelfMetrics().registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    names.add(name);
    for (const suffix of type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['_sum', '_count'] : []) names.add(`${name}${suffix}`);
  }
  return names;
}

/** A PrometheusRule's groups as a rule file for promtool, without annotations (the expressions and labels are under test). */
function ruleFile(name: string, groups: Group[]): string {
  const file = join(scratch, name);
  writeFileSync(file, stringify({ groups: groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _dropped, ...rule }) => rule) })) }));
  return file;
}

/**
 * Release "blue" is down (no series at all); release "green" watches the same instance, sees its SQL dependency
 * down and fails its polls. Each release's rules must speak for its own series only.
 */
function twoReleaseTest(files: string[]): string {
  const green = 'job="monitoring/green-apim-netwatch",instance="10.0.0.2:9464"';
  const instance = 'subscription_id="s1",resource_group="rg",apim_service="apim1",location="westeurope"';
  const test = {
    rule_files: files,
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          { series: `apim_netwatch_poll_last_success_timestamp_seconds{${green}}`, values: '0+60x60' },
          { series: `apim_netwatch_polls_total{${green},outcome="failure"}`, values: '0+1x60' },
          { series: `apim_network_dependency_up{${green},${instance},dependency="sql",required="true"}`, values: '0x60' },
          { series: `apim_network_dependency_up{${green},${instance},dependency="storage",required="true"}`, values: '1x60' },
        ],
        alert_rule_test: [
          { eval_time: '40m', alertname: 'ApimNetwatchAbsent', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'monitoring/blue-apim-netwatch' } }] },
          { eval_time: '40m', alertname: 'ApimNetwatchPollsFailing', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'monitoring/green-apim-netwatch' } }] },
          {
            eval_time: '40m',
            alertname: 'ApimNetworkDependencyDown',
            exp_alerts: [{ exp_labels: { severity: 'critical', job: 'monitoring/green-apim-netwatch', subscription_id: 's1', resource_group: 'rg', apim_service: 'apim1', location: 'westeurope', dependency: 'sql' } }],
          },
        ],
      },
    ],
  };
  const file = join(scratch, `two-releases-${files.length}-${Date.now()}.test.yml`);
  writeFileSync(file, stringify(test));
  return file;
}

function promtoolTest(file: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', cwd: scratch });
  if (result.error) throw new Error(`promtool is not installed (bash scripts/install-system-deps.sh): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the job scope: two releases in one Prometheus never merge', () => {
  it('every metric the shipped rules select is named apim_network_*, apim_netwatch_* or apim_instance_* (what the scope rewrites)', () => {
    const groups = (parse(readFileSync(join(CHART, 'files', 'alert-rules.yaml'), 'utf8')) as { groups: Group[] }).groups;
    const text = groups.flatMap((g) => g.rules.map((r) => r.expr)).join('\n');
    const used = [...exportedNames()].filter((name) => new RegExp(`\\b${name}\\b`).test(text));
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(name).toMatch(/^apim_(network|netwatch|instance)_/);
  });

  it('with a ServiceMonitor, every selector of every expression carries job="<release>" and only that changes', async () => {
    const plain = groupsOf(await render('blue', '--set', 'prometheusRule.enabled=true'));
    const scoped = groupsOf(await render('blue', '--set', 'prometheusRule.enabled=true', '--set', 'serviceMonitor.enabled=true'));
    const matcher = 'job="monitoring/blue-apim-netwatch"';
    const rules = scoped.flatMap((g) => g.rules);
    expect(rules).toHaveLength(plain.flatMap((g) => g.rules).length);
    for (const [i, rule] of rules.entries()) {
      const before = plain.flatMap((g) => g.rules)[i] as Rule;
      const selectors = rule.expr.match(/\bapim_(network|netwatch|instance)_[a-zA-Z0-9_:]*/g) ?? [];
      expect(selectors.length, rule.alert).toBeGreaterThan(0);
      expect(rule.expr.split(matcher).length - 1, `${rule.alert}: ${rule.expr}`).toBe(selectors.length);
      expect(rule.expr.replaceAll(`{${matcher},`, '{').replaceAll(`{${matcher}}`, ''), rule.alert).toBe(before.expr);
      expect(rule.labels, rule.alert).toEqual({ ...before.labels, job: 'monitoring/blue-apim-netwatch' });
    }
  }, TIMEOUT);

  it('promtool: each release alerts on its own series only (and the unscoped rules of before fail the same test)', async () => {
    const releases = async (...extra: string[]) =>
      Promise.all(['blue', 'green'].map(async (release) => ruleFile(`${release}-${extra.length}.rules.yml`, groupsOf(await render(release, '--set', 'prometheusRule.enabled=true', ...extra)))));
    const scoped = promtoolTest(twoReleaseTest(await releases('--set', 'serviceMonitor.enabled=true')));
    expect(scoped.status, scoped.output).toBe(0);
    expect(scoped.output).toContain('SUCCESS');
    // Before: blue's rules read green's series (no ApimNetwatchAbsent while blue is down) and both releases
    // raise the same unlabelled alerts for green's failures.
    const unscoped = promtoolTest(twoReleaseTest(await releases()));
    expect(unscoped.status, unscoped.output).not.toBe(0);
    expect(unscoped.output).toContain('ApimNetwatchAbsent');
  }, TIMEOUT);
});
