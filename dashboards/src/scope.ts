/**
 * The `cluster` and `job` scope of every dashboard query: which Prometheus/cluster and which apim-netwatch
 * release (its `job`, the chart's `scrapeJob`) the panels show. Two releases in one Prometheus, or several
 * clusters writing to one Azure Monitor workspace (the managed add-on labels every series with `cluster`),
 * would otherwise be merged by the panels' `min by`/`max by` over the instance labels.
 *
 * "All" is the regex `.*`, which also matches a series without the label: a Prometheus that adds no
 * `cluster` label (kube-prometheus-stack) keeps working, with `$cluster` offering only "All".
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/** The matchers every selector gets, in this order. */
export const SCOPE_MATCHERS = ['cluster=~"$cluster"', 'job=~"$job"'] as const;

/** The metric the scope variables read their values from: every replica of every release exports it. */
const SCOPE_METRIC = 'apim_netwatch_build_info';

const KEYWORDS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2',
]);
/** Keywords followed by a parenthesised label list (not a sub-expression). */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** The index just past the bracket that closes the one at `start` (`(`/`[`/`{`), strings skipped. */
function closing(expr: string, start: number): number {
  const open = expr[start] as string;
  const close = ({ '(': ')', '[': ']', '{': '}' } as Record<string, string>)[open];
  let depth = 0;
  for (let i = start; i < expr.length; i++) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || c === '`') i = stringEnd(expr, i) - 1;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced ${open} in: ${expr}`);
}

/** The index just past the string literal starting at `start`. */
function stringEnd(expr: string, start: number): number {
  const quote = expr[start];
  for (let i = start + 1; i < expr.length; i++) {
    if (expr[i] === '\\' && quote !== '`') i++;
    else if (expr[i] === quote) return i + 1;
  }
  throw new Error(`unterminated string in: ${expr}`);
}

/** `name{a}` -> `name{<matchers>, a}`; `name` -> `name{<matchers>}`. */
function scoped(name: string, braces: string | undefined, matchers: readonly string[]): string {
  const inner = braces === undefined ? '' : braces.slice(1, -1).trim();
  return `${name}{${[...matchers, ...(inner ? [inner] : [])].join(', ')}}`;
}

/**
 * Adds `matchers` to every vector selector of a PromQL expression (metric names, not functions, keywords,
 * label lists, strings, durations or Grafana `$variables`). Throws on unbalanced brackets.
 */
export function scopeSelectors(expr: string, matchers: readonly string[] = SCOPE_MATCHERS): string {
  let out = '';
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const end = stringEnd(expr, i);
      out += expr.slice(i, end);
      i = end;
    } else if (c === '[' || (c === '{' && !/[a-zA-Z0-9_:]$/.test(out))) {
      const end = closing(expr, i);
      out += expr.slice(i, end);
      i = end;
    } else if (/[a-zA-Z_:]/.test(c) && !/[a-zA-Z0-9_:.$]/.test(expr[i - 1] ?? '')) {
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))?.[0] as string;
      let next = i + name.length;
      const gap = /^\s*/.exec(expr.slice(next))?.[0] ?? '';
      const following = expr[next + gap.length];
      if (LABEL_LISTS.has(name) && following === '(') {
        const end = closing(expr, next + gap.length);
        out += expr.slice(i, end);
        i = end;
      } else if (following === '(' || KEYWORDS.has(name.toLowerCase())) {
        out += name;
        i = next;
      } else {
        const braces = expr[next] === '{' ? expr.slice(next, closing(expr, next)) : undefined;
        if (braces !== undefined) next += braces.length;
        out += scoped(name, braces, matchers);
        i = next;
      }
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const ALL: dashboard.VariableOption = { selected: true, text: 'All', value: '$__all' };

function scopeVariable(name: 'cluster' | 'job', label: string, description: string, selector: string): dashboard.QueryVariableBuilder {
  const query = `label_values(${SCOPE_METRIC}${selector}, ${name})`;
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource({ type: 'prometheus', uid: '${datasource}' })
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current(ALL);
}

/** `$cluster` (the managed add-on's `cluster` label; only "All" without one), then `$job` (the release). */
export function scopeVariables(): cog.Builder<dashboard.VariableModel>[] {
  return [
    scopeVariable('cluster', 'Cluster', 'The `cluster` label (Azure Monitor managed Prometheus adds it to every series). Without it, only All, which matches every series.', ''),
    scopeVariable('job', 'Release (job)', "The apim-netwatch release: its `job` label (the chart's scrapeJob).", `{${SCOPE_MATCHERS[0]}}`),
  ];
}
