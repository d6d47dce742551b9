import { describe, expect, it } from 'vitest';
import { attributeVerdicts, withChanges, type RegionChanges } from '../src/analysis/change-attribution.js';
import { AUTHOR_WAIT_MS } from '../src/analysis/change-authors.js';
import { changeSentence } from '../src/analysis/change-text.js';
import { describeConfigChange } from '../src/analysis/config-diff.js';
import type { FlowVerdict } from '../src/analysis/nsg/verdict.js';
import type { InstanceReport, RegionReport } from '../src/analysis/report.js';
import type { RouteVerdict } from '../src/analysis/routing/verdict.js';
import type { ChangeAuthor, ChangeRecord, ConfigChange } from '../src/model/config-change.js';
import type { SecurityRule, SubnetConfig } from '../src/model/network.js';
import type { RegionNetworkConfig } from '../src/model/snapshot.js';
import { ChangeLedger } from '../src/service/change-ledger.js';

/** Table-driven: what changed between two reads, which verdicts it changed, and who made it. */

const SUB = '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourceGroups/rg-net/providers/Microsoft.Network';
const VNET = `${SUB}/virtualNetworks/vnet-apim`;
const SUBNET = `${VNET}/subnets/snet-apim`;
const NSG = `${SUB}/networkSecurityGroups/nsg-apim`;
const RT = `${SUB}/routeTables/rt-apim`;
const AT = { detectedAt: '2026-12-03T14:03:00.000Z', previousReadAt: '2026-12-03T14:02:00.000Z' };

const rule = (name: string, access: 'Allow' | 'Deny' = 'Allow', priority = 200): SecurityRule => ({
  name,
  priority,
  direction: 'Outbound',
  access,
  protocol: 'Tcp',
  sourceAddressPrefixes: ['VirtualNetwork'],
  destinationAddressPrefixes: ['Sql'],
  sourcePortRanges: ['*'],
  destinationPortRanges: ['1433'],
  isDefault: false,
});

function region(subnet: Partial<SubnetConfig> = {}): RegionNetworkConfig {
  return {
    location: 'westeurope',
    subnetId: SUBNET,
    subnet: {
      id: SUBNET,
      name: 'snet-apim',
      addressPrefixes: ['10.0.0.0/27'],
      serviceEndpoints: [{ service: 'Microsoft.Sql', locations: ['westeurope'] }],
      nsg: { id: NSG, name: 'nsg-apim', location: 'westeurope', securityRules: [rule('AllowSql')], defaultSecurityRules: [] },
      routeTable: { id: RT, name: 'rt-apim', location: 'westeurope', routes: [{ name: 'default', addressPrefix: '0.0.0.0/0', nextHopType: 'Internet' }], disableBgpRoutePropagation: false },
      vnet: { id: VNET, addressSpace: ['10.0.0.0/16'], dnsServers: [] },
      ...subnet,
    },
  };
}
const base = region().subnet!;

