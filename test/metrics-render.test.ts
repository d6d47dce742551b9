import { gunzipSync } from 'node:zlib';
import { text as streamText } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { edgeCaseFleetReport, syntheticInstance } from '../synthetic/fleet-report.js';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { FleetExposition } from '../src/metrics/fleet-exposition.js';
import { GzipWriter } from '../src/metrics/gzip-writer.js';
import { orderedInstances, renderFleet, renderInstanceBlocks } from '../src/metrics/render.js';

const NOW = new Date('2025-06-01T12:00:00Z');

const named = (report: FleetReport, name: string): InstanceReport => report.instances.find((i) => i.instance.name === name)!;

describe('FleetExposition: rendered and gzipped once per report', () => {
  it('serves what a full render gives, gzipped and plain, and says how big it is', async () => {
    const fleet = new FleetExposition();
    const report = edgeCaseFleetReport(4, NOW);
    await fleet.publish(report);
    const expected = renderFleet(report);
    expect(expected.length).toBeGreaterThan(10_000);
    const gzipped = await fleet.gzip();
    expect(gunzipSync(gzipped).toString('utf8')).toBe(expected);
    expect(await streamText(fleet.plain())).toBe(expected);
    expect(await fleet.text()).toBe(expected);
    const series = expected.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
    expect(fleet.stats).toMatchObject({ instances: report.instances.length, series, bytes: Buffer.byteLength(expected), gzipBytes: gzipped.length });
    expect(gzipped.length * 5).toBeLessThan(Buffer.byteLength(expected));
  });

  it('replaces the whole body per update: removed instances disappear, added and changed ones show', async () => {
    const fleet = new FleetExposition();
    const first = edgeCaseFleetReport(4, NOW);
    await fleet.publish(first);
    const next = structuredClone(first);
    const changed = named(next, 'apim-00001');
    changed.regions[0]!.endpoints[5]!.up = false;
    next.instances.push(syntheticInstance(7, { instances: 1, now: NOW }));
    next.instances = next.instances.filter((instance) => instance.instance.name !== 'apim-00002');
    next.unresolvedTargets = next.unresolvedTargets.slice(1);
    await fleet.publish(next);
    const text = await fleet.text();
    expect(text).toBe(renderFleet(next));
    expect(text).not.toBe(renderFleet(first));
    expect(text).not.toContain('apim_service="apim-00002"');
    expect(text).toContain('apim_service="apim-00007"');
  });

  it('serves the previous body until an update completes, and the update started last wins', async () => {
    const fleet = new FleetExposition();
    const first = edgeCaseFleetReport(3, NOW);
    await fleet.publish(first);
    const second = edgeCaseFleetReport(5, NOW);
    const third = edgeCaseFleetReport(2, NOW);
    const updating = fleet.publish(second);
    expect(await fleet.text()).toBe(renderFleet(first));
    await Promise.all([updating, fleet.publish(third)]);
    expect(await fleet.text()).toBe(renderFleet(third));
  });

  it('renders an empty fleet as nothing, and families without series without headers', async () => {
    const empty: FleetReport = { ...edgeCaseFleetReport(0, NOW), instances: [], unresolvedTargets: [] };
    expect(renderFleet(empty)).toBe('');
    const fleet = new FleetExposition();
    await fleet.publish(edgeCaseFleetReport(2, NOW));
    await fleet.publish(empty);
    expect(await fleet.text()).toBe('');
    expect(fleet.stats).toMatchObject({ instances: 0, series: 0, bytes: 0 });
    const onlyUnresolved: FleetReport = { ...edgeCaseFleetReport(0, NOW), instances: [] };
    const headers = renderFleet(onlyUnresolved).split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(headers).toEqual(['# TYPE apim_netwatch_target_up gauge']);
  });

  it('the rendering by family equals the per-instance blocks put together family by family', () => {
    const report = edgeCaseFleetReport(3, NOW);
    const blocks = orderedInstances(report).map((instance) => renderInstanceBlocks(instance));
    const text = renderFleet(report);
    const unresolved = report.unresolvedTargets.map((target) => `apim_service="${target.name}"`);
    expect(unresolved.length).toBeGreaterThan(0);
    FLEET_FAMILIES.forEach((family, f) => {
      const lines = text.split('\n').filter((line) => line.startsWith(`${family.name}{`) && !unresolved.some((label) => line.includes(label)));
      expect(lines.join('\n') + (lines.length ? '\n' : ''), family.name).toBe(blocks.map((instanceBlocks) => instanceBlocks[f]).join(''));
    });
  });

  it('every family emits exactly one value per label name', () => {
    for (const instance of edgeCaseFleetReport(2, NOW).instances) {
      for (const family of FLEET_FAMILIES) {
        family.rows(instance, (_location, values) => expect(values.length, family.name).toBe(family.labelNames.length));
      }
    }
  });
});

describe('GzipWriter', () => {
  const compress = async (chunks: string[]) => {
    const writer = new GzipWriter();
    for (const chunk of chunks) {
      writer.write(chunk);
      await writer.drain();
    }
    return writer.end();
  };

  it('compresses many batches (waiting for zlib) into one member that inflates to the joined text', async () => {
    const chunks = Array.from({ length: 40_000 }, (_, i) => `series_${i % 97}{label="${i}"} ${i * 0.5}\n`);
    const { gzipped, bytes } = await compress(chunks);
    const joined = chunks.join('');
    expect(joined.length).toBeGreaterThan(4 * (1 << 18));
    expect(bytes).toBe(Buffer.byteLength(joined));
    expect(gunzipSync(gzipped).toString('utf8')).toBe(joined);
  });

  it('writes non-ASCII text as UTF-8', async () => {
    const { gzipped, bytes } = await compress(['grüppe ', '🚀\n']);
    expect(gunzipSync(gzipped).toString('utf8')).toBe('grüppe 🚀\n');
    expect(bytes).toBe(Buffer.byteLength('grüppe 🚀\n'));
  });
});
