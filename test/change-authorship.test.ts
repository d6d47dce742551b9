import { describe, expect, it } from 'vitest';
import { AUTHOR_WAIT_MS, authorshipOf } from '../src/analysis/change-authors.js';
import { changeRecordOf } from '../src/azure/resource-changes.js';
import type { ChangeItem, ChangeRecord, ConfigChange } from '../src/model/config-change.js';
import { changeRowFor } from '../src/simulator/handlers/changes.js';
import { securityRule } from '../src/simulator/demo/nsg-rules.js';
import type { ArmResource } from '../src/simulator/world.js';

/**
 * The join of a change (or the part of it that decided a verdict) to Resource Graph's records, with records
 * built as Azure writes them (the simulator's rows, read by the monitor's reader) and arriving in any order.
 */

const SUB = '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourceGroups/rg-net/providers/Microsoft.Network';
const NSG = `${SUB}/networkSecurityGroups/nsg-apim`;
const VNET = `${SUB}/virtualNetworks/vnet-apim`;
const SUBNET = `${VNET}/subnets/snet-apim`;
const AT = { detectedAt: '2026-12-03T14:03:00.000Z', previousReadAt: '2026-12-03T14:02:00.000Z' };
const SEEN = new Date(AT.detectedAt);
const WAITED = new Date(SEEN.getTime() + AUTHOR_WAIT_MS);

