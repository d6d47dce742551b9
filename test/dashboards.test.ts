import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  buildDashboards,
  DATASOURCE,
  EMPTY_WHEN_HEALTHY,
  listDashboards,
  OUTPUT_DIRS,
  renderDashboard,
  substituteVariables,
  TAGS,
  UIDS,
} from '../dashboards/src/index.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { SelfMetrics } from '../src/metrics/self-metrics.js';
import { ROOT } from './helpers/processes.js';

const REBUILD = 'run `npx tsx scripts/build-dashboards.ts` and commit the result';
const built = buildDashboards();
const infos = listDashboards();

interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { type?: string; uid?: string } }[];
  links?: { url?: string }[];
  fieldConfig?: { defaults?: { links?: { url?: string }[] } };
}

function panelsOf(uid: string): PanelJson[] {
  const dashboard = built.find((entry) => entry.uid === uid);
  if (!dashboard) throw new Error(`no dashboard ${uid}`);
  return (dashboard.json.panels ?? []) as PanelJson[];
}

describe('generated dashboard JSON', () => {
  for (const dir of OUTPUT_DIRS) {
    it(`${dir}/ holds exactly the dashboards the builders produce (else ${REBUILD})`, () => {
      for (const dashboard of built) {
        const file = join(ROOT, dir, `${dashboard.uid}.json`);
        expect(existsSync(file), `${dir}/${dashboard.uid}.json is missing: ${REBUILD}`).toBe(true);
        expect(readFileSync(file, 'utf8') === renderDashboard(dashboard), `${dir}/${dashboard.uid}.json is out of date: ${REBUILD}`).toBe(true);
      }
      const stray = readdirSync(join(ROOT, dir)).filter((file) => file.startsWith('apim-netwatch-') && file.endsWith('.json') && !built.some((d) => `${d.uid}.json` === file));
      expect(stray, `dashboards no builder produces: ${REBUILD}`).toEqual([]);
    });
  }
});

