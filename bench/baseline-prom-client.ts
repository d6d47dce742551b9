/**
 * The baseline the benchmark compares the exporter with: the same families and the same series as
 * plain prom-client gauges in a fresh Registry, which is what an exporter written the usual way
 * would serve (and re-serialise on every scrape). Plus a scrape timer for both.
 */
import { Gauge, Registry } from 'prom-client';
import type { FleetReport } from '../src/analysis/report.js';
import { compareIds, FLEET_FAMILIES, familySamples, INSTANCE_LABEL_NAMES, TARGET_UP_FAMILY, unresolvedTargetSamples } from '../src/metrics/families.js';

/**
 * A fresh Registry holding one Gauge per fleet family (labelNames = instance labels + the family's),
 * set once per series, instances sorted by ID as our exposition orders them. Build it once per poll
 * and time `registry.metrics()` for the baseline's scrape, which is what prom-client does per scrape.
 */
export function buildPromClientRegistry(report: Pick<FleetReport, 'instances' | 'unresolvedTargets'>): Registry {
  const registry = new Registry();
  const instances = [...report.instances].sort((a, b) => compareIds(a.instance.id, b.instance.id));
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
      for (const sample of unresolvedTargetSamples(report)) gauge.set(sample.labels, sample.value);
    }
  }
  return registry;
}

/** Registers the same families with the same series as plain prom-client gauges and returns `registry.metrics()`. */
export async function renderWithPromClient(report: FleetReport): Promise<string> {
  return buildPromClientRegistry(report).metrics();
}

export interface ScrapeTimes {
  p50: number;
  p99: number;
  /** Every sample, in milliseconds, in the order taken. */
  samples: number[];
  /** Bytes of the last scrape's body (UTF-8). */
  bytes: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Times `n` scrapes (after `warmup` untimed ones, default 2): each is `await render()` plus encoding
 * the text to UTF-8 bytes, which every HTTP response of the text must do anyway; so a cached text
 * costs its copy, not zero. p50/p99 are nearest-rank, in milliseconds. Async because `render` may be
 * (prom-client's `registry.metrics()` is).
 */
export async function measureScrapes(
  render: () => string | Promise<string>,
  n: number,
  options: { warmup?: number; encode?: boolean } = {},
): Promise<ScrapeTimes> {
  const encode = options.encode ?? true;
  let bytes = 0;
  const once = async (): Promise<void> => {
    const text = await render();
    bytes = encode ? Buffer.from(text, 'utf8').length : text.length;
  };
  for (let i = 0; i < (options.warmup ?? 2); i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples, bytes };
}