const allow = (name: string, priority: number, ports = ['80']) => securityRule(NSG, { name, priority, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Internet', ports });
const denySql = (access: 'Allow' | 'Deny' = 'Deny') => securityRule(NSG, { name: 'DenySql', priority: 100, direction: 'Outbound', access, protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'] });
const nsg = (rules: Record<string, unknown>[]): ArmResource => ({ id: NSG, type: 'Microsoft.Network/networkSecurityGroups', location: 'westeurope', properties: { securityRules: rules } });

/** The record Azure keeps of `who` writing `after` over `before` at `time` (14:02:<seconds>). */
function write(who: string, before: ArmResource | undefined, after: ArmResource, seconds: number): ChangeRecord {
  const at = new Date(`2026-12-03T14:02:${String(seconds).padStart(2, '0')}Z`);
  return changeRecordOf(changeRowFor(before, after, { changedBy: who, changedByType: 'User', clientType: 'Azure Portal' }, 'tenant', at) as never)!;
}

const change = (resourceKind: ConfigChange['resourceKind'], resourceId: string, items: ChangeItem[]): ConfigChange => ({ resourceId, resourceKind, resourceName: resourceId.split('/').at(-1)!, items, ...AT, authorState: 'pending' });

describe('the simulator writes changes as Azure keys them, and the reader reads what they touched', () => {
  it('a rule added: leaf paths by index, the rule named by its name leaf; System leaves left out', () => {
    const before = nsg([allow('AllowHttp', 200)]);
    const row = changeRowFor(before, nsg([allow('AllowHttp', 200), denySql()]), { changedBy: 'b@x' }, 'tenant', SEEN) as { properties: { changes: Record<string, { newValue: string; previousValue: string; propertyChangeType: string }> } };
    expect(row.properties.changes['properties.securityRules[1].name']).toMatchObject({ newValue: 'DenySql', previousValue: 'null', propertyChangeType: 'Insert' });
    expect(row.properties.changes['properties.securityRules[1].properties.access']).toMatchObject({ newValue: 'Deny', propertyChangeType: 'Insert' });
    expect(Object.keys(row.properties.changes).every((key) => key.startsWith('properties.securityRules[1].'))).toBe(true);
    const record = changeRecordOf(row as never)!;
    expect(record.written).toMatchObject({ whole: false, elements: [{ array: 'properties.securityRules', index: 1, nameAfter: 'DenySql' }] });
    expect(record.written!.paths.some((path) => path.endsWith('provisioningState') || path.endsWith('etag'))).toBe(false);
  });
});

describe('authorshipOf: the writer of what decided it, never simply the newest record', () => {
  // Two people, nine seconds apart: one harmless rule, then the rule that denies SQL.
  const start = nsg([allow('AllowSql', 300, ['1433'])]);
  const withHttp = nsg([allow('AllowSql', 300, ['1433']), allow('AllowHttp', 200)]);
  const withDeny = nsg([allow('AllowSql', 300, ['1433']), allow('AllowHttp', 200), denySql()]);
  const harmless = write('a@x', start, withHttp, 10);
  const breaking = write('b@x', withHttp, withDeny, 19);
  const both = change('networkSecurityGroup', NSG, [{ kind: 'rule', name: 'AllowHttp', change: 'added' }, { kind: 'rule', name: 'DenySql', change: 'added' }]);
  const deciding = [both.items[1]!];

  it.each<[string, ChangeRecord[], Date, object]>([
    ['only the harmless write recorded so far: pending, not its writer', [harmless], SEEN, { authorState: 'pending' }],
    ['the breaking write recorded: its writer', [harmless, breaking], SEEN, { authorState: 'found', author: { changedBy: 'b@x' } }],
    ['records in the other order: the same', [breaking, harmless], SEEN, { authorState: 'found', author: { changedBy: 'b@x' } }],
    ['the breaking record alone (the other late)', [breaking], SEEN, { authorState: 'found', author: { changedBy: 'b@x' } }],
    ['never recorded: not-recorded after the wait, still not the other writer', [harmless], WAITED, { authorState: 'not-recorded' }],
  ])('%s', (_what, records, now, expected) => {
    const found = authorshipOf(both, records, now, deciding);
    expect(found).toMatchObject(expected);
    expect(found.author?.changedBy).not.toBe('a@x');
  });

  it('the whole change, both items: both writers, as one of two', () => {
    expect(authorshipOf(both, [harmless, breaking], SEEN)).toMatchObject({ authorState: 'ambiguous', candidates: [{ changedBy: 'b@x' }, { changedBy: 'a@x' }] });
  });

  it('a rule changed in place (its index only): read against the NSG as the monitor read it', () => {
    const described = securityRule(NSG, { name: 'AllowHttp', priority: 200, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Internet', ports: ['80'], description: 'web' });
    const deniedSql = securityRule(NSG, { name: 'AllowSql', priority: 300, direction: 'Outbound', access: 'Deny', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Internet', ports: ['1433'] });
    const flipped = nsg([allow('AllowSql', 300, ['1433']), described]);
    const redescribed = write('a@x', withHttp, flipped, 10);
    const flip = write('b@x', flipped, nsg([deniedSql, described]), 19);
    const modified = change('networkSecurityGroup', NSG, [{ kind: 'rule', name: 'AllowSql', change: 'modified' }, { kind: 'rule', name: 'AllowHttp', change: 'modified' }]);
    const positions = { before: ['AllowSql', 'AllowHttp'], after: ['AllowSql', 'AllowHttp'] };
    expect(authorshipOf(modified, [redescribed, flip], SEEN, [modified.items[0]!], positions)).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
    // Without the reads to place the index, neither record can be told apart: pending, then both.
    expect(authorshipOf(modified, [redescribed, flip], SEEN, [modified.items[0]!])).toMatchObject({ authorState: 'pending' });
    expect(authorshipOf(modified, [redescribed, flip], WAITED, [modified.items[0]!])).toMatchObject({ authorState: 'ambiguous', candidates: [{ changedBy: 'b@x' }, { changedBy: 'a@x' }] });
  });

  it('a write that created a rule the previous read already showed cannot have modified it', () => {
    const created = write('a@x', start, nsg([allow('AllowSql', 300, ['1433']), denySql('Allow')]), 0);
    const flipped = write('b@x', nsg([allow('AllowSql', 300, ['1433']), denySql('Allow')]), nsg([allow('AllowSql', 300, ['1433']), denySql('Deny')]), 30);
    const modified = change('networkSecurityGroup', NSG, [{ kind: 'rule', name: 'DenySql', change: 'modified' }]);
    const positions = { before: ['AllowSql', 'DenySql'], after: ['AllowSql', 'DenySql'] };
    expect(authorshipOf(modified, [created, flipped], SEEN, modified.items, positions)).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
  });

  it('records whose paths cannot tell (a create, no changes, fewer than changesCount): pending until the wait is over, then all of them', () => {
    const vague = (who: string, seconds: number): ChangeRecord => ({ ...write(who, start, withDeny, seconds), written: { elements: [], paths: [], whole: true } });
    expect(authorshipOf(both, [vague('a@x', 10), vague('b@x', 19)], SEEN, deciding)).toMatchObject({ authorState: 'pending' });
    expect(authorshipOf(both, [vague('a@x', 10), vague('b@x', 19)], WAITED, deciding)).toMatchObject({ authorState: 'ambiguous', candidates: [{ changedBy: 'b@x' }, { changedBy: 'a@x' }] });
    expect(authorshipOf(both, [vague('a@x', 10), vague('a@x', 19)], WAITED, deciding)).toMatchObject({ authorState: 'found', author: { changedBy: 'a@x', timestamp: '2026-12-03T14:02:19.000Z' } });
    const truncated = changeRowFor(start, withDeny, { changedBy: 'c@x' }, 'tenant', SEEN) as { properties: { changeAttributes: { changesCount: number } } };
    truncated.properties.changeAttributes.changesCount += 5;
    expect(changeRecordOf(truncated as never)!.written!.whole).toBe(true);
  });

  it('a child resource\'s own record names its rule; another rule\'s does not', () => {
    const child = (name: string, who: string): ChangeRecord => ({ targetResourceId: `${NSG}/securityRules/${name}`, author: { ...breaking.author, changedBy: who } });
    expect(authorshipOf(both, [child('AllowHttp', 'a@x'), child('DenySql', 'b@x')], SEEN, deciding)).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
  });
});

describe('a subnet\'s change, recorded on its VNet', () => {
  const vnet = (endpoints: string[], nsgId = NSG, tags: Record<string, string> = {}): ArmResource => ({
    id: VNET,
    type: 'Microsoft.Network/virtualNetworks',
    tags,
    properties: { subnets: [{ name: 'snet-apim', id: SUBNET, properties: { networkSecurityGroup: { id: nsgId }, serviceEndpoints: endpoints.map((service) => ({ service, locations: ['westeurope'] })) } }] },
  });

  it('a service endpoint removed: the writer whose record removed it, not the one who tagged the VNet', () => {
    const tagged = write('a@x', vnet(['Microsoft.Storage', 'Microsoft.Sql']), vnet(['Microsoft.Storage', 'Microsoft.Sql'], NSG, { owner: 'net' }), 10);
    const removed = write('b@x', vnet(['Microsoft.Storage', 'Microsoft.Sql'], NSG, { owner: 'net' }), vnet(['Microsoft.Storage'], NSG, { owner: 'net' }), 19);
    const endpointGone = change('subnet', SUBNET, [{ kind: 'serviceEndpoint', name: 'Microsoft.Sql', change: 'removed' }]);
    expect(authorshipOf(endpointGone, [tagged], SEEN)).toMatchObject({ authorState: 'pending' });
    expect(authorshipOf(endpointGone, [removed, tagged], SEEN)).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
  });

  it('another NSG associated: the writer of the subnet\'s networkSecurityGroup', () => {
    const swapped = write('b@x', vnet([]), vnet([], `${SUB}/networkSecurityGroups/nsg-other`), 19);
    const tagged = write('a@x', vnet([]), vnet([], NSG, { owner: 'net' }), 10);
    const swap = change('subnet', SUBNET, [{ kind: 'setting', name: 'networkSecurityGroup', change: 'modified' }]);
    expect(authorshipOf(swap, [tagged, swapped], SEEN)).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
  });
});
