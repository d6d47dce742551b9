import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { escapeLabelValue, familyHeader, formatSample, formatValue, type Sample } from './exposition.js';
import { compareIds, FLEET_FAMILIES, TARGET_UP_FAMILY, unresolvedTargetSamples, type FleetFamily } from './families.js';

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

/** `{subscription_id="…",…,location="…"` of one instance, escaped once per region instead of once per series. */
type PrefixOf = (location: string) => string;

function instancePrefixes(instance: InstanceReport): PrefixOf {
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

/** Counts the series a render wrote. */
export interface SeriesTally {
  series: number;
}

/** One instance's lines, one string per family (in `families` order): tests and tools. */
export function renderInstanceBlocks(instance: InstanceReport, families: readonly FleetFamily[] = FLEET_FAMILIES): string[] {
  const prefixOf = instancePrefixes(instance);
  return families.map((family) => renderFamilyLines(instance, family, prefixOf));
}

/** The exposition's instance order: by resource ID; the last report of an ID wins, should one come twice. */
function sortedInstances(report: FleetReport): InstanceReport[] {
  const byId = new Map<string, InstanceReport>();
  for (const instance of report.instances) byId.set(instance.instance.id, instance);
  return [...byId.keys()].sort(compareIds).map((id) => byId.get(id)!);
}

/**
 * The fleet's exposition as one sequence of strings per family (instances by resource ID), so that a
 * caller can compress the families side by side, as they are produced, instead of holding the whole
 * text (~60 MB at 1,000 instances x 2 regions). HELP/TYPE come once per family that has series;
 * configured but unresolved targets follow the instances in `apim_netwatch_target_up`. Put together
 * in order, byte for byte what a prom-client registry of the same gauges writes per family
 * (test/metrics-golden.test.ts), without the blank line prom-client puts between families and
 * without the headers of empty families.
 */
export function fleetExpositionByFamily(report: FleetReport, families: readonly FleetFamily[] = FLEET_FAMILIES, tally?: SeriesTally): Array<Iterable<string>> {
  const instances = sortedInstances(report);
  const prefixes = instances.map(instancePrefixes);
  const unresolved = unresolvedTargetSamples(report);
  return families.map((family) => familyChunks(family, instances, prefixes, family.name === TARGET_UP_FAMILY ? unresolved : [], tally));
}

/** A family's lines (each instance's, then `extra`), headed by HELP/TYPE once there is a first line. */
function* familyChunks(family: FleetFamily, instances: readonly InstanceReport[], prefixes: readonly PrefixOf[], extra: readonly Sample[], tally?: SeriesTally): Generator<string> {
  let headed = false;
  for (const lines of familyLines(family, instances, prefixes, extra, tally)) {
    if (!lines) continue;
    if (!headed) yield familyHeader(family.name, family.help, family.type);
    headed = true;
    yield lines;
  }
}

function* familyLines(family: FleetFamily, instances: readonly InstanceReport[], prefixes: readonly PrefixOf[], extra: readonly Sample[], tally?: SeriesTally): Generator<string> {
  for (let i = 0; i < instances.length; i++) yield renderFamilyLines(instances[i]!, family, prefixes[i]!, tally);
  for (const sample of extra) {
    if (tally) tally.series++;
    yield formatSample(family.name, sample);
  }
}

/** The whole fleet's exposition as one string (tests, one-shot tools). */
export function renderFleet(report: FleetReport, families: readonly FleetFamily[] = FLEET_FAMILIES): string {
  let text = '';
  for (const family of fleetExpositionByFamily(report, families)) for (const chunk of family) text += chunk;
  return text;
}
