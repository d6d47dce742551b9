import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { PreviousInstances } from '../src/model/previous-instances.js';
import { Poller } from '../src/poller/poller.js';
import type { FleetSnapshot, InstanceSnapshot } from '../src/model/snapshot.js';

const instance = (subscriptionId: string, name: string): InstanceSnapshot => ({
  instance: {
    id: `/subscriptions/${subscriptionId}/resourcegroups/rg/providers/microsoft.apimanagement/service/${name}`,
    subscriptionId,
    resourceGroup: 'rg',
    name,
    sku: 'Developer',
    platformVersion: 'stv2',
    vnetType: 'External',
    regions: [{ location: 'westeurope', displayLocation: 'West Europe', primary: true }],
    tags: {},
  },
});

describe('PreviousInstances', () => {
  const one = instance('sub-a', 'one');
  const two = instance('sub-a', 'two');
  const three = instance('sub-b', 'three');
  const snapshot: FleetSnapshot = { takenAt: new Date(0), instances: [one, two, three], subscriptionFailures: [], unresolvedTargets: [] };

  it('hands each instance over once, and forgets it from then on', () => {
    const previous = new PreviousInstances(snapshot);
    expect(previous.take(one.instance.id)).toBe(one);
    expect(previous.take(one.instance.id)).toBeUndefined();
    expect(previous.info(one.instance.id)).toBeUndefined();
    expect(previous.inSubscription('sub-a')).toEqual([two.instance]);
    expect(previous.info(three.instance.id)).toBe(three.instance);
  });

  it('lists the subscriptions of the instances it still holds', () => {
    const previous = new PreviousInstances(snapshot);
    expect(previous.subscriptions().sort()).toEqual(['sub-a', 'sub-b']);
    previous.take(three.instance.id);
    expect(previous.subscriptions()).toEqual(['sub-a']);
  });

  it('holds nothing before the first poll', () => {
    const previous = new PreviousInstances(undefined);
    expect(previous.subscriptions()).toEqual([]);
    expect(previous.take(one.instance.id)).toBeUndefined();
  });

  it('gives back the snapshot with what was not taken', () => {
    const previous = new PreviousInstances(snapshot);
    previous.take(two.instance.id);
    expect(previous.remaining()).toEqual({ ...snapshot, instances: [one, three] });
    expect(new PreviousInstances(undefined).remaining()).toBeUndefined();
  });

  it('a poll that fails as a whole leaves the next poll the instances it had not read', async () => {
    const handed: PreviousInstances[] = [];
    const collects = [
      async () => snapshot,
      async (previous: PreviousInstances) => {
        previous.take(one.instance.id);
        throw new Error('a bug in the middle of a poll');
      },
      async () => snapshot,
    ];
    const report = { instances: [], unresolvedTargets: [], subscriptionFailures: [], summary: {} } as unknown as FleetReport;
    const poller = new Poller({
      poll: async (previous) => {
        handed.push(previous);
        return { snapshot: await collects[handed.length - 1]!(previous), report };
      },
      publish: () => undefined,
      pollFailed: () => undefined,
      pollSkipped: () => undefined,
      log: pino({ level: 'silent' }),
    });
    expect(await poller.pollNow()).toBe(report);
    expect(await poller.pollNow()).toBeUndefined();
    await poller.pollNow();
    const third = handed[2]!;
    expect(third.info(one.instance.id)).toBeUndefined();
    expect(third.take(two.instance.id)).toBe(two);
    expect(third.take(three.instance.id)).toBe(three);
  });
});
