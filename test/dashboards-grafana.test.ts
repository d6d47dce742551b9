import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildDashboards, listDashboards, OUTPUT_DIRS, SAMPLE_VARIABLE_VALUES, SCHEMA_VERSION, scopeSelectors, substituteVariables } from '../dashboards/src/index.js';
import { ROOT } from './helpers/processes.js';

/**
 * What can be checked offline of "imports into Azure Managed Grafana (Grafana 12) with
 * `az grafana dashboard import --definition FILE` and works with the Azure Monitor managed Prometheus data source":
 * the file shape the az command reads, the schemaVersion Grafana 12 migrates from, data source references, and the
 * `cluster`/`job` scope of every query. (Against a real Prometheus without a `cluster` label:
 * test/e2e-dashboards.test.ts, which queries every panel with "All".)
 */
const built = buildDashboards();
const SCOPE = 'cluster=~"$cluster", job=~"$job"';

type Json = Record<string, unknown>;

function files(): { path: string; json: Json }[] {
  return OUTPUT_DIRS.flatMap((dir) => built.map((d) => ({ path: `${dir}/${d.uid}.json`, json: JSON.parse(readFileSync(join(ROOT, dir, `${d.uid}.json`), 'utf8')) as Json })));
}

/** Every object in a JSON tree, with its path. */
function* walk(node: unknown, path = '$'): Generator<[string, Json]> {
  if (Array.isArray(node)) for (const [i, child] of node.entries()) yield* walk(child, `${path}[${i}]`);
  else if (node && typeof node === 'object') {
    yield [path, node as Json];
    for (const [key, child] of Object.entries(node)) yield* walk(child, `${path}.${key}`);
  }
}

/**
 * Metric names in an expr and what follows each, found independently of scopeSelectors: strings, brackets and
 * label lists blanked, then every identifier that is not a function call, keyword or `$variable`.
 */
