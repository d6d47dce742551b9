/**
 * Shared pieces of the apim-netwatch Grafana dashboards: the datasource reference, the template
 * variables, PromQL label selectors, value mappings, data links and a small panel registry that gives
 * every panel a stable id and key (the key is what `EMPTY_WHEN_HEALTHY` and the e2e test refer to).
 *
 * Metric contract: docs/design.md, "Metrics", and src/metrics/families.ts. Every fleet series carries
 * subscription_id, resource_group, apim_service and location; Prometheus adds instance/job/pod per
 * replica, so every fleet query aggregates with `max by (...)` / `min by (...)` over the contract's
 * labels only: two replicas of the exporter never double a series on a dashboard.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat, QueryEditorMode } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanelBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { DEFAULT_PAGING_POLICY, pagingRegexes } from '../../src/analysis/paging-policy.js';
import { SCOPE_MATCHERS, scopeSelectors, scopeVariables } from './scope.js';

export const UIDS = {
  fleet: 'apim-netwatch-fleet',
  instance: 'apim-netwatch-instance',
  monitor: 'apim-netwatch-monitor',
} as const;

export const TAGS = ['apim', 'apim-netwatch', 'azure'];

/** Every panel, target and query variable uses the `$datasource` variable, never a fixed datasource. */
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** The service's default paging policy (`paging.dependencies`) as the dashboards' two regex variables. */
export const DEFAULT_PAGING = pagingRegexes(DEFAULT_PAGING_POLICY);

/** Staleness window default (`staleAfterSeconds`), drawn as a threshold on age panels. */
export const DEFAULT_STALE_AFTER_SECONDS = 2100;

// ---------------------------------------------------------------------------------------------
// PromQL helpers
// ---------------------------------------------------------------------------------------------

export const INSTANCE_LABELS = 'subscription_id, resource_group, apim_service';
export const REGION_LABELS = `${INSTANCE_LABELS}, location`;
export const ENDPOINT_LABELS = `${REGION_LABELS}, dependency, resource_type, endpoint, required`;

const FILTERS = {
  subscription_id: 'subscription_id=~"$subscription_id"',
  resource_group: 'resource_group=~"$resource_group"',
  apim_service: 'apim_service=~"$apim_service"',
  location: 'location=~"$location"',
};

/** `{subscription_id=~"$subscription_id",...,location=~"$location",<extra>}` */
export function sel(...extra: string[]): string {
  return `{${[...Object.values(FILTERS), ...extra].join(', ')}}`;
}

/**
 * The same without `location`: for `apim_netwatch_target_up`, whose location is the primary region,
 * so that choosing a secondary region does not hide the instance's readability.
 */
export function selInstance(...extra: string[]): string {
  return `{${[FILTERS.subscription_id, FILTERS.resource_group, FILTERS.apim_service, ...extra].join(', ')}}`;
}

/**
 * `min by (by)` of the dependency roll-ups whose failure pages, by the paging policy: the required endpoints of the
 * `$paging_required` dependencies, any endpoint of the `$paging_any` ones (an optional FileStorage failing
 * under an SMB-blocking baseline is not counted).
 */
export function pagingDependencyUp(by: string): string {
  return `min by (${by}) (apim_network_dependency_up${sel('dependency=~"$paging_required"', 'required="true"')}) or min by (${by}) (apim_network_dependency_up${sel('dependency=~"$paging_any"')})`;
}

/**
 * Process metrics (prom-client defaults) of the apim-netwatch replicas only: other jobs export the
 * same names, so they are joined with the exporter's own build_info series.
 */
export function ownProcess(metricExpr: string): string {
  return `(${metricExpr} and on (job, instance) apim_netwatch_build_info)`;
}

// ---------------------------------------------------------------------------------------------
// Queries, variables, links
// ---------------------------------------------------------------------------------------------

export interface QueryOptions {
  refId?: string;
  legend?: string;
  /** Instant query (tables, stats); range otherwise. */
  instant?: boolean;
  /** Table format (one row per series, labels as columns). */
  table?: boolean;
}

/** A Prometheus query; every selector in `expr` gets the `$cluster`/`$job` scope (scope.ts). */
export function prom(expr: string, options: QueryOptions = {}): DataqueryBuilder {
  const builder = new DataqueryBuilder()
    .datasource(DATASOURCE)
    .editorMode(QueryEditorMode.Code)
    .expr(scopeSelectors(expr))
    .refId(options.refId ?? 'A');
  if (options.legend !== undefined) builder.legendFormat(options.legend);
  if (options.instant) builder.instant();
  else builder.range();
  if (options.table) builder.format(PromQueryFormat.Table);
  return builder;
}

