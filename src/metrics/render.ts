import type { InstanceReport } from '../analysis/report.js';
import { escapeLabelValue, formatValue } from './exposition.js';
import { FLEET_FAMILIES, type FleetFamily } from './families.js';

/** `,name="` per label of a family, built once per family list. */
const labelHeads = new WeakMap<FleetFamily, string[]>();

function headsOf(family: FleetFamily): string[] {
  let heads = labelHeads.get(family);
  if (!heads) {
    heads = family.labelNames.map((name) => `,${name}="`);
    labelHeads.set(family, heads);
  }
  return heads;
}

/**
 * One instance's lines, one string per family (in `families` order), written the way prom-client
 * writes them: instance labels, then the family's labels, prom-client's escaping and number format.
 * The instance label prefix is escaped once per region instead of once per series.
 */
export function renderInstanceBlocks(instance: InstanceReport, families: readonly FleetFamily[] = FLEET_FAMILIES): string[] {
  const info = instance.instance;
  const base =
    `{subscription_id="${escapeLabelValue(info.subscriptionId)}",resource_group="${escapeLabelValue(info.resourceGroup)}"` +
    `,apim_service="${escapeLabelValue(info.name)}",location="`;
  const prefixes = new Map<string, string>();
  const prefixOf = (location: string): string => {
    let prefix = prefixes.get(location);
    if (prefix === undefined) {
      prefix = `${base}${escapeLabelValue(location)}"`;
      prefixes.set(location, prefix);
    }
    return prefix;
  };
  const blocks: string[] = new Array<string>(families.length);
  for (let f = 0; f < families.length; f++) {
    const family = families[f]!;
    const heads = headsOf(family);
    const name = family.name;
    // Lines collected and joined once: join writes one flat string, where `+=` would leave a rope
    // that every later read (the fleet text's join, a scrape) has to flatten first.
    const lines: string[] = [];
    family.rows(instance, (location, values, value) => {
      let line = name + prefixOf(location);
      for (let i = 0; i < heads.length; i++) line += heads[i]! + escapeLabelValue(values[i]!) + '"';
      lines.push(`${line}} ${formatValue(value)}\n`);
    });
    blocks[f] = lines.join('');
  }
  return blocks;
}