describe('dashboard structure', () => {
  it('has the three dashboards with stable uids, titles and tags', () => {
    expect(built.map((dashboard) => dashboard.uid)).toEqual([UIDS.fleet, UIDS.instance, UIDS.monitor]);
    expect(Object.values(UIDS)).toEqual(['apim-netwatch-fleet', 'apim-netwatch-instance', 'apim-netwatch-monitor']);
    for (const dashboard of built) {
      expect(dashboard.json.uid).toBe(dashboard.uid);
      expect(dashboard.json.title).toBe(dashboard.title);
      expect(dashboard.json.tags).toEqual(expect.arrayContaining(['apim', 'apim-netwatch', 'azure']));
      expect(TAGS).toEqual(['apim', 'apim-netwatch', 'azure']);
      expect(dashboard.json.id ?? null).toBeNull();
    }
  });

  it('has a Prometheus $datasource variable and the instance variables on apim_instance_info', () => {
    for (const dashboard of built) {
      const variables = dashboard.json.templating?.list ?? [];
      const datasource = variables.find((variable) => variable.name === 'datasource');
      expect(datasource, dashboard.uid).toMatchObject({ type: 'datasource', query: 'prometheus' });
      for (const name of ['subscription_id', 'resource_group', 'apim_service', 'location']) {
        const variable = variables.find((entry) => entry.name === name);
        expect(variable, `${dashboard.uid} $${name}`).toMatchObject({ type: 'query', datasource: DATASOURCE });
        expect(String(variable?.query)).toMatch(new RegExp(`^label_values\\(apim_instance_info(\\{[^}]*\\})?, ${name}\\)$`));
        const singleInstance = dashboard.uid === UIDS.instance && name === 'apim_service';
        expect(variable?.multi, `${dashboard.uid} $${name} multi`).toBe(!singleInstance);
        expect(variable?.includeAll, `${dashboard.uid} $${name} includeAll`).toBe(!singleInstance);
        if (!singleInstance) expect(variable?.allValue).toBe('.*');
      }
    }
  });

  it('points every panel, target and query variable at ${datasource}', () => {
    for (const dashboard of built) {
      for (const panel of panelsOf(dashboard.uid)) {
        expect(panel.datasource, `${dashboard.uid} panel "${panel.title}"`).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const target of panel.targets ?? []) expect(target.datasource, `${dashboard.uid} panel "${panel.title}" ${target.refId}`).toEqual(panel.datasource);
      }
    }
  });

  it('gives every panel a unique id and every query panel at least one non-empty expr with unique refIds', () => {
    for (const dashboard of built) {
      const ids = panelsOf(dashboard.uid).map((panel) => panel.id);
      expect(new Set(ids).size, dashboard.uid).toBe(ids.length);
      for (const panel of panelsOf(dashboard.uid)) {
        if (panel.type === 'row') continue;
        const targets = panel.targets ?? [];
        expect(targets.length, `${dashboard.uid} "${panel.title}"`).toBeGreaterThan(0);
        expect(new Set(targets.map((target) => target.refId)).size).toBe(targets.length);
        for (const target of targets) expect(target.expr?.trim(), `${dashboard.uid} "${panel.title}"`).toBeTruthy();
      }
    }
  });

  it('links the dashboards together and the instance dashboard from fleet rows, with the variables', () => {
    for (const dashboard of built) {
      expect(dashboard.json.links).toEqual([expect.objectContaining({ type: 'dashboards', tags: ['apim-netwatch'], includeVars: true, keepTime: true })]);
    }
    const urls = (uid: string) => panelsOf(uid).flatMap((panel) => [...(panel.fieldConfig?.defaults?.links ?? []), ...(panel.links ?? [])].map((link) => link.url ?? ''));
    const fleetLinks = urls(UIDS.fleet);
    expect(fleetLinks.length).toBeGreaterThan(3);
    for (const url of [...fleetLinks, ...urls(UIDS.monitor)]) {
      expect(url).toMatch(new RegExp(`^/d/${UIDS.instance}/`));
      if (!url.includes('${__all_variables}')) {
        for (const name of ['subscription_id', 'resource_group', 'apim_service', 'location']) expect(url).toContain(`var-${name}=`);
        expect(url).toContain('${datasource:queryparam}');
      }
    }
  });

  it('lists every panel for the e2e test, and EMPTY_WHEN_HEALTHY names existing panels', () => {
    const keys = infos.flatMap((info) => info.panels.map((panel) => panel.key));
    expect(new Set(keys).size).toBe(keys.length);
    expect(EMPTY_WHEN_HEALTHY).toEqual([
      'apim-netwatch-fleet/failing-now',
      'apim-netwatch-fleet/blocked-flows',
      'apim-netwatch-fleet/drifted',
      'apim-netwatch-instance/admin-rules',
      'apim-netwatch-instance/route-unknown',
      'apim-netwatch-instance/private-dns',
    ]);
    for (const key of EMPTY_WHEN_HEALTHY) expect(keys).toContain(key);
    for (const info of infos) {
      expect(info.panels.length, info.uid).toBe(panelsOf(info.uid).filter((panel) => panel.type !== 'row').length);
    }
  });
});

// ---- PromQL ----------------------------------------------------------------------------------

interface Query {
  where: string;
  expr: string;
}

/** Every panel expr, and the selector of every query variable (`label_values(<selector>, label)`). */
function allQueries(): Query[] {
  const queries: Query[] = [];
  for (const info of infos) {
    for (const panel of info.panels) {
      for (const target of panel.targets) queries.push({ where: `${panel.key} "${panel.title}" ${target.refId}`, expr: substituteVariables(target.expr) });
    }
    for (const [name, query] of Object.entries(info.variableQueries)) {
      const selector = /^label_values\((.*), *\w+\)$/.exec(query)?.[1];
      if (!selector) throw new Error(`${info.uid} $${name}: unexpected variable query ${query}`);
      queries.push({ where: `${info.uid} $${name}`, expr: substituteVariables(selector) });
    }
  }
  return queries;
}

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile']);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/** Metric names a PromQL expression selects (strings, label matchers, ranges and label lists removed). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const token = match[0];
    const before = stripped[match.index - 1] ?? '';
    const after = stripped.slice(match.index + token.length).trimStart();
    if (/[0-9.]/.test(before)) continue; // 1e3, 5m
    if (after.startsWith('(')) continue; // function call
    if (KEYWORDS.has(token) || AGGREGATIONS.has(token)) continue;
    names.add(token);
  }
  return [...names];
}

