import { createHash } from 'node:crypto';
import { cutText } from '../model/cut-text.js';

/** Prometheus text exposition format 0.0.4, written by hand so a fleet's series render once per poll. */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

const NEEDS_ESCAPE = /[\\\n"]/;

/** As prom-client escapes: `\` `\n` `"`; most values need none, so test once before replacing. */
function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The longest label value written, in characters. Azure's strings become labels (`changed_by`, rule names in
 * `decided_by`): a 10 kB author would make an 11 kB series, and Azure Monitor's managed Prometheus takes values
 * of at most 1023 characters. Names Azure accepts are far shorter than this.
 */
export const MAX_LABEL_VALUE = 256;

/**
 * A longer value ends `…[cut 1a2b3c4d]`: the start of its SHA-256, so two long values that share their first
 * characters stay two series instead of colliding into one.
 */
function cutLabelValue(value: string): string {
  const digest = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return cutText(value, MAX_LABEL_VALUE, `…[cut ${digest}]`);
}

/** A label value as written between the quotes: cut to `MAX_LABEL_VALUE`, then escaped. */
export function labelValue(value: string): string {
  return escapeLabelValue(value.length > MAX_LABEL_VALUE ? cutLabelValue(value) : value);
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
  const pairs = Object.entries(sample.labels).map(([key, value]) => `${key}="${labelValue(value)}"`);
  const labels = pairs.length > 0 ? `{${pairs.join(',')}}` : '';
  return `${name}${labels} ${formatValue(sample.value)}\n`;
}

export function familyHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
