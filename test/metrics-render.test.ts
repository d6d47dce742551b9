import { describe, expect, it } from 'vitest';
import { advanceFleetReport, edgeCaseFleetReport, REFRESH_MS, syntheticInstance } from '../bench/fleet-report.js';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { FLEET_FAMILIES, instanceChangeKey, type FleetFamily } from '../src/metrics/families.js';
import { FleetExposition, renderFleet } from '../src/metrics/fleet-exposition.js';
import { renderInstanceBlocks } from '../src/metrics/render.js';

const NOW = new Date('2025-06-01T12:00:00Z');

/** A FleetExposition whose instance renders are counted, by instance name. */
function counted(): { fleet: FleetExposition; calls: string[] } {
  const calls: string[] = [];
  const fleet = new FleetExposition({
    renderInstance: (instance: InstanceReport, families: readonly FleetFamily[]) => {
      calls.push(instance.instance.name);
      return renderInstanceBlocks(instance, families);
    },
  });
  return { fleet, calls };
}

const clone = (report: FleetReport): FleetReport => structuredClone(report);
const named = (report: FleetReport, name: string): InstanceReport => report.instances.find((i) => i.instance.name === name)!;

describe('FleetExposition: incremental re-render', () => {
  it('renders every instance once, then only what changed, and always what a full render gives', () => {
    const { fleet, calls } = counted();
    const first = edgeCaseFleetReport(4, NOW);
    fleet.update(first);
    expect(fleet.text).toBe(renderFleet(first));
    expect(calls).toHaveLength(first.instances.length);
    expect(fleet.stats).toMatchObject({ instances: first.instances.length, rendered: first.instances.length, reused: 0, removed: 0 });

    // The same report again (a new object graph, as every poll makes): nothing re-rendered.
    calls.length = 0;
    const same = clone(first);
    fleet.update(same);
    expect(fleet.text).toBe(renderFleet(first));
    expect(calls).toEqual([]);

    // One instance changed (an endpoint went down), one added, one removed, a region added to another.
    calls.length = 0;
    const next = clone(first);
    const changed = named(next, 'apim-00001');
    changed.regions[0]!.endpoints[5]!.up = false;
    changed.regions[0]!.endpoints[5]!.status = 'failure';
    next.instances.push(syntheticInstance(7, { instances: 1, now: NOW }));
    next.instances = next.instances.filter((instance) => instance.instance.name !== 'apim-00002');
    const grown = named(next, 'apim-00003');
    const extra = syntheticInstance(3, { instances: 1, regions: 3, now: NOW });
    grown.instance.regions.push(extra.instance.regions[2]!);
    grown.regions.push(extra.regions[2]!);
    next.unresolvedTargets = next.unresolvedTargets.slice(1);
    fleet.update(next);
    const text = fleet.text;
    expect(text).toBe(renderFleet(next));
    expect(calls.sort()).toEqual(['apim-00001', 'apim-00003', 'apim-00007']);
    expect(fleet.stats).toMatchObject({ rendered: 3, reused: next.instances.length - 3, removed: 1 });
    expect(text).not.toContain('apim_service="apim-00002"');
    expect(text).toContain(`location="${extra.regions[2]!.location}"`);
    expect(fleet.text).toBe(text);
    expect(fleet.bytes().equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('a poll in which the platform refreshed endpoints re-renders exactly the instances with a new lastUpdated', () => {
    const { fleet, calls } = counted();
    const first = edgeCaseFleetReport(6, NOW);
    fleet.update(first);
    calls.length = 0;
    const later = advanceFleetReport(first, 5 * 60);
    const moved = later.instances
      .filter((instance, index) => instance.regions.some((region, r) => region.endpoints.some((e, k) => e.lastUpdated !== first.instances[index]!.regions[r]!.endpoints[k]!.lastUpdated)))
      .map((instance) => instance.instance.name);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThan(later.instances.length);
    fleet.update(later);
    expect(fleet.text).toBe(renderFleet(later));
    expect(calls.sort()).toEqual(moved.sort());
    // ageSeconds moved for every endpoint, but no family reads it.
    expect(REFRESH_MS).toBe(900_000);
  });

  it('renders an empty fleet as nothing, and families without series without headers', () => {
    const empty: FleetReport = { ...edgeCaseFleetReport(0, NOW), instances: [], unresolvedTargets: [] };
    expect(renderFleet(empty)).toBe('');
    const fleet = new FleetExposition();
    fleet.update(edgeCaseFleetReport(2, NOW));
    fleet.update(empty);
    expect(fleet.text).toBe('');
    expect(fleet.stats).toMatchObject({ instances: 0, removed: edgeCaseFleetReport(2, NOW).instances.length });
  });
});

/** Every path to a value in `root`, with a mutation of it (a changed leaf, a removed property or element). */
function* mutations(root: unknown): Generator<{ path: string; apply: (copy: unknown) => void }> {
  function* walk(value: unknown, path: Array<string | number>): Generator<{ path: string; apply: (copy: unknown) => void }> {
    if (value === null || typeof value !== 'object') return;
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const here = [...path, key];
      const parentOf = (copy: unknown) => path.reduce<any>((node, step) => node[step], copy);
      const label = here.join('.');
      if (typeof child === 'string') yield { path: `${label} (string)`, apply: (copy) => void (parentOf(copy)[key] = `${child}x`) };
      if (typeof child === 'number') yield { path: `${label} (number)`, apply: (copy) => void (parentOf(copy)[key] = child + 1) };
      if (typeof child === 'boolean') yield { path: `${label} (boolean)`, apply: (copy) => void (parentOf(copy)[key] = !child) };
      yield {
        path: `${label} (removed)`,
        apply: (copy) => {
          const parent = parentOf(copy);
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete parent[key];
        },
      };
      if (Array.isArray(child) && child.length > 0) {
        yield { path: `${label} (element duplicated)`, apply: (copy) => void parentOf(copy)[key].push(structuredClone(child[0])) };
      }
      yield* walk(child, here);
    }
  }
  yield* walk(root, []);
}

describe('instanceChangeKey covers what the families read', () => {
  const render = (instance: InstanceReport) => renderInstanceBlocks(instance, FLEET_FAMILIES).join('');
  const safely = (f: () => string): string => {
    try {
      return f();
    } catch (err) {
      return `threw: ${(err as Error).message}`;
    }
  };

  it('any change of any field that changes the rendered lines changes the key', () => {
    // A fully populated instance (routes, nsg, drift, both timestamps) and the odd ones of the edge report.
    const instances = edgeCaseFleetReport(1, NOW).instances;
    let checked = 0;
    let relevant = 0;
    const missed: string[] = [];
    for (const instance of instances) {
      const baseKey = instanceChangeKey(instance);
      const baseText = render(instance);
      for (const mutation of mutations(instance)) {
        const copy = structuredClone(instance);
        mutation.apply(copy);
        checked++;
        const text = safely(() => render(copy));
        if (text === baseText) continue;
        relevant++;
        if (safely(() => instanceChangeKey(copy)) === baseKey) missed.push(`${instance.instance.name}: ${mutation.path}`);
      }
    }
    expect(missed, 'fields the families read but instanceChangeKey does not').toEqual([]);
    expect(checked).toBeGreaterThan(2000);
    expect(relevant).toBeGreaterThan(1000);
  });

  it('ignores what no family reads (ageSeconds, error text, health), so those alone never re-render', () => {
    const instance = syntheticInstance(0, { instances: 1, now: NOW });
    const copy = structuredClone(instance);
    copy.health = 'down';
    copy.dataFetchedAt = new Date(0).toISOString();
    for (const region of copy.regions) {
      for (const endpoint of region.endpoints) {
        endpoint.ageSeconds = (endpoint.ageSeconds ?? 0) + 60;
        endpoint.error = 'changed';
      }
    }
    expect(render(copy)).toBe(render(instance));
    expect(instanceChangeKey(copy)).toBe(instanceChangeKey(instance));
  });

  it('every family emits exactly one value per label name', () => {
    for (const instance of edgeCaseFleetReport(2, NOW).instances) {
      for (const family of FLEET_FAMILIES) {
        family.rows(instance, (_location, values) => expect(values.length, family.name).toBe(family.labelNames.length));
      }
    }
  });
});