function exportedMetricNames(): Set<string> {
  const names = new Set(FLEET_FAMILIES.map((family) => family.name));
  const self = new SelfMetrics();
  for (const metric of self.registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('dashboard PromQL', () => {
  const queries = allQueries();
  const dir = mkdtempSync(join(tmpdir(), 'apim-netwatch-dashboards-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('substitutes every template variable', () => {
    for (const query of queries) expect(query.expr, query.where).not.toMatch(/\$|\[\[/);
    expect(() => substituteVariables('up{x=~"$nope"}')).toThrow(/nope/);
    expect(substituteVariables('rate(x{a=~"${apim_service:regex}"}[$__rate_interval]) [[location]] $__range')).toBe('rate(x{a=~".*"}[5m]) .* 1h');
  });

  it('parses: promtool check rules accepts every expr as a recording rule', () => {
    const rules = queries.map((query, index) => ({
      record: `apim_netwatch:dashboard_query:q${index}`,
      expr: query.expr,
      labels: { source: query.where },
    }));
    const file = join(dir, 'dashboard-queries.rules.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'apim-netwatch-dashboards', rules }] }));
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (result.error) throw new Error(`promtool is not installed (bash scripts/install-system-deps.sh): ${result.error.message}`);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('uses only metric names the service exports', () => {
    const exported = exportedMetricNames();
    expect(exported).toContain('apim_network_endpoint_up');
    expect(exported).toContain('apim_netwatch_polls_total');
    expect(exported).toContain('process_resident_memory_bytes');
    for (const query of queries) {
      const names = metricNames(query.expr);
      expect(names.length, `${query.where} selects no metric: ${query.expr}`).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${query.where} uses ${name}, which apim-netwatch does not export`).toBe(true);
    }
  });

  it('finds metric names in PromQL (helper self-check)', () => {
    expect(metricNames('sum by (outcome) (rate(apim_netwatch_polls_total{code!~"2..|429"}[5m])) or vector(0)')).toEqual(['apim_netwatch_polls_total']);
    expect(metricNames('(process_cpu_seconds_total and on (job, instance) apim_netwatch_build_info) * 1e3')).toEqual(['process_cpu_seconds_total', 'apim_netwatch_build_info']);
    expect(metricNames('label_join(min by (a) (x_up{a="b"}), "k", " / ", "a", "b")')).toEqual(['x_up']);
  });

  it('aggregates fleet series over the contract labels so two replicas never double them', () => {
    const fleetMetrics = FLEET_FAMILIES.map((family) => family.name);
    for (const info of infos) {
      for (const panel of info.panels) {
        for (const target of panel.targets) {
          const expr = substituteVariables(target.expr);
          for (const name of fleetMetrics) {
            for (const match of expr.matchAll(new RegExp(`\\b${name}\\b`, 'g'))) {
              // Directly inside `min|max|sum|count by (<contract labels>) (`: the replica labels are gone.
              const before = expr.slice(0, match.index);
              const by = /\b(?:min|max|sum|count) by \(([^)]*)\) \($/.exec(before);
              expect(by, `${panel.key} ${target.refId}: select ${name} inside min/max/sum/count by (...)`).not.toBeNull();
              const labels = (by?.[1] ?? '').split(',').map((label) => label.trim());
              for (const replicaLabel of ['instance', 'pod', 'job']) expect(labels, `${panel.key} ${target.refId}`).not.toContain(replicaLabel);
            }
          }
        }
      }
    }
  });
});
