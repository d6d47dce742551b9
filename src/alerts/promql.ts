import type { RulesOptions } from './types.js';

/** PromQL building blocks shared by the rule groups. */

/** The labels that identify one APIM instance in one region (docs/design.md, "Metrics"). */
export const REGION = 'subscription_id, resource_group, apim_service, location';

/** Joins a multi-line PromQL literal into its lines, without the source's indentation. */
export function promql(strings: TemplateStringsArray, ...values: string[]): string {
  const text = strings.reduce((out, part, i) => out + part + (values[i] ?? ''), '');
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim()).map((line) => line.match(/^ */)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}

/**
 * `metric` restricted to the series whose failure pages: the paging policy's required-endpoint
 * dependencies on their `required="true"` series, its any-endpoint dependencies on every series.
 */
export function pagingSeries(metric: string, options: RulesOptions, extra = ''): string {
  return `${metric}{dependency=~"${options.pagingRequiredRegex}",required="true"${extra}}\nor\n${metric}{dependency=~"${options.pagingAnyRegex}"${extra}}`;
}

/**
 * A flow `metric` restricted to the flows that gate: required by Microsoft's table (`required="true"`), or
 * of a dependency that pages on any endpoint (Graph's Entra flow, which the table marks optional).
 */
export function gatingFlows(metric: string, options: RulesOptions): string {
  return `${metric}{required="true"}\nor\n${metric}{dependency=~"${options.pagingAnyRegex}"}`;
}

/** Indents every line after the first (a multi-line selector inside a promql`` block). */
export const indented = (text: string, spaces: number): string => text.split('\n').join(`\n${' '.repeat(spaces)}`);

/**
 * The tail that keeps a per-dependency series only where the dependency gates (one of its flows is required or
 * pages): route families have no `required` label of their own.
 */
export function onGatingDependency(options: RulesOptions): string {
  return `and on (${REGION}, dependency)\n  group by (${REGION}, dependency) (\n    ${indented(gatingFlows('apim_network_flow_allowed', options), 4)}\n  )`;
}

/** The labels of one APIM instance, whatever its region. */
export const INSTANCE = 'subscription_id, resource_group, apim_service';

/**
 * The tail that drops an instance while it transitions (apim_netwatch_instance_transitioning 1): NetworkStatus
 * refuses to answer, and its last status is held as it was read, so nothing of it is news. Past the monitor's
 * grace the gauge is 0 and the alerts hold no longer.
 */
export const UNLESS_TRANSITIONING = `unless on (${INSTANCE})\n  max by (${INSTANCE}) (apim_netwatch_instance_transitioning) == 1`;