function selectors(expr: string): { name: string; rest: string }[] {
  const blank = (s: string) => ' '.repeat(s.length);
  const masked = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, blank)
    .replace(/\[[^\]]*\]/g, blank)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, (m) => blank(m));
  const keywords = /^(sum|min|max|avg|count|group|topk|bottomk|quantile|and|or|unless|bool|offset|by|without|on|ignoring)$/;
  const found: { name: string; rest: string }[] = [];
  for (const match of masked.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = masked[match.index - 1] ?? ' ';
    if (/[a-zA-Z0-9_:.${]/.test(before)) continue;
    if (/^\s*\(/.test(masked.slice(match.index + match[0].length)) || keywords.test(match[0])) continue;
    if (/^\s*[=!]~?/.test(masked.slice(match.index + match[0].length))) continue; // a label inside {...}
    found.push({ name: match[0], rest: expr.slice(match.index + match[0].length) });
  }
  return found;
}

describe('dashboards for Azure Managed Grafana', () => {
  it('every file is a bare classic dashboard, as `az grafana dashboard import --definition FILE` reads it', () => {
    // The amg extension (azure-cli-extensions src/amg/azext_amg/custom.py, import_dashboard) json.loads the file and
    // wraps it as {"dashboard": <file>} unless it has a top-level "dashboard" key; it refuses meta.isFolder, fills
    // `inputs` only from `__inputs`, and sends a v2 spec ("elements", no "panels") to the v2 API instead.
    for (const { path, json } of files()) {
      expect(typeof json, path).toBe('object');
      expect(json, path).not.toHaveProperty('dashboard');
      expect(json, path).not.toHaveProperty('meta');
      expect(json, path).not.toHaveProperty('elements');
      expect(Array.isArray(json.panels), path).toBe(true);
      expect(json.uid, path).toMatch(/^apim-netwatch-[a-z]+$/);
      // An id would be looked up (and not found) by /api/dashboards/db; the uid identifies it instead.
      expect(json.id ?? null, path).toBeNull();
      // No __inputs / ${DS_...}: nothing for the command to map, the $datasource variable picks the data source.
      expect(json, path).not.toHaveProperty('__inputs');
      expect(JSON.stringify(json), path).not.toMatch(/\$\{DS_/);
    }
  });

  it(`writes schemaVersion ${SCHEMA_VERSION}, which every Grafana 12 migrates from, and nothing migration 42 would change`, () => {
    expect(SCHEMA_VERSION).toBe(41);
    for (const { path, json } of files()) {
      expect(json.schemaVersion, path).toBe(SCHEMA_VERSION);
      // Grafana's backend migrator refuses versions below 9 and above its own latest (41 before Grafana 12.2).
      expect(json.schemaVersion as number).toBeGreaterThanOrEqual(9);
      // Migration 42 only sets hideFrom.tooltip where an override hides a field from the visualization.
      for (const [where, node] of walk(json)) if (node.id === 'custom.hideFrom') expect((node.value as Json | undefined)?.viz, where).not.toBe(true);
    }
  });

  it('refers to data sources only through the prometheus-type $datasource variable (or Grafana\'s own annotations)', () => {
    for (const { path, json } of files()) {
      const variable = (json.templating as { list: Json[] }).list.find((v) => v.name === 'datasource');
      // Managed Grafana's Azure Monitor workspace data sources are of type prometheus.
      expect(variable, path).toMatchObject({ type: 'datasource', query: 'prometheus' });
      for (const [where, node] of walk(json)) {
        const ref = node.datasource as Json | undefined;
        if (!ref || typeof ref !== 'object') continue;
        if (ref.uid === '-- Grafana --') expect(ref.type, where).toBe('grafana');
        else expect(ref, `${path} ${where}`).toEqual({ type: 'prometheus', uid: '${datasource}' });
      }
    }
  });

  it('has $cluster and $job first after $datasource: label_values of apim_netwatch_build_info, multi, All = .*', () => {
    for (const dashboard of built) {
      const list = dashboard.json.templating?.list ?? [];
      expect(list.slice(0, 3).map((v) => v.name), dashboard.uid).toEqual(['datasource', 'cluster', 'job']);
      const [, cluster, job] = list;
      expect(cluster).toMatchObject({ type: 'query', query: 'label_values(apim_netwatch_build_info, cluster)', multi: true, includeAll: true, allValue: '.*' });
      expect(job).toMatchObject({ type: 'query', query: 'label_values(apim_netwatch_build_info{cluster=~"$cluster"}, job)', multi: true, includeAll: true, allValue: '.*' });
      for (const variable of [cluster, job]) {
        expect(variable?.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(variable?.current).toMatchObject({ value: '$__all' });
      }
      // The instance variables are chained under the scope.
      for (const variable of list.filter((v) => v.type === 'query' && String(v.query).startsWith('label_values(apim_instance_info'))) {
        expect(String(variable.query), `${dashboard.uid} $${variable.name}`).toContain(`{${SCOPE}`);
      }
    }
  });

  it('filters every selector of every panel query by $cluster and $job', () => {
    let count = 0;
    for (const dashboard of built) {
      for (const [where, node] of walk(dashboard.json.panels)) {
        if (typeof node.expr !== 'string') continue;
        const found = selectors(node.expr);
        expect(found.length, `${dashboard.uid} ${where}: ${node.expr}`).toBeGreaterThan(0);
        for (const selector of found) {
          count++;
          expect(selector.rest.startsWith(`{${SCOPE}`), `${dashboard.uid} ${where}: ${selector.name} in ${node.expr}`).toBe(true);
        }
      }
    }
    expect(count).toBeGreaterThan(60);
  });

  it('passes the scope on in the links to the instance dashboard', () => {
    for (const dashboard of built) {
      for (const [where, node] of walk(dashboard.json.panels)) {
        if (typeof node.url !== 'string' || node.url.includes('${__all_variables}')) continue;
        expect(node.url, `${dashboard.uid} ${where}`).toContain('${cluster:queryparam}');
        expect(node.url, `${dashboard.uid} ${where}`).toContain('${job:queryparam}');
      }
    }
  });
});

describe('the scope against series of two releases, without a cluster label (promtool)', () => {
  it('"All" (.*) keeps series that have no cluster label; a chosen job shows that release only', () => {
    const expr = listDashboards()
      .flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => t.expr)))
      .find((e) => e.startsWith('max(apim_netwatch_poll_duration_seconds'));
    expect(expr).toBeDefined();
    const query = (values: Record<string, string>) => substituteVariables(expr as string, { ...SAMPLE_VARIABLE_VALUES, ...values });
    const dir = mkdtempSync(join(tmpdir(), 'apim-netwatch-scope-'));
    try {
      const tests = {
        rule_files: [],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            // kube-prometheus-stack style: no cluster label at all.
            input_series: [
              { series: 'apim_netwatch_poll_duration_seconds{job="monitoring/blue-apim-netwatch",instance="10.0.0.1:9464"}', values: '10x5' },
              { series: 'apim_netwatch_poll_duration_seconds{job="monitoring/green-apim-netwatch",instance="10.0.0.2:9464"}', values: '99x5' },
            ],
            promql_expr_test: [
              { expr: query({}), eval_time: '2m', exp_samples: [{ labels: '{}', value: 99 }] },
              { expr: query({ job: 'monitoring/blue-apim-netwatch' }), eval_time: '2m', exp_samples: [{ labels: '{}', value: 10 }] },
              { expr: query({ cluster: 'aks-prod' }), eval_time: '2m', exp_samples: [] },
            ],
          },
        ],
      };
      writeFileSync(join(dir, 'scope.test.yml'), stringify(tests));
      const result = spawnSync('promtool', ['test', 'rules', join(dir, 'scope.test.yml')], { encoding: 'utf8' });
      if (result.error) throw new Error(`promtool is not installed (bash scripts/install-system-deps.sh): ${result.error.message}`);
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scopeSelectors', () => {
  const m = ['a="1"'];
  it.each([
    ['up', 'up{a="1"}'],
    ['up{x="y"}', 'up{a="1", x="y"}'],
    ['up{}', 'up{a="1"}'],
    ['rate(x_total{code!~"2..|429"}[$__rate_interval])', 'rate(x_total{a="1", code!~"2..|429"}[$__rate_interval])'],
    ['max by (instance, version, nodejs_version) (build_info)', 'max by (instance, version, nodejs_version) (build_info{a="1"})'],
    ['(rss and on (job, instance) build_info) * 1e3', '(rss{a="1"} and on (job, instance) build_info{a="1"}) * 1e3'],
    ['label_join(min by (s) (up_x), "k", " / ", "s", "up")', 'label_join(min by (s) (up_x{a="1"}), "k", " / ", "s", "up")'],
    ['time() - max(ts) offset 5m > bool 2 or vector(0)', 'time() - max(ts{a="1"}) offset 5m > bool 2 or vector(0)'],
    ['sum without (pod) (x) unless on (a) y', 'sum without (pod) (x{a="1"}) unless on (a) y{a="1"}'],
  ])('%s', (expr, expected) => {
    expect(scopeSelectors(expr, m)).toBe(expected);
  });

  it('refuses unbalanced brackets', () => {
    expect(() => scopeSelectors('up{a="1"', m)).toThrow(/unbalanced/);
  });
});
