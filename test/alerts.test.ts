import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedFiles, HELM_RULES_FILE, ROOT, RULES_FILE } from '../scripts/build-alerts.js';
import {
  alertGroups,
  DEFAULT_RULES_OPTIONS,
  renderRules,
  RULES_TEMPLATE_PLACEHOLDERS,
  runbookAnchor,
  type RulesOptions,
} from '../src/alerts/rules.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { SelfMetrics } from '../src/metrics/self-metrics.js';

interface RenderedRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const rendered = (text: string): RenderedRule[] =>
  (parse(text) as { groups: Array<{ rules: RenderedRule[] }> }).groups.flatMap((group) => group.rules);

function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is not installed (bash scripts/install-system-deps.sh): ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Everything the service exports: the fleet families and the monitor's own prom-client metrics. */
function exportedMetricNames(): Set<string> {
  const self = new SelfMetrics({ processMetrics: false }).registry.getMetricsAsArray().map((metric) => metric.name);
  return new Set([...FLEET_FAMILIES.map((family) => family.name), ...self]);
}

/** The PromQL of an alert: its expression and the queries its annotations run (Go raw strings). */
function queriesOf(rule: RenderedRule): string[] {
  const inAnnotations = Object.values(rule.annotations).flatMap((text) => [...text.matchAll(/`([^`]*)`/g)].map((match) => match[1]!));
  return [rule.expr, ...inAnnotations];
}

/** The service's metric names (apim_service is a label, not one of them). */
const METRIC_NAME = /\b(?:apim_network_|apim_netwatch_|apim_instance_)[a-z_]+/g;
const AGGREGATIONS = /\b(min|max|count|sum|group|absent)\s*$|\bby\s*\([^()]*\)\s*$/;
const PROMETHEUS_TARGET_LABELS = ['instance', 'pod', 'job', 'namespace', 'service', 'container'];

/**
 * Whether every apim_* selector of the query sits inside an aggregation (possibly through functions
 * such as increase()), so that the per-target labels of two replicas cannot split an alert in two.
 */
function unaggregatedSelectors(query: string): string[] {
  const bad: string[] = [];
  for (const match of query.matchAll(METRIC_NAME)) {
    let depth = 0;
    let aggregated = false;
    for (let i = match.index - 1; i >= 0 && !aggregated; i--) {
      if (query[i] === ')') depth++;
      else if (query[i] === '(' && depth > 0) depth--;
      else if (query[i] === '(' && AGGREGATIONS.test(query.slice(0, i))) aggregated = true;
    }
    if (!aggregated) bad.push(match[0]);
  }
  return bad;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const headings = [...markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)].map((match) => match[1]!);
  return new Set(headings.map((heading) => heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

describe('alert rules', () => {
  it('the generated files are up to date with src/alerts/rules.ts', () => {
    for (const [path, expected] of Object.entries(generatedFiles())) {
      let actual = '';
      try {
        actual = readFileSync(join(ROOT, path), 'utf8');
      } catch {
        // missing: reported below
      }
      expect(actual === expected, `${path} is out of date with src/alerts/rules.ts: run \`npx tsx scripts/build-alerts.ts\``).toBe(true);
    }
  });

  it('the Helm copy becomes the rendered rules by plain text substitution of its placeholders', () => {
    const template = readFileSync(join(ROOT, HELM_RULES_FILE), 'utf8');
    const substitute = (options: RulesOptions) =>
      template
        .replaceAll(RULES_TEMPLATE_PLACEHOLDERS.pagingRequiredRegex, options.pagingRequiredRegex)
        .replaceAll(RULES_TEMPLATE_PLACEHOLDERS.pagingAnyRegex, options.pagingAnyRegex)
        .replaceAll(RULES_TEMPLATE_PLACEHOLDERS.runbookBaseUrl, options.runbookBaseUrl)
        // As the chart does (templates/_alerts.tpl): the link's placeholder replaced, or its lines removed.
        .replace(
          options.statusPageUrl ? /__STATUS_PAGE_URL__/g : /^[ \t]*instance_page_url: "__STATUS_PAGE_URL__[^\n]*\n/gm,
          options.statusPageUrl ?? '',
        );
    expect(substitute(DEFAULT_RULES_OPTIONS)).toBe(renderRules(DEFAULT_RULES_OPTIONS));
    const linked = { ...DEFAULT_RULES_OPTIONS, statusPageUrl: 'https://netwatch.example.com' };
    expect(substitute(linked)).toBe(renderRules(linked));
    const custom = { pagingRequiredRegex: 'sql|keyvault|management', pagingAnyRegex: 'graph|storage', runbookBaseUrl: 'https://wiki.example.com/ops/apim-netwatch/runbooks' };
    expect(substitute(custom)).toBe(renderRules(custom));
    const nothingOnAny = { ...custom, pagingAnyRegex: '' };
    expect(substitute(nothingOnAny)).toBe(renderRules(nothingOnAny));

    // Placeholders only inside string values, never in keys or structure.
    const values: string[] = [];
    const walk = (node: unknown): void => {
      if (typeof node === 'string') values.push(node);
      else if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          expect(key).not.toMatch(/__[A-Z_]+__/);
          walk(value);
        }
      }
    };
    walk(parse(template));
    const placeholderCount = (text: string) => ['__PAGING_REQUIRED_REGEX__', '__PAGING_ANY_REGEX__', '__RUNBOOK_BASE_URL__'].reduce((sum, placeholder) => sum + text.split(placeholder).length - 1, 0);
    expect(values.reduce((sum, value) => sum + placeholderCount(value), 0)).toBe(placeholderCount(template));
    expect(placeholderCount(template)).toBeGreaterThan(0);
  });

  it('rejects option values that would break the document', () => {
    expect(() => renderRules({ ...DEFAULT_RULES_OPTIONS, pagingRequiredRegex: 'sql"}' })).toThrow(/pagingRequiredRegex/);
    expect(() => renderRules({ ...DEFAULT_RULES_OPTIONS, pagingAnyRegex: 'graph\n' })).toThrow(/pagingAnyRegex/);
    expect(() => renderRules({ ...DEFAULT_RULES_OPTIONS, runbookBaseUrl: 'https://x/runbooks.md#top' })).toThrow(/runbookBaseUrl/);
  });

  it('promtool check rules accepts the shipped rules file', () => {
    const result = promtool(['check', 'rules', RULES_FILE]);
    expect(result.status, result.output).toBe(0);
  });

  it('promtool test rules: every alert fires when it should and only then (test/alerts/*.test.yml)', () => {
    const files = readdirSync(join(ROOT, 'test/alerts'))
      .filter((name) => name.endsWith('.test.yml'))
      .map((name) => `test/alerts/${name}`);
    expect(files.length).toBeGreaterThan(0);
    const result = promtool(['test', 'rules', ...files]);
    expect(result.status, result.output).toBe(0);
  });

  it('every alert has a severity, a summary, a description and a runbook section', () => {
    const runbooks = anchorsOf(readFileSync(join(ROOT, 'docs/runbooks.md'), 'utf8'));
    const rules = rendered(readFileSync(join(ROOT, RULES_FILE), 'utf8'));
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(rule.alert, rule.alert).toMatch(/^(ApimNetwatch|ApimNetwork)[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url, rule.alert).toBe(`${DEFAULT_RULES_OPTIONS.runbookBaseUrl}#${runbookAnchor(rule.alert)}`);
      expect(runbooks.has(runbookAnchor(rule.alert)), `docs/runbooks.md has no section for ${rule.alert}`).toBe(true);
    }
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it('instance alerts name the instance, region and dependency; critical ones keep the dependency label', () => {
    for (const rule of alertGroups(DEFAULT_RULES_OPTIONS).flatMap((group) => group.rules)) {
      if (!rule.alert.startsWith('ApimNetwork')) continue;
      for (const label of ['apim_service', 'resource_group', 'subscription_id', 'location']) {
        expect(rule.description, `${rule.alert} description names ${label}`).toContain(`$labels.${label}`);
      }
      // The outermost grouping (the first `by`) decides the alert's labels.
      const keepsDependency = /\bdependency\b/.test(rule.expr.match(/\bby \(([^)]*)\)/)?.[1] ?? '');
      if (keepsDependency) expect(rule.description, `${rule.alert} description names the dependency`).toContain('$labels.dependency');
      if (rule.severity === 'critical') expect(keepsDependency, `${rule.alert} keeps the dependency label`).toBe(true);
    }
    const critical = alertGroups(DEFAULT_RULES_OPTIONS).flatMap((group) => group.rules).filter((rule) => rule.severity === 'critical');
    const criticalExprs = critical.map((rule) => rule.expr).join('\n');
    expect(criticalExprs).toContain(`dependency=~"${DEFAULT_RULES_OPTIONS.pagingRequiredRegex}",required="true"`);
    expect(criticalExprs).toContain(`dependency=~"${DEFAULT_RULES_OPTIONS.pagingAnyRegex}"}`);
    expect(DEFAULT_RULES_OPTIONS).toMatchObject({ pagingRequiredRegex: 'keyvault|sql|storage', pagingAnyRegex: 'graph' });
  });

  it('expressions use only metrics the service exports, always aggregated over their own labels', () => {
    const exported = exportedMetricNames();
    for (const rule of rendered(readFileSync(join(ROOT, RULES_FILE), 'utf8'))) {
      for (const query of queriesOf(rule)) {
        for (const [name] of query.matchAll(METRIC_NAME)) {
          expect(exported.has(name), `${rule.alert} uses ${name}, which apim-netwatch does not export`).toBe(true);
        }
        // Two replicas scraping the same fleet must raise one alert, not two.
        expect(unaggregatedSelectors(query), `${rule.alert}: not aggregated in ${query}`).toEqual([]);
        for (const [, labels] of query.matchAll(/\bby\s*\(([^)]*)\)/g)) {
          const kept = labels!.split(',').map((label) => label.trim());
          expect(kept.filter((label) => PROMETHEUS_TARGET_LABELS.includes(label)), `${rule.alert} keeps a target label`).toEqual([]);
        }
      }
    }
  });
});
