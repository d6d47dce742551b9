import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { fleetOrder } from '../model/fleet-order.js';
import { escapeLabelValue, familyHeader, formatSample, formatValue, type Sample } from './exposition.js';
import { FLEET_FAMILIES, TARGET_UP_FAMILY, unresolvedTargetSamples, type FleetFamily } from './families.js';

/** `,name="` per label of a family (a few strings, made per family and instance: cheaper than any cache). */
const headsOf = (family: FleetFamily): string[] => family.labelNames.map((name) => `,${name}="`);

/** `{subscription_id="…",…,location="…"` of one instance, escaped once per region instead of once per series. */
export type PrefixOf = (location: string) => string;

export function instancePrefixes(instance: InstanceReport): PrefixOf {
  const info = instance.instance;
  const base =
    `{subscription_id="${escapeLabelValue(info.subscriptionId)}",resource_group="${escapeLabelValue(info.resourceGroup)}"` +
    `,apim_service="${escapeLabelValue(info.name)}",location="`;
  const prefixes = new Map<string, string>();
  return (location) => {
    let prefix = prefixes.get(location);
    if (prefix === undefined) {
      prefix = `${base}${escapeLabelValue(location)}"`;
      prefixes.set(location, prefix);
    }
    return prefix;
  };
}

/** Counts the series a render wrote. */
export interface SeriesTally {
  series: number;
}

/**
 * One family's lines of one instance, written the way prom-client writes them: instance labels, then
 * the family's labels, prom-client's escaping and number format.
 */
function renderFamilyLines(instance: InstanceReport, family: FleetFamily, prefixOf: PrefixOf, tally?: SeriesTally): string {
  const heads = headsOf(family);
  const name = family.name;
  let lines = '';
  family.rows(instance, (location, values, value) => {
    if (tally) tally.series++;
    let line = name + prefixOf(location);
    for (let i = 0; i < heads.length; i++) line += heads[i]! + escapeLabelValue(values[i]!) + '"';
    lines += `${line}} ${formatValue(value)}\n`;
  });
  return lines;
}

/**
 * One family's text as it is written out, instance after instance: HELP/TYPE before its first line,
 * nothing at all for a family without series. Byte for byte what a prom-client registry of the same
 * gauges writes for the family (test/metrics-golden.test.ts), without the blank line after it.
 */
export class FamilyText {
  private headed = false;

  constructor(
    readonly family: FleetFamily,
    private readonly sink: (text: string) => void,
    private readonly tally?: SeriesTally,
  ) {}

  instance(instance: InstanceReport, prefixOf: PrefixOf): void {
    this.put(renderFamilyLines(instance, this.family, prefixOf, this.tally));
  }

  /** Series that are not an instance's (the unresolved targets of `apim_netwatch_target_up`). */
  samples(samples: readonly Sample[]): void {
    for (const sample of samples) {
      if (this.tally) this.tally.series++;
      this.put(formatSample(this.family.name, sample));
    }
  }

  private put(lines: string): void {
    if (!lines) return;
    if (!this.headed) this.sink(familyHeader(this.family.name, this.family.help, this.family.type));
    this.headed = true;
    this.sink(lines);
  }
}

/** The series that close a family: configured but unresolved targets follow the instances in `apim_netwatch_target_up`. */
export function closingSamples(family: FleetFamily, report: Pick<FleetReport, 'unresolvedTargets'>): Sample[] {
  return family.name === TARGET_UP_FAMILY ? unresolvedTargetSamples(report) : [];
}

/** One instance's lines, one string per family (in `families` order): tests and tools. */
export function renderInstanceBlocks(instance: InstanceReport, families: readonly FleetFamily[] = FLEET_FAMILIES): string[] {
  const prefixOf = instancePrefixes(instance);
  return families.map((family) => renderFamilyLines(instance, family, prefixOf));
}

/** The exposition's instance order (fleetOrder); the last report of an ID wins, should one come twice. */
export function orderedInstances(report: Pick<FleetReport, 'instances'>): InstanceReport[] {
  const byId = new Map<string, InstanceReport>();
  for (const instance of report.instances) byId.set(instance.instance.id, instance);
  return fleetOrder([...byId.values()], (instance) => instance.instance);
}

/**
 * The whole fleet's exposition as one string (tests, one-shot tools): family after family, each
 * instance's lines in fleet order, then the family's closing samples.
 */
export function renderFleet(report: FleetReport, families: readonly FleetFamily[] = FLEET_FAMILIES): string {
  const instances = orderedInstances(report);
  const prefixes = instances.map(instancePrefixes);
  let text = '';
  for (const family of families) {
    const out = new FamilyText(family, (lines) => (text += lines));
    instances.forEach((instance, i) => out.instance(instance, prefixes[i]!));
    out.samples(closingSamples(family, report));
  }
  return text;
}
