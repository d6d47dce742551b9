import { gunzipSync } from 'node:zlib';
import { text as streamText } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { edgeCaseFleetReport, syntheticInstance } from '../synthetic/fleet-report.js';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { FLEET_FAMILIES, type FleetFamily } from '../src/metrics/families.js';
import { ExpositionStore } from '../src/metrics/exposition-store.js';
import { canonicalExposition, parseExposition } from './helpers/metrics.js';

const NOW = new Date('2025-06-01T12:00:00Z');

const named = (report: FleetReport, name: string): InstanceReport => report.instances.find((i) => i.instance.name === name)!;

async function published(store: ExpositionStore, report: FleetReport): Promise<string> {
  await store.putReport(report);
  store.publish();
  return store.text();
}

/** The text published, and what `publish` said of it. */
async function publishedWithStats(store: ExpositionStore, report: FleetReport) {
  await store.putReport(report);
  const stats = store.publish();
  return { text: await store.text(), stats };
}

/** The fleet's families, each counting the instances it renders. */
function countingFamilies(): { families: FleetFamily[]; rendered: string[] } {
  const rendered: string[] = [];
  const families = FLEET_FAMILIES.map((family) => ({
    ...family,
    rows: (instance: InstanceReport, emit: Parameters<FleetFamily['rows']>[1]) => {
      rendered.push(instance.instance.name);
      family.rows(instance, emit);
    },
  }));
  return { families, rendered };
}

describe('ExpositionStore: the fleet exposition kept as blocks by instance', () => {
  it('serves every series of the report, gzipped and plain, each family under one HELP and TYPE with its lines together', async () => {
    const store = new ExpositionStore();
    const report = edgeCaseFleetReport(4, NOW);
    const { text, stats } = await publishedWithStats(store, report);
    expect(text.length).toBeGreaterThan(10_000);
    const gzipped = await store.gzip();
    expect(gunzipSync(gzipped).toString('utf8')).toBe(text);
    expect(await streamText(store.plain())).toBe(text);
    const lines = text.split('\n').filter(Boolean);
    const names = lines.map((line) => (line.startsWith('#') ? line.split(' ')[2]! : line.slice(0, line.search(/[{ ]/))));
    // A family's lines never come back once another family started.
    const runs = names.filter((name, i) => i === 0 || name !== names[i - 1]);
    expect(new Set(runs).size).toBe(runs.length);
    expect(runs).toEqual(FLEET_FAMILIES.map((family) => family.name));
    const series = lines.filter((line) => !line.startsWith('#')).length;
    expect(stats).toEqual({ instances: report.instances.length, series, bytes: Buffer.byteLength(text), gzipBytes: gzipped.length });
    expect(gzipped.length * 3).toBeLessThan(Buffer.byteLength(text));
  });

  it('replacing one instance renders that instance alone, and compresses only the blocks whose text changed', async () => {
    const { families, rendered } = countingFamilies();
    const store = new ExpositionStore(families);
    const report = edgeCaseFleetReport(6, NOW);
    await published(store, report);
    rendered.length = 0;
    const next = structuredClone(report);
    const changed = named(next, 'apim-00001');
    const region = changed.regions[0]!;
    region.endpoints[0]!.up = !region.endpoints[0]!.up;
    expect(store.put(changed)).toBe(1);
    expect(new Set(rendered)).toEqual(new Set(['apim-00001']));
    expect(store.put(changed), 'the same text again: nothing to compress').toBe(0);
    store.publish();
    const text = await store.text();
    const fresh = new ExpositionStore();
    expect(canonicalExposition(text)).toBe(canonicalExposition(await published(fresh, next)));
    const endpoint = region.endpoints[0]!;
    const sample = parseExposition(text).find(
      (s) => s.name === 'apim_network_endpoint_up' && s.labels.apim_service === 'apim-00001' && s.labels.location === region.location && s.labels.endpoint === endpoint.endpoint,
    );
    expect(sample?.value).toBe(endpoint.up ? 1 : 0);
  });

  it('a whole report put again compresses nothing that did not change', async () => {
    const store = new ExpositionStore();
    const report = edgeCaseFleetReport(5, NOW);
    const first = await store.putReport(report);
    expect(first).toBeGreaterThan(5 * 10);
    expect(await store.putReport(structuredClone(report))).toBe(0);
  });

  it('removes what is gone: instances no longer in the report, a region no longer in an instance, resolved targets', async () => {
    const store = new ExpositionStore();
    const first = edgeCaseFleetReport(4, NOW);
    await published(store, first);
    const next = structuredClone(first);
    const shrunk = next.instances.find((instance) => instance.regions.length > 1)!;
    const dropped = shrunk.regions.pop()!;
    next.instances = next.instances.filter((instance) => instance.instance.name !== 'apim-00002');
    next.instances.push(syntheticInstance(7, { instances: 1, now: NOW }));
    const [resolved, ...stillUnresolved] = first.unresolvedTargets;
    next.unresolvedTargets = stillUnresolved;
    const text = await published(store, next);
    expect(canonicalExposition(text)).toBe(canonicalExposition(await published(new ExpositionStore(), next)));
    expect(text).not.toContain('apim_service="apim-00002"');
    expect(text).toContain('apim_service="apim-00007"');
    expect(text).not.toContain(`apim_service="${resolved!.name}"`);
    const samples = parseExposition(text).filter((s) => s.labels.apim_service === shrunk.instance.name);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.filter((s) => s.labels.location === dropped.location && s.name !== 'apim_instance_info')).toEqual([]);
  });

  it('serves the last published body until the next publish', async () => {
    const store = new ExpositionStore();
    const first = edgeCaseFleetReport(3, NOW);
    const before = await published(store, first);
    await store.putReport(edgeCaseFleetReport(5, NOW));
    expect(await store.text()).toBe(before);
    store.publish();
    expect(await store.text()).not.toBe(before);
  });

  it('an empty fleet is an empty body; a family without series has no header', async () => {
    const empty: FleetReport = { ...edgeCaseFleetReport(0, NOW), instances: [], unresolvedTargets: [] };
    const store = new ExpositionStore();
    await published(store, edgeCaseFleetReport(2, NOW));
    const emptied = await publishedWithStats(store, empty);
    expect(emptied.text).toBe('');
    expect(emptied.stats).toMatchObject({ instances: 0, series: 0, bytes: 0 });
    const onlyUnresolved: FleetReport = { ...edgeCaseFleetReport(0, NOW), instances: [] };
    const headers = (await published(new ExpositionStore(), onlyUnresolved)).split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(headers).toEqual(['# TYPE apim_netwatch_target_up gauge']);
  });

  it('every family emits exactly one value per label name', () => {
    for (const instance of edgeCaseFleetReport(2, NOW).instances) {
      for (const family of FLEET_FAMILIES) {
        family.rows(instance, (_location, values) => expect(values.length, family.name).toBe(family.labelNames.length));
      }
    }
  });
});