export function datasourceVariable(): cog.Builder<dashboard.VariableModel> {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

const ALL: dashboard.VariableOption = { selected: true, text: 'All', value: '$__all' };

function instanceVariable(
  name: keyof typeof FILTERS,
  label: string,
  parents: (keyof typeof FILTERS)[],
  options: { single?: boolean } = {},
): dashboard.QueryVariableBuilder {
  const selector = `{${[...SCOPE_MATCHERS, ...parents.map((parent) => FILTERS[parent])].join(', ')}}`;
  const query = `label_values(apim_instance_info${selector}, ${name})`;
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  if (options.single) return variable.multi(false).includeAll(false);
  return variable.multi(true).includeAll(true).allValue('.*').current(ALL);
}

/**
 * cluster -> job (scope.ts), then subscription_id -> resource_group -> apim_service -> location, chained query
 * variables on `apim_instance_info` (multi-value, "All" = `.*`). The instance dashboard selects one instance.
 */
export function instanceVariables(options: { singleService?: boolean } = {}): cog.Builder<dashboard.VariableModel>[] {
  return [
    ...scopeVariables(),
    instanceVariable('subscription_id', 'Subscription', []),
    instanceVariable('resource_group', 'Resource group', ['subscription_id']),
    instanceVariable('apim_service', 'APIM service', ['subscription_id', 'resource_group'], { single: options.singleService ?? false }),
    instanceVariable('location', 'Region', ['subscription_id', 'resource_group', 'apim_service']),
  ];
}

/** The paging policy (README `paging.dependencies`) as two regexes the operator can adjust. */
export function pagingVariables(): cog.Builder<dashboard.VariableModel>[] {
  const variable = (name: string, label: string, description: string, value: string) =>
    new dashboard.TextBoxVariableBuilder(name).label(label).description(description).defaultValue(value).current({ selected: true, text: value, value });
  return [
    variable('paging_required', 'Paging on required endpoints (regex)', 'Dependencies that page when an endpoint the API marks required fails: those set to "required" in the service\'s paging.dependencies.', DEFAULT_PAGING.required),
    variable('paging_any', 'Paging on any endpoint (regex)', 'Dependencies that page when any endpoint fails: those set to "any" in the service\'s paging.dependencies.', DEFAULT_PAGING.any),
  ];
}

/**
 * A builder around a plain object, for the few objects whose SDK builder adds defaults we do not want
 * (the SDK puts dashboard links and annotations `placement: "inControlsMenu"` by default, and field
 * data links only need title, url and targetBlank).
 */
function plain<T>(value: T): cog.Builder<T> {
  return { build: () => value };
}

/** Dashboard links: every apim-netwatch dashboard (by tag), keeping variables and time range. */
export function dashboardLinks(): cog.Builder<dashboard.DashboardLink>[] {
  return [
    plain<dashboard.DashboardLink>({
      title: 'APIM netwatch',
      type: dashboard.DashboardLinkType.Dashboards,
      icon: 'external link',
      tooltip: '',
      tags: ['apim-netwatch'],
      asDropdown: false,
      targetBlank: false,
      includeVars: true,
      keepTime: true,
    }),
  ];
}

/** Grafana's built-in "Annotations & Alerts" annotation, as Grafana itself saves it. */
function builtInAnnotation(): cog.Builder<dashboard.AnnotationQuery> {
  return plain<dashboard.AnnotationQuery>({
    builtIn: 1,
    datasource: { type: 'grafana', uid: '-- Grafana --' },
    enable: true,
    hide: true,
    iconColor: 'rgba(0, 211, 255, 1)',
    name: 'Annotations & Alerts',
    type: 'dashboard',
  });
}

/** A field data link (`fieldConfig.defaults.links[]`): Grafana reads title, url and targetBlank. */
function dataLink(title: string, url: string): cog.Builder<dashboard.DashboardLink> {
  return plain({ title, url, targetBlank: false } as unknown as dashboard.DashboardLink);
}

type LinkSource = 'row' | 'series';

function fieldRef(source: LinkSource, label: string): string {
  return source === 'row' ? `\${__data.fields.${label}}` : `\${__field.labels.${label}}`;
}

const INSTANCE_VARIABLES = ['subscription_id', 'resource_group', 'apim_service', 'location'] as const;
type InstanceVariable = (typeof INSTANCE_VARIABLES)[number];

/**
 * Link to the instance dashboard for the instance of the clicked row (table) or series (timeline),
 * keeping the datasource and the time range. Variables whose label the row/series does not carry
 * are passed as All.
 */
export function instanceDataLink(source: LinkSource, carried: readonly InstanceVariable[] = INSTANCE_VARIABLES): cog.Builder<dashboard.DashboardLink> {
  const params = [
    '${datasource:queryparam}',
    '${cluster:queryparam}',
    '${job:queryparam}',
    ...INSTANCE_VARIABLES.map((name) => `var-${name}=${carried.includes(name) ? fieldRef(source, name) : '$__all'}`),
    '${__url_time_range}',
  ];
  return dataLink(`Instance detail: ${fieldRef(source, 'apim_service')}`, `/d/${UIDS.instance}/apim-netwatch-instance?${params.join('&')}`);
}

/** Panel (header) link to the instance dashboard carrying the current variables. */
export function instancePanelLink(): cog.Builder<dashboard.DashboardLink> {
  return dataLink('Instance detail', `/d/${UIDS.instance}/apim-netwatch-instance?\${__all_variables}&\${__url_time_range}`);
}

// ---------------------------------------------------------------------------------------------
// Value mappings and thresholds
// ---------------------------------------------------------------------------------------------

export function valueMap(entries: [value: string, text: string, color: string][]): dashboard.ValueMapping {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  entries.forEach(([value, text, color], index) => {
    options[value] = { text, color, index };
  });
  return { type: dashboard.MappingType.ValueToText, options };
}

/** Shown for a cell without a series (e.g. a dependency an instance does not report). */
const NO_SERIES: dashboard.ValueMapping = {
  type: dashboard.MappingType.SpecialValue,
  options: { match: dashboard.SpecialValueMatch.Null, result: { text: '-', color: 'transparent', index: 10 } },
};

export const MAPPINGS = {
  upDown: [valueMap([['1', 'UP', 'green'], ['0', 'DOWN', 'red']]), NO_SERIES],
  flow: [valueMap([['1', 'allowed', 'green'], ['0.5', 'partial', 'orange'], ['0', 'denied', 'red']])],
  route: [valueMap([['1', 'OK', 'green'], ['0', 'WRONG NEXT HOP', 'red']])],
  stale: [valueMap([['0', 'fresh', 'green'], ['1', 'STALE', 'orange']])],
  failureKind: [valueMap([['0', 'FAILURE', 'red'], ['1', 'STALE (not refreshed)', 'orange']])],
  serviceEndpoint: [valueMap([['1', 'enabled', 'green'], ['0', 'missing', 'text']]), NO_SERIES],
  forcedTunnelling: [valueMap([['1', 'YES', 'orange'], ['0', 'no', 'text']])],
  nsgAttached: [valueMap([['1', 'yes', 'green'], ['0', 'NO NSG', 'orange']])],
  drift: [valueMap([['0', 'in line', 'green'], ['1', 'DRIFTED', 'orange']])],
  readable: [valueMap([['1', 'readable', 'green'], ['0', 'UNREADABLE', 'red']])],
  statusEntries: [valueMap([['0', 'NO DATA', 'red']])],
} satisfies Record<string, dashboard.ValueMapping[]>;

export function thresholds(steps: [value: number | null, color: string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** Counts that should be zero: green at 0, red from 1. */
export const ZERO_IS_GOOD = (): dashboard.ThresholdsConfigBuilder => thresholds([[null, 'green'], [1, 'red']]);

export function fixedColor(color: string): dashboard.FieldColorBuilder {
  return new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Fixed).fixedColor(color);
}

export const THRESHOLD_COLORS = (): dashboard.FieldColorBuilder => new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds);

/** Table cell coloured by its value mapping / threshold colour (text and colour, never colour alone). */
export const COLOR_BACKGROUND: common.TableCellOptions = { type: common.TableCellDisplayMode.ColorBackground, mode: common.TableCellBackgroundDisplayMode.Basic };
export const COLOR_TEXT: common.TableCellOptions = { type: common.TableCellDisplayMode.ColorText };

/** Override properties for a table column: display name, optional mappings, unit and coloured cells. */
export function column(
  displayName: string,
  options: { mappings?: dashboard.ValueMapping[]; unit?: string; cell?: common.TableCellOptions; thresholds?: dashboard.ThresholdsConfig; width?: number } = {},
): dashboard.DynamicConfigValue[] {
  const properties: dashboard.DynamicConfigValue[] = [{ id: 'displayName', value: displayName }];
  if (options.mappings) properties.push({ id: 'mappings', value: options.mappings });
  if (options.unit) properties.push({ id: 'unit', value: options.unit });
  if (options.thresholds) {
    properties.push({ id: 'thresholds', value: options.thresholds });
    properties.push({ id: 'color', value: { mode: dashboard.FieldColorModeId.Thresholds } });
  }
  if (options.cell) properties.push({ id: 'custom.cellOptions', value: options.cell });
  if (options.width) properties.push({ id: 'custom.width', value: options.width });
  return properties;
}

// ---------------------------------------------------------------------------------------------
// Transformations
// ---------------------------------------------------------------------------------------------

export const MERGE: dashboard.DataTransformerConfig = { id: 'merge', options: {} };

export function organize(options: { exclude?: string[]; order?: string[]; rename?: Record<string, string> }): dashboard.DataTransformerConfig {
  return {
    id: 'organize',
    options: {
      excludeByName: Object.fromEntries((options.exclude ?? []).map((name) => [name, true])),
      indexByName: Object.fromEntries((options.order ?? []).map((name, index) => [name, index])),
      renameByName: options.rename ?? {},
    },
  };
}

export function groupingToMatrix(rowField: string, columnField: string, valueField = 'Value'): dashboard.DataTransformerConfig {
  return { id: 'groupingToMatrix', options: { rowField, columnField, valueField, emptyValue: 'null' } };
}

// ---------------------------------------------------------------------------------------------
// Panel registry
// ---------------------------------------------------------------------------------------------

export interface PanelMeta {
  id: number;
  /** Stable key, unique within the dashboard (e.g. `failing-now`). */
  key: string;
  /** The panel's queries legitimately return no series when the fleet is healthy. */
  emptyWhenHealthy: boolean;
}

interface PanelLike<T> extends cog.Builder<T> {
  id(id: number): this;
  datasource(datasource: common.DataSourceRef): this;
}

/** Hands out stable panel ids in declaration order and remembers each panel's key. */
export class PanelRegistry {
  private nextId = 1;
  readonly panels: PanelMeta[] = [];

  /** Registers a panel: stable id, the `$datasource` reference, its key. */
  add<T, B extends PanelLike<T>>(key: string, builder: B, options: { emptyWhenHealthy?: boolean } = {}): B {
    if (this.panels.some((panel) => panel.key === key)) throw new Error(`duplicate panel key ${key}`);
    const id = this.nextId++;
    this.panels.push({ id, key, emptyWhenHealthy: options.emptyWhenHealthy ?? false });
    return builder.id(id).datasource(DATASOURCE);
  }

  row(title: string): dashboard.RowBuilder {
    return new dashboard.RowBuilder(title).id(this.nextId++).datasource(DATASOURCE);
  }
}

export interface BuiltDashboard {
  uid: string;
  title: string;
  json: dashboard.Dashboard;
  panels: PanelMeta[];
}

/** Common dashboard settings: uid, tags, time, refresh, variables, links. */
export function baseDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(TAGS)
    .editable()
    .timezone('browser')
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .links(dashboardLinks())
    .annotation(builtInAnnotation());
}

