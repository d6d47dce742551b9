import { describe, expect, it } from 'vitest';
import { compareGroup, type DriftMember } from '../src/analysis/drift.js';
import { driftTierFamily, likeWithOf, platformFamily, type LikeWith } from '../src/analysis/drift-like-with.js';

const member = (name: string, location: string, aspects: DriftMember['aspects'], extra: Partial<DriftMember> = {}): DriftMember => ({
  instance: `/subscriptions/s/resourcegroups/rg/providers/microsoft.apimanagement/service/${name}`,
  apimService: name,
  location,
  aspects,
  ...extra,
});

const EXTERNAL: LikeWith = { vnetType: 'External', platform: 'stv2', tier: 'classic' };
const INTERNAL: LikeWith = { vnetType: 'Internal', platform: 'stv2', tier: 'classic' };

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

describe('compareGroup, like with like', () => {
  it('compares a member only with members alike, and says whom it was compared with', () => {
    const result = compareGroup(
      'fleet',
      [
        member('ext-a', 'x', { flows: { k: 'allowed' } }, { likeWith: EXTERNAL }),
        member('ext-b', 'x', { flows: { k: 'denied' } }, { likeWith: EXTERNAL }),
        member('int-a', 'x', { flows: { k: 'denied' } }, { likeWith: INTERNAL }),
      ],
      ['flows'],
    );
    expect(result.group).toBe('fleet');
    expect(result.members.map((m) => [m.apimService, m.drifted.flows, m.likeWith])).toEqual([
      ['ext-a', false, EXTERNAL],
      ['ext-b', true, EXTERNAL],
      ['int-a', false, INTERNAL],
    ]);
    expect(result.members[1]!.differences[0]!.expectedFrom).toEqual(['ext-a/x']);
  });

  it('compares an aspect only within its cohort, and names the cohort in the difference', () => {
    const tunnelled = (name: string, storage: string) =>
      member(name, 'x', { routes: { Storage: 'ok' }, service_endpoints: { 'Microsoft.Storage': storage } }, { cohorts: { routes: 'forced tunnelling', service_endpoints: 'forced tunnelling' } });
    const direct = (name: string) => member(name, 'x', { routes: { Storage: 'via None' } }, { cohorts: { routes: 'direct routing' } });
    const result = compareGroup('fleet', [tunnelled('t1', 'true'), tunnelled('t2', 'false'), direct('d1'), direct('d2')], ['routes', 'service_endpoints']);
    expect(result.members.map((m) => [m.apimService, m.drifted])).toEqual([
      ['t1', { routes: false, service_endpoints: false }],
      ['t2', { routes: false, service_endpoints: true }],
      ['d1', { routes: false, service_endpoints: false }],
      ['d2', { routes: false, service_endpoints: false }],
    ]);
    expect(result.members[1]!.differences).toEqual([
      { aspect: 'service_endpoints', key: 'Microsoft.Storage', value: 'false', expected: 'true', expectedFrom: ['t1/x'], cohort: 'forced tunnelling' },
    ]);
  });

  it('lists differences of optional aspects apart, never as drift', () => {
    const result = compareGroup(
      'fleet',
      [member('a', 'x', { flows: { req: 'allowed' }, optional_flows: { opt: 'allowed' } }), member('b', 'x', { flows: { req: 'allowed' }, optional_flows: { opt: 'denied' } })],
      ['flows'],
      ['optional_flows'],
    );
    expect(result.members[1]!.drifted).toEqual({ flows: false });
    expect(result.members[1]!.differences).toEqual([]);
    expect(result.members[1]!.optionalDifferences).toEqual([{ aspect: 'optional_flows', key: 'opt', value: 'denied', expected: 'allowed', expectedFrom: ['a/x'] }]);
    expect(result.members[0]!.optionalDifferences).toEqual([]);
  });
});

describe('likeWithOf', () => {
  it.each([
    ['Premium', 'External', 'stv2', { vnetType: 'External', platform: 'stv2', tier: 'classic' }],
    ['Developer', 'Internal', 'stv2', { vnetType: 'Internal', platform: 'stv2', tier: 'Developer' }],
    ['developer', 'Internal', 'stv2.1', { vnetType: 'Internal', platform: 'stv2', tier: 'Developer' }],
    ['Basic', 'External', 'stv1', { vnetType: 'External', platform: 'stv1', tier: 'classic' }],
    ['StandardV2', 'External', 'undetermined', { vnetType: 'External', platform: 'undetermined', tier: 'v2' }],
    ['PremiumV2', 'Internal', 'STV2', { vnetType: 'Internal', platform: 'stv2', tier: 'v2' }],
  ] as const)('%s, %s, %s', (sku, vnetType, platformVersion, expected) => {
    expect(likeWithOf({ sku, vnetType, platformVersion })).toEqual(expected);
  });

  it('tells tiers and platforms apart as the requirement catalogue does', () => {
    expect(driftTierFamily(undefined)).toBe('classic');
    expect(platformFamily('mtv1')).toBe('mtv1');
    expect(platformFamily('stv2.1')).toBe(platformFamily('stv2'));
  });
});
