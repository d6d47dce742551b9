import { describe, expect, it } from 'vitest';
import { compareIds, fleetOrder } from '../src/model/fleet-order.js';

describe('fleetOrder: the order a poll reads instances in', () => {
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