// ---------------------------------------------------------------------------------------------
// Panel shapes used on several dashboards
// ---------------------------------------------------------------------------------------------

/** A single-number stat of an instant query, coloured by thresholds. */
export function statPanel(
  title: string,
  description: string,
  expr: string,
  options: { thresholds?: dashboard.ThresholdsConfigBuilder; unit?: string; mappings?: dashboard.ValueMapping[]; decimals?: number } = {},
): StatPanelBuilder {
  const builder = new StatPanelBuilder()
    .title(title)
    .description(description)
    .withTarget(prom(expr, { instant: true }))
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .textMode(common.BigValueTextMode.Value)
    .thresholds(options.thresholds ?? ZERO_IS_GOOD())
    .colorScheme(THRESHOLD_COLORS())
    .unit(options.unit ?? 'none')
    .height(4);
  if (options.mappings) builder.mappings(options.mappings);
  if (options.decimals !== undefined) builder.decimals(options.decimals);
  return builder;
}

/** A table of instant queries in table format. */
export function tablePanel(title: string, description: string, targets: cog.Builder<cog.Dataquery>[]): TablePanelBuilder {
  return new TablePanelBuilder()
    .title(title)
    .description(description)
    .targets(targets)
    .cellHeight(common.TableCellHeight.Sm)
    .filterable(true);
}

/** A time series panel with a table legend. */
export function timeSeriesPanel(title: string, description: string, targets: cog.Builder<cog.Dataquery>[], unit = 'short'): TimeSeriesPanelBuilder {
  return new TimeSeriesPanelBuilder()
    .title(title)
    .description(description)
    .targets(targets)
    .unit(unit)
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(['lastNotNull', 'max']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

/** A state timeline of 1/0 series with UP/DOWN mappings (text and colour). */
export function upDownTimeline(title: string, description: string, target: cog.Builder<cog.Dataquery>): StateTimelinePanelBuilder {
  return new StateTimelinePanelBuilder()
    .title(title)
    .description(description)
    .withTarget(target)
    .mappings(MAPPINGS.upDown)
    .thresholds(thresholds([[null, 'red'], [1, 'green']]))
    .colorScheme(THRESHOLD_COLORS())
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80)
    .lineWidth(0)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Single).sort(common.SortOrder.None));
}