describe('describeConfigChange: what changed, per resource, by name', () => {
  it.each<[string, Partial<SubnetConfig>, Array<Pick<ConfigChange, 'resourceKind' | 'resourceId' | 'items'>>]>([
    ['nothing', {}, []],
    ['a rule added to the NSG', { nsg: { ...base.nsg!, securityRules: [rule('AllowSql'), rule('DenySql-CHG0815', 'Deny', 100)] } }, [{ resourceKind: 'networkSecurityGroup', resourceId: NSG, items: [{ kind: 'rule', name: 'DenySql-CHG0815', change: 'added' }] }]],
    ['a rule removed, another modified', { nsg: { ...base.nsg!, securityRules: [{ ...rule('AllowSql'), priority: 4000 }, rule('AllowStorage')].slice(0, 1) } }, [{ resourceKind: 'networkSecurityGroup', resourceId: NSG, items: [{ kind: 'rule', name: 'AllowSql', change: 'modified' }] }]],
    ['a rule renamed (one removed, one added)', { nsg: { ...base.nsg!, securityRules: [rule('allow-sql-1433')] } }, [{ resourceKind: 'networkSecurityGroup', resourceId: NSG, items: [{ kind: 'rule', name: 'allow-sql-1433', change: 'added' }, { kind: 'rule', name: 'AllowSql', change: 'removed' }] }]],
    ['another NSG associated: a change of the subnet, not of either NSG', { nsg: { ...base.nsg!, id: `${SUB}/networkSecurityGroups/nsg-other`, securityRules: [] } }, [{ resourceKind: 'subnet', resourceId: SUBNET, items: [{ kind: 'setting', name: 'networkSecurityGroup', change: 'modified' }] }]],
    ['the NSG dissociated', { nsg: undefined }, [{ resourceKind: 'subnet', resourceId: SUBNET, items: [{ kind: 'setting', name: 'networkSecurityGroup', change: 'removed' }] }]],
    ['a route added, propagation turned off', { routeTable: { ...base.routeTable!, routes: [...base.routeTable!.routes, { name: 'to-firewall', addressPrefix: 'Sql', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.1.0.4' }], disableBgpRoutePropagation: true } }, [{ resourceKind: 'routeTable', resourceId: RT, items: [{ kind: 'route', name: 'to-firewall', change: 'added' }, { kind: 'setting', name: 'disableBgpRoutePropagation', change: 'modified' }] }]],
    ['a service endpoint removed', { serviceEndpoints: [] }, [{ resourceKind: 'subnet', resourceId: SUBNET, items: [{ kind: 'serviceEndpoint', name: 'Microsoft.Sql', change: 'removed' }] }]],
    ['custom DNS servers on the VNet', { vnet: { ...base.vnet, dnsServers: ['10.1.0.4'] } }, [{ resourceKind: 'virtualNetwork', resourceId: VNET, items: [{ kind: 'setting', name: 'dnsServers', change: 'modified' }] }]],
  ])('%s', (_what, after, expected) => {
    const changes = describeConfigChange(region(), region(after), AT);
    expect(changes.map(({ resourceKind, resourceId, items }) => ({ resourceKind, resourceId, items }))).toEqual(expected);
    for (const change of changes) expect(change).toMatchObject({ ...AT, authorState: 'pending', resourceName: change.resourceId.split('/').at(-1) });
  });
});

const flow = (verdict: FlowVerdict['verdict'], decidedBy = 'AllowSql'): FlowVerdict => ({
  direction: 'outbound', peer: 'Sql', port: 1433, protocol: 'Tcp', dependency: 'sql', required: true, pages: true, applies: true, verdict, decidedBy, decidingRules: [decidedBy],
});
const route = (ok: boolean): RouteVerdict => ({ dependency: 'sql', peer: 'Sql', nextHopType: ok ? 'Internet' : 'VirtualAppliance', ok, decidedBy: ok ? 'default' : 'to-firewall' });
const regionReport = (flows: FlowVerdict[], routes: RouteVerdict[] = [route(true)], endpoints = [{ service: 'Microsoft.Sql', enabled: true }]): RegionReport =>
  ({
    location: 'westeurope',
    config: { state: 'ok', flows, routes: { forcedTunnelling: false, managementReturnRoute: true, verdicts: routes, findings: [] }, serviceEndpoints: endpoints, dns: { vnet: [], networkStatus: [], consistent: true }, subnetChecks: [], findings: [] },
  }) as unknown as RegionReport;
const change = (resourceKind: ConfigChange['resourceKind'], items: ConfigChange['items'] = []): ConfigChange => ({ resourceId: NSG, resourceKind, resourceName: 'x', items, ...AT, authorState: 'pending' });

describe('attributeVerdicts: a changed verdict joined to the change that explains it', () => {
  const nsgChange = change('networkSecurityGroup', [{ kind: 'rule', name: 'DenySql', change: 'added' }]);
  const swap = change('subnet', [{ kind: 'setting', name: 'networkSecurityGroup', change: 'modified' }]);
  const endpointGone = change('subnet', [{ kind: 'serviceEndpoint', name: 'Microsoft.Sql', change: 'removed' }]);
  const routeChange = change('routeTable', [{ kind: 'route', name: 'to-firewall', change: 'added' }]);
  it.each<[string, RegionReport, RegionReport, ConfigChange[], Array<[string, ConfigChange, string, string]>]>([
    ['a flow denied by an NSG change', regionReport([flow('allowed')]), regionReport([flow('denied', 'DenySql')]), [nsgChange], [['flow outbound sql Sql Tcp 1433', nsgChange, 'allowed', 'denied']]],
    ['the NSG swapped: the subnet change, not the NSG\'s', regionReport([flow('allowed')]), regionReport([flow('denied')]), [nsgChange, swap], [['flow outbound sql Sql Tcp 1433', swap, 'allowed', 'denied']]],
    ['a verdict that did not change is not joined', regionReport([flow('allowed')]), regionReport([flow('allowed', 'AllowSqlNew')]), [nsgChange], []],
    ['no change that could explain it: not joined', regionReport([flow('allowed')]), regionReport([flow('denied')]), [routeChange], []],
    ['a route diverted by a route table change', regionReport([], [route(true)]), regionReport([], [route(false)]), [routeChange], [['route sql Sql', routeChange, 'ok', 'next hop VirtualAppliance']]],
    ['a service endpoint removed from the subnet', regionReport([]), regionReport([], [route(true)], [{ service: 'Microsoft.Sql', enabled: false }]), [endpointGone], [['service endpoint microsoft.sql', endpointGone, 'enabled', 'not enabled']]],
  ])('%s', (_what, before, after, changes, expected) => {
    expect(attributeVerdicts(before, after, changes).map((a) => [a.key, a.change, a.previousVerdict, a.verdict])).toEqual(expected);
  });

  it('withChanges joins a verdict while it stands, and lets go of it once it reads otherwise', () => {
    const attribution = attributeVerdicts(regionReport([flow('allowed')]), regionReport([flow('denied')]), [nsgChange])[0]!;
    const held: RegionChanges = { changes: [nsgChange], attributions: new Map([[attribution.key, attribution]]) };
    const report = (verdict: FlowVerdict['verdict']) => ({ instance: { id: 'i' }, regions: [regionReport([flow(verdict)])] }) as unknown as InstanceReport;
    const denied = withChanges(report('denied'), () => held);
    expect(denied.regions[0]!.config!.flows[0]!.change).toEqual({ ...nsgChange, previousVerdict: 'allowed' });
    expect(denied.regions[0]!.config!.changes).toEqual([nsgChange]);
    const allowedAgain = withChanges(denied, () => ({ ...held, attributions: new Map() }));
    expect(allowedAgain.regions[0]!.config!.flows[0]!.change).toBeUndefined();
    const untouched = report('denied');
    expect(withChanges(untouched, () => undefined)).toBe(untouched);
  });
});

const author = (changedBy: string, timestamp: string): ChangeAuthor => ({ changedBy, changedByType: 'User', clientType: 'Azure CLI', operation: 'microsoft.network/networksecuritygroups/write', timestamp, changeType: 'Update', changedPaths: [] });
/** A record of a write that added the rule `added` at `index` of the NSG's rules (Azure's keys name it by its `name` leaf). */
const record = (id: string, changedBy: string, timestamp: string, added = 'DenySql', index = 1): ChangeRecord => ({
  targetResourceId: id,
  author: author(changedBy, timestamp),
  written: { elements: [{ array: 'properties.securityRules', index, nameAfter: added }], paths: ['properties.securityRules[].name', 'properties.securityRules[].properties.access'], whole: false },
});

describe('changeSentence', () => {
  const now = new Date('2026-12-03T15:00:00Z');
  const added = { ...change('networkSecurityGroup', [{ kind: 'rule', name: 'DenySql-CHG0815', change: 'added' }]), resourceName: 'nsg-prod' };
  it.each<[string, ConfigChange, string]>([
    ['found', { ...added, authorState: 'found', author: { ...author('netops@contoso.example', '2026-12-03T14:02:10Z'), clientType: 'Azure Portal' } }, 'rule DenySql-CHG0815 added (NSG nsg-prod) by netops@contoso.example (User) via Azure Portal at 14:02 UTC'],
    ['found on another day, no client', { ...added, authorState: 'found', author: { ...author('System', '2026-12-01T14:02:10Z'), clientType: '' } }, 'rule DenySql-CHG0815 added (NSG nsg-prod) by System (User) at 2026-12-01 14:02 UTC'],
    ['pending', added, 'rule DenySql-CHG0815 added (NSG nsg-prod), seen at 14:03 UTC; who made it is not recorded yet (Resource Graph records changes within about five minutes)'],
    ['not recorded', { ...added, authorState: 'not-recorded' }, 'rule DenySql-CHG0815 added (NSG nsg-prod), seen at 14:03 UTC; Resource Graph recorded no write by anyone'],
    ['unreadable', { ...added, authorState: 'unreadable', authorError: 'AuthorizationFailed' }, 'rule DenySql-CHG0815 added (NSG nsg-prod), seen at 14:03 UTC; who made it cannot be read: AuthorizationFailed'],
    ['ambiguous: everyone who could have made it', { ...added, authorState: 'ambiguous', candidates: [author('b@x', '2026-12-03T14:02:19Z'), { ...author('a@x', '2026-12-03T14:02:10Z'), clientType: 'Azure Portal' }] }, "rule DenySql-CHG0815 added (NSG nsg-prod) by one of: b@x (User) via Azure CLI at 14:02 UTC, a@x (User) via Azure Portal at 14:02 UTC (Resource Graph's records of their writes cannot tell which made it)"],
    ['about the items that decided a verdict, the others said apart', { ...added, items: [{ kind: 'rule', name: 'AllowHttp', change: 'added' }, ...added.items], decidingItems: added.items, authorState: 'found', author: author('b@x', '2026-12-03T14:02:19Z') }, 'rule DenySql-CHG0815 added (NSG nsg-prod) by b@x (User) via Azure CLI at 14:02 UTC; also changed: rule AllowHttp added'],
    ['many items', { ...added, items: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ kind: 'rule' as const, name, change: 'removed' as const })) }, 'rule a removed, rule b removed, rule c removed and 2 more (NSG nsg-prod), seen at 14:03 UTC; who made it is not recorded yet (Resource Graph records changes within about five minutes)'],
  ])('%s', (_what, given, text) => {
    expect(changeSentence(given, now)).toBe(text);
  });
});

describe('ChangeLedger', () => {
  const instance = (network: RegionNetworkConfig) => ({ instance: { id: 'apim-1' }, network: [network] }) as never;
  const judged = (verdict: FlowVerdict['verdict']) => ({ instance: { id: 'apim-1' }, regions: [regionReport([flow(verdict)])] }) as unknown as InstanceReport;
  const deny = region({ nsg: { ...base.nsg!, securityRules: [rule('AllowSql'), rule('DenySql', 'Deny', 100)] } });

  it('keeps a change seen twice (a watch run a poll overtook, then the poll) once, and settles who made it', () => {
    const ledger = new ChangeLedger();
    ledger.read(new Date(AT.previousReadAt));
    const at = new Date(AT.detectedAt);
    ledger.observe(instance(region()), judged('allowed'), instance(deny), judged('denied'), at);
    const again = ledger.observe(instance(region()), judged('allowed'), instance(deny), judged('denied'), at);
    expect(again.regions[0]!.config!.changes).toHaveLength(1);
    expect(ledger.asked(at)).toHaveLength(1);
    expect([...ledger.settle({ error: 'Resource Graph answered 500' }, at)]).toEqual(['apim-1']);
    expect(ledger.attach(judged('denied')).regions[0]!.config!.flows[0]!.change).toMatchObject({ authorState: 'unreadable', authorError: 'Resource Graph answered 500' });
    expect([...ledger.settle([record(NSG, 'netops@contoso.example', '2026-12-03T14:02:30Z')], at)]).toEqual(['apim-1']);
    const settled = ledger.attach(judged('denied')).regions[0]!.config!.flows[0]!.change!;
    expect(settled).toMatchObject({ authorState: 'found', author: { changedBy: 'netops@contoso.example' }, previousVerdict: 'allowed' });
    expect(settled.authorError).toBeUndefined();
    // A failed read later leaves what was found standing.
    expect([...ledger.settle({ error: 'Resource Graph answered 500' }, at)]).toEqual([]);
    // Asked for until the wait is over: a later record may still name someone else.
    expect(ledger.asked(at)).toHaveLength(1);
    expect(ledger.asked(new Date(at.getTime() + AUTHOR_WAIT_MS))).toEqual([]);
  });

  it('re-joins as late records arrive: pending while only another write is recorded, then its writer, then all who could have', () => {
    const ledger = new ChangeLedger();
    ledger.read(new Date(AT.previousReadAt));
    const at = new Date(AT.detectedAt);
    const two = region({ nsg: { ...base.nsg!, securityRules: [rule('AllowSql'), rule('AllowHttp'), rule('DenySql', 'Deny', 100)] } });
    const judgedDeny = { instance: { id: 'apim-1' }, regions: [regionReport([flow('denied', 'DenySql')])] } as unknown as InstanceReport;
    ledger.observe(instance(region()), judged('allowed'), instance(two), judgedDeny, at);
    const harmless = record(NSG, 'a@x', '2026-12-03T14:02:10Z', 'AllowHttp', 1);
    const breaking = record(NSG, 'b@x', '2026-12-03T14:02:19Z', 'DenySql', 2);
    const joined = () => ledger.attach(judgedDeny).regions[0]!.config!;

    expect([...ledger.settle([harmless], at)]).toEqual([]);
    expect(joined().flows[0]!.change).toMatchObject({ authorState: 'pending', decidingItems: [{ name: 'DenySql' }] });
    expect(joined().changes![0]).toMatchObject({ authorState: 'pending', decidingItems: [{ name: 'DenySql' }] });
    expect([...ledger.settle([breaking, harmless], at)]).toEqual(['apim-1']);
    expect(joined().flows[0]!.change).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
    expect(joined().changes![0]).toMatchObject({ authorState: 'found', author: { changedBy: 'b@x' } });
    // A third record, late, of a write that also touched the deciding rule: it could have been either.
    const also = { ...record(NSG, 'c@x', '2026-12-03T14:02:40Z', 'DenySql', 2), written: { elements: [{ array: 'properties.securityRules', index: 2 }], paths: ['properties.securityRules[].properties.access'], whole: false } };
    ledger.settle([harmless, breaking, also], new Date(at.getTime() + 60_000));
    expect(joined().flows[0]!.change).toMatchObject({ authorState: 'ambiguous', candidates: [{ changedBy: 'c@x' }, { changedBy: 'b@x' }] });
  });
});
