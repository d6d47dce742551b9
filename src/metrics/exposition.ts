/** Prometheus text exposition format 0.0.4, written by hand so a fleet's series render once per poll. */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

const NEEDS_ESCAPE = /[\\\n"]/;

/** As prom-client escapes: `\` `\n` `"`; most values need none, so test once before replacing. */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function formatSample(name: string, sample: Sample): string {
  const pairs = Object.entries(sample.labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  const labels = pairs.length > 0 ? `{${pairs.join(',')}}` : '';
  return `${name}${labels} ${formatValue(sample.value)}\n`;
}

export function familyHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
