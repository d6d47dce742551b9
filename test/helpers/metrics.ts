import type { FleetReport } from '../../src/analysis/report.js';
import { ExpositionStore } from '../../src/metrics/exposition-store.js';

/** Parses exposition lines into samples, enough to assert on labels and values. */
export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseExposition(text: string): ParsedSample[] {
  const samples: ParsedSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

export function find(samples: ParsedSample[], name: string, labels: Record<string, string>): ParsedSample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** A report's exposition as a monitor's store serves it, from a store of its own. */
export async function renderFleet(report: Pick<FleetReport, 'instances' | 'unresolvedTargets'>): Promise<string> {
  const store = new ExpositionStore();
  await store.putReport(report);
  store.publish();
  return store.text();
}

/**
 * An exposition in a form that does not depend on the order its blocks were put in: families where
 * they are, each family's HELP and TYPE, then its lines sorted. Two expositions Prometheus reads as the
 * same are equal in this form.
 */
export function canonicalExposition(text: string): string {
  const families: Array<{ header: string[]; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('# HELP ')) families.push({ header: [line], lines: [] });
    else if (line.startsWith('#')) families.at(-1)?.header.push(line);
    else {
      if (families.length === 0) throw new Error(`a series before any HELP line: ${line}`);
      families.at(-1)!.lines.push(line);
    }
  }
  return families.map((family) => [...family.header, ...family.lines.sort()].join('\n') + '\n').join('');
}
