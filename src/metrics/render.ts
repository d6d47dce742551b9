import type { FleetReport } from '../analysis/report.js';
import { familyHeader, formatSample } from './exposition.js';
import { FLEET_FAMILIES, unresolvedTargetSamples } from './families.js';

/**
 * Each instance's lines, one string per family, rendered once when its report changes; a scrape only
 * concatenates them (prom-client would rebuild 90k series objects per scrape at fleet size).
 */
export function renderInstanceBlocks(report: FleetReport): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  for (const instance of report.instances) {
    blocks.set(
      instance.instance.id,
      FLEET_FAMILIES.map((family) => family.samples(instance).map((sample) => formatSample(family.name, sample)).join('')),
    );
  }
  return blocks;
}

export function renderFleet(report: FleetReport): string {
  const blocks = [...renderInstanceBlocks(report).values()];
  const unresolved = unresolvedTargetSamples(report);
  let text = '';
  FLEET_FAMILIES.forEach((family, index) => {
    let body = blocks.map((block) => block[index] ?? '').join('');
    if (family.name === 'apim_netwatch_target_up') body += unresolved.map((sample) => formatSample(family.name, sample)).join('');
    if (body) text += familyHeader(family.name, family.help, family.type) + body;
  });
  return text;
}
