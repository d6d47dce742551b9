import { describe, expect, it } from 'vitest';
import { compareGroup, type DriftMember } from '../src/analysis/drift.js';

const member = (name: string, location: string, aspects: DriftMember['aspects']): DriftMember => ({
  instance: `/subscriptions/s/resourcegroups/rg/providers/microsoft.apimanagement/service/${name}`,
  apimService: name,
  location,
  aspects,
});

describe('compareGroup', () => {
  it('flags the member that differs from the majority and says what differs', () => {
    const result = compareGroup(
      'prod',
      [
        member('a', 'westeurope', { flows: { 'outbound Sql 1433': 'allowed' } }),
        member('b', 'westeurope', { flows: { 'outbound Sql 1433': 'allowed' } }),
        member('c', 'northeurope', { flows: { 'outbound Sql 1433': 'denied' } }),
      ],
      ['flows'],
    );
    expect(result.members.map((m) => m.drifted.flows)).toEqual([false, false, true]);
    expect(result.members[2]!.differences).toEqual([
      { aspect: 'flows', key: 'outbound Sql 1433', value: 'denied', expected: 'allowed', expectedFrom: ['a/westeurope', 'b/westeurope'] },
    ]);
  });

  it.each([
    ['allowed', 'denied', [false, true]],
    ['denied', 'allowed', [true, false]],
    ['partial', 'allowed', [true, false]],
    ['false', 'true', [true, false]],
  ])('a tie between %s and %s flags the less healthy member', (first, second, drifted) => {
    const result = compareGroup('g', [member('a', 'x', { flows: { k: first } }), member('b', 'x', { flows: { k: second } })], ['flows']);
    expect(result.members.map((m) => m.drifted.flows)).toEqual(drifted);
  });

  it('a key a member left out (an expected asymmetry) is not compared for that member', () => {
    const result = compareGroup(
      'g',
      [
        member('a', 'westeurope', { service_endpoints: { 'Microsoft.Sql': 'true', 'Microsoft.Storage': 'true' } }),
        member('a', 'northeurope', { service_endpoints: { 'Microsoft.Storage': 'true' } }),
      ],
      ['service_endpoints'],
    );
    expect(result.members.every((m) => !m.drifted.service_endpoints)).toBe(true);
  });

  it('a group of one never drifts, and every aspect is reported', () => {
    const result = compareGroup('solo', [member('a', 'x', { flows: { k: 'denied' } })], ['flows', 'routes']);
    expect(result.members[0]!.drifted).toEqual({ flows: false, routes: false });
  });
});
