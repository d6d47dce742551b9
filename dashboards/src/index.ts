/**
 * The apim-netwatch Grafana dashboards, built as code with @grafana/grafana-foundation-sdk.
 *
 *   npx tsx scripts/build-dashboards.ts   writes dashboards/<uid>.json and helm/apim-netwatch/dashboards/<uid>.json
 *
 * For tests (test/dashboards.test.ts) and the end-to-end test: `listDashboards()` gives every
 * dashboard's uid, title and every panel target's PromQL (`expr`), `substituteVariables()` turns an
 * expr into plain PromQL with sample values for the template variables, and `EMPTY_WHEN_HEALTHY`
 * names the panels whose queries legitimately return nothing when the fleet is healthy.
 *
 * Panels that are empty when healthy (no fallback on purpose: a row in them *is* the problem):
 *   - apim-netwatch-fleet/failing-now     endpoints with apim_network_endpoint_up == 0
 *   - apim-netwatch-fleet/blocked-flows   required flows with apim_network_flow_allowed < 1
 *   - apim-netwatch-fleet/drifted         regions with apim_network_config_drift == 1
 *   - apim-netwatch-instance/admin-rules, route-unknown, private-dns   the layers around the subnet
 *     (instance-layers.ts): a row is a finding (private DNS: the instance is internal)
 * The demo fleet has a failing SQL, a stale Key Vault, a denied SQL flow and drift, so even these
 * return data against `serve --demo`. Every other query returns data for the demo fleet whenever the
 * variables match at least one instance (counts fall back to `or vector(0)`).
 * The instance dashboard's per-region panels return nothing for an instance without VNet (e.g. the
 * demo's legacy-portal: it has apim_instance_info and apim_netwatch_target_up only).
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { type BuiltDashboard, DEFAULT_PAGING } from './common.js';
import { fleetDashboard } from './fleet.js';
import { instanceDashboard } from './instance.js';
import { monitorDashboard } from './monitor.js';

export { UIDS, TAGS, DATASOURCE } from './common.js';
export { SCOPE_MATCHERS, scopeSelectors } from './scope.js';
export type { BuiltDashboard, PanelMeta } from './common.js';

/**
 * The schemaVersion written: 41, the latest that every Grafana 12 release migrates from (Grafana 12.2 added
 * migration 42, which only sets hideFrom.tooltip where an override hides a field from the visualization; the
 * dashboards have no such override, a test checks it). A version newer than the server's latest fails its
 * backend migration ("schema version not migrated to target version"), so Azure Managed Grafana on an older
 * 12.x would refuse 42.
 */
export const SCHEMA_VERSION = 41;

export function buildDashboards(): BuiltDashboard[] {
  return [fleetDashboard(), instanceDashboard(), monitorDashboard()].map((built) => ({ ...built, json: { ...built.json, schemaVersion: SCHEMA_VERSION } }));
}

/** The file content written for a dashboard (stable key order as built, 2-space indent, newline). */
export function renderDashboard(built: BuiltDashboard): string {
  return `${JSON.stringify(built.json, null, 2)}\n`;
}

/** Where the JSON is written, relative to the repository root. */
export const OUTPUT_DIRS = ['dashboards', 'helm/apim-netwatch/dashboards'] as const;

export interface DashboardTarget {
  refId: string;
  expr: string;
  /** Instant query (tables and stats) or range query (time series, timelines). */
  instant: boolean;
}

export interface DashboardPanelInfo {
  id: number;
  /** Stable key, `<dashboard uid>/<panel key>`. */
  key: string;
  title: string;
  type: string;
  emptyWhenHealthy: boolean;
  targets: DashboardTarget[];
}

export interface DashboardInfo {
  uid: string;
  title: string;
  panels: DashboardPanelInfo[];
  /** Query-variable definitions (`label_values(<selector>, <label>)`), by variable name. */
  variableQueries: Record<string, string>;
}

interface TargetLike {
  refId?: string;
  expr?: string;
  instant?: boolean;
}

export function describeDashboard(built: BuiltDashboard): DashboardInfo {
  const meta = new Map(built.panels.map((panel) => [panel.id, panel]));
  const panels: DashboardPanelInfo[] = [];
  for (const panel of (built.json.panels ?? []) as (dashboard.Panel | dashboard.RowPanel)[]) {
    if (panel.type === 'row') continue;
    const full = panel as dashboard.Panel;
    const info = full.id === undefined ? undefined : meta.get(full.id);
    if (!info) throw new Error(`${built.uid}: panel "${full.title}" was not registered`);
    panels.push({
      id: info.id,
      key: `${built.uid}/${info.key}`,
      title: full.title ?? '',
      type: full.type,
      emptyWhenHealthy: info.emptyWhenHealthy,
      targets: ((full.targets ?? []) as TargetLike[]).map((target) => ({
        refId: target.refId ?? 'A',
        expr: target.expr ?? '',
        instant: target.instant === true,
      })),
    });
  }
  const variableQueries: Record<string, string> = {};
  for (const variable of built.json.templating?.list ?? []) {
    if (variable.type === 'query' && typeof variable.query === 'string') variableQueries[variable.name] = variable.query;
  }
  return { uid: built.uid, title: built.title, panels, variableQueries };
}

/** Every dashboard: uid, title, and every panel target's `expr` (with Grafana variables). */
export function listDashboards(): DashboardInfo[] {
  return buildDashboards().map(describeDashboard);
}

/** `<uid>/<panel key>` of the panels whose queries return no series when all is well. */
export const EMPTY_WHEN_HEALTHY: readonly string[] = listDashboards()
  .flatMap((info) => info.panels)
  .filter((panel) => panel.emptyWhenHealthy)
  .map((panel) => panel.key);

/**
 * Sample values for every variable the dashboards use: "All" (`.*`) for the scope and instance variables, the
 * default paging policy, and typical values for Grafana's interval variables.
 */
export const SAMPLE_VARIABLE_VALUES: Readonly<Record<string, string>> = {
  datasource: 'prometheus',
  cluster: '.*',
  job: '.*',
  subscription_id: '.*',
  resource_group: '.*',
  apim_service: '.*',
  location: '.*',
  paging_required: DEFAULT_PAGING.required,
  paging_any: DEFAULT_PAGING.any,
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
};

/**
 * Replaces `$name`, `${name}`, `${name:format}` and `[[name]]` with `values[name]` (default: the
 * sample values). Throws on a variable it has no value for, so a typo in a dashboard fails the tests.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>> = SAMPLE_VARIABLE_VALUES): string {
  const lookup = (name: string): string => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for variable $${name} in: ${expr}`);
    return value;
  };
  return expr
    .replace(/\$\{(\w+)(?::[^}]*)?\}/g, (_, name: string) => lookup(name))
    .replace(/\[\[(\w+)(?::[^\]]*)?\]\]/g, (_, name: string) => lookup(name))
    .replace(/\$(\w+)/g, (_, name: string) => lookup(name));
}
