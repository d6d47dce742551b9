/**
 * The baseline the benchmark compares the exporter with: the same families and the same series as
 * plain prom-client gauges in a fresh Registry, which is what an exporter written the usual way
 * would serve (and re-serialise on every scrape).
 */
import { Gauge, Registry } from 'prom-client';
import type { FleetReport } from '../src/analysis/report.js';
import { fleetOrder } from '../src/model/fleet-order.js';
import { FLEET_FAMILIES, familySamples, INSTANCE_LABEL_NAMES, TARGET_UP_FAMILY, unresolvedTargetSample } from '../src/metrics/families.js';

/**
 * A fresh Registry holding one Gauge per fleet family (labelNames = instance labels + the family's),
 * set once per series, instances in fleet order as our exposition lists them. Build it once per poll
 * and time `registry.metrics()` for the baseline's scrape, which is what prom-client does per scrape.
 */
export function buildPromClientRegistry(report: Pick<FleetReport, 'instances' | 'unresolvedTargets'>): Registry {
  const registry = new Registry();
  const instances = fleetOrder(report.instances, (instance) => instance.instance);
  for (const family of FLEET_FAMILIES) {
    const gauge = new Gauge({
      name: family.name,
      help: family.help,
      labelNames: [...INSTANCE_LABEL_NAMES, ...family.labelNames],
      registers: [registry],
    });
    for (const instance of instances) {
      for (const sample of familySamples(family, instance)) gauge.set(sample.labels, sample.value);
    }
    if (family.name === TARGET_UP_FAMILY) {
      for (const target of report.unresolvedTargets) gauge.set(unresolvedTargetSample(target).labels, 0);
    }
  }
  return registry;
}

/** Registers the same families with the same series as plain prom-client gauges and returns `registry.metrics()`. */
export async function renderWithPromClient(report: FleetReport): Promise<string> {
  return buildPromClientRegistry(report).metrics();
}
