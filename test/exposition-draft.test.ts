import { describe, expect, it } from 'vitest';
import { edgeCaseFleetReport } from '../synthetic/fleet-report.js';
import type { FleetReport, InstanceReport } from '../src/analysis/report.js';
import { compareIds, fleetOrder } from '../src/model/fleet-order.js';
import { ExpositionDraft } from '../src/metrics/exposition-draft.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { FleetExposition } from '../src/metrics/fleet-exposition.js';
import { orderedInstances, renderFleet } from '../src/metrics/render.js';

const NOW = new Date('2025-06-01T12:00:00Z');

/** A fixed shuffle: judged in an order unlike the fleet order. */
const shuffled = <T>(items: readonly T[]): T[] => items.map((item, i) => [(i * 7919) % 101, item] as const).sort((a, b) => a[0] - b[0]).map(([, item]) => item);

const ids = (instances: readonly InstanceReport[]) => instances.map((instance) => instance.instance.id);

async function published(report: FleetReport, fill: (draft: ExpositionDraft) => void): Promise<string> {
  const fleet = new FleetExposition();
  const draft = fleet.draft();
  fill(draft);
  await fleet.publish(report, draft);
  return fleet.text();
}

describe('fleetOrder', () => {
  const ref = (subscriptionId: string, name: string) => ({ id: `/subscriptions/${subscriptionId}/resourcegroups/rg/providers/microsoft.apimanagement/service/${name}`, subscriptionId });
  const fleet = [ref('s2', 'b'), ref('s1', 'c'), ref('s1', 'a'), ref('s3', 'z'), ref('s1', 'b'), ref('s2', 'a')];

  it('takes subscriptions in turn, each one by resource ID', () => {
    expect(fleetOrder(fleet, (r) => r).map((r) => `${r.subscriptionId}/${r.id.split('/').pop()}`)).toEqual(['s1/a', 's2/a', 's3/z', 's1/b', 's2/b', 's1/c']);
  });

  it('does not depend on the input order, and dropping an instance keeps the order of those before it', () => {
    const order = fleetOrder(fleet, (r) => r);
    expect(fleetOrder([...fleet].reverse(), (r) => r)).toEqual(order);
    order.forEach((dropped, at) => {
      const without = fleetOrder(fleet.filter((r) => r !== dropped), (r) => r);
      expect(without.slice(0, at)).toEqual(order.slice(0, at));
    });
  });

  it('compares IDs by code unit, whatever the locale', () => {
    expect(['b', 'B', 'a'].sort(compareIds)).toEqual(['B', 'a', 'b']);
  });
});

describe('ExpositionDraft: the exposition written while a poll judges its instances', () => {
  const report = edgeCaseFleetReport(6, NOW);
  const ordered = orderedInstances(report);

  it('instances judged in any order give, once the report is complete, exactly the whole render of the report', async () => {
    const text = await published(report, (draft) => {
      draft.expect(ids(ordered));
      for (const instance of shuffled(report.instances)) draft.add(instance);
    });
    expect(text).toBe(renderFleet(report));
  });

  it('writes an instance as soon as it and every instance before it in fleet order are judged', () => {
    const draft = new ExpositionDraft(FLEET_FAMILIES);
    draft.expect(ids(ordered));
    draft.add(ordered[1]!);
    draft.add(ordered[2]!);
    expect(draft.releasedCount).toBe(0);
    draft.add(ordered[0]!);
    expect(draft.releasedCount).toBe(3);
    draft.abandon();
  });

  it('a late first instance releases the rest at once, written a few at a time as zlib keeps up, not in one go', async () => {
    const fleet = edgeCaseFleetReport(200, NOW);
    const inOrder = orderedInstances(fleet);
    const exposition = new FleetExposition();
    const draft = exposition.draft();
    draft.expect(ids(inOrder));
    for (const instance of inOrder.slice(1)) draft.add(instance);
    expect(draft.writtenCount).toBe(0);
    draft.add(inOrder[0]!);
    expect(draft.releasedCount).toBe(inOrder.length);
    expect(draft.writtenCount).toBeLessThanOrEqual(16);
    await exposition.publish(fleet, draft);
    expect(await exposition.text()).toBe(renderFleet(fleet));
  });

  it('writes the fleet-wide families (drift) from the complete report, as the fleet analysis left it', async () => {
    const fleet = structuredClone(report);
    for (const instance of fleet.instances) for (const region of instance.regions) region.drift = [];
    const inOrder = orderedInstances(fleet);
    const text = await published(fleet, (draft) => {
      draft.expect(ids(inOrder));
      for (const instance of inOrder) draft.add(instance);
      // What attachDrift does after every instance has been judged (and written).
      inOrder[1]!.regions[0]!.drift.push({ group: 'prod', aspect: 'flows', drifted: true });
    });
    expect(text).toBe(renderFleet(fleet));
    expect(text).toMatch(/apim_network_config_drift\{[^}]*aspect="flows",group="prod"\} 1/);
  });

  it('an instance never judged (deleted between discovery and its read) holds those after it until the report completes them', async () => {
    const gone = ordered[2]!;
    const without: FleetReport = { ...report, instances: report.instances.filter((instance) => instance !== gone) };
    const text = await published(without, (draft) => {
      draft.expect(ids(ordered));
      for (const instance of ordered) if (instance !== gone) draft.add(instance);
      expect(draft.releasedCount).toBe(2);
    });
    expect(text).toBe(renderFleet(without));
    expect(text).not.toContain(`apim_service="${gone.instance.name}"`);
  });

  it('a draft that is not how the report begins is given up, and the report rendered whole', async () => {
    const text = await published(report, (draft) => {
      draft.expect(ids(ordered));
      const stale = structuredClone(ordered[0]!);
      stale.targetUp = !stale.targetUp;
      draft.add(stale);
      for (const instance of ordered.slice(1)) draft.add(instance);
    });
    expect(text).toBe(renderFleet(report));
  });
});
