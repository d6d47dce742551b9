import type { InstanceReport } from '../analysis/report.js';
import { formatValue, labelValue } from './exposition.js';
import type { FleetFamily } from './families.js';

/** An instance's lines, family by family: what the exposition store keeps. */

/** `{subscription_id="…",…,location="…"` of one instance, escaped once per region instead of once per series (values cut as every label value is). */
export type PrefixOf = (location: string) => string;

export function instancePrefixes(instance: InstanceReport): PrefixOf {
  const info = instance.instance;
  const base =
    `{subscription_id="${labelValue(info.subscriptionId)}",resource_group="${labelValue(info.resourceGroup)}"` +
    `,apim_service="${labelValue(info.name)}",location="`;
  const prefixes = new Map<string, string>();
  return (location) => {
    let prefix = prefixes.get(location);
    if (prefix === undefined) {
      prefix = `${base}${labelValue(location)}"`;
      prefixes.set(location, prefix);
    }
    return prefix;
  };
}

/** One family's lines of one instance, and how many series they are. */
export interface FamilyLines {
  text: string;
  series: number;
}

/**
 * One family's lines of one instance (every region), written the way prom-client writes them:
 * instance labels, then the family's labels, prom-client's escaping and number format
 * (test/metrics-golden.test.ts compares the two). Undefined when the instance has no series in it.
 */
export function renderFamilyLines(instance: InstanceReport, family: FleetFamily, prefixOf: PrefixOf): FamilyLines | undefined {
  const heads = family.labelNames.map((name) => `,${name}="`);
  const name = family.name;
  let text = '';
  let series = 0;
  family.rows(instance, (location, values, value) => {
    let line = name + prefixOf(location);
    for (let i = 0; i < heads.length; i++) line += heads[i]! + labelValue(values[i]!) + '"';
    text += `${line}} ${formatValue(value)}\n`;
    series++;
  });
  return series > 0 ? { text, series } : undefined;
}
