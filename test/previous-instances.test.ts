import { describe, expect, it } from 'vitest';
import { PreviousInstances } from '../src/model/previous-instances.js';
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
});
