import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AddressSet } from '../src/analysis/addresses.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { evaluateFlow, evaluateNsg, type FlowVerdict, type NsgContext } from '../src/analysis/nsg/evaluate.js';
import { FLOW_REQUIREMENTS, type FlowRequirement } from '../src/analysis/requirements.js';
import { tagAddresses } from '../src/analysis/service-tags.js';
import {
  defaultSecurityRules,
  InvalidNetworkConfigError,
  normaliseNsg,
  normaliseRouteTable,
  normaliseServiceTags,
} from '../src/azure/normalise-network.js';
import type { NetworkSecurityGroup } from '../src/model/network.js';
import { exampleBody } from './helpers/examples.js';
import { bundledServiceTagsBody } from '../src/data/bundled-service-tags.js';

const tags = normaliseServiceTags(bundledServiceTagsBody(), 'bundled');
const fixture = (file: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/network/${file}`, import.meta.url), 'utf8'));

type Json = Record<string, unknown>;

/** The landing-zone NSG in ARM REST shape, to be varied per test. */
const landingZone = () => fixture('landing-zone.arm.json') as { properties: { securityRules: Json[] } } & Json;

function ctx(overrides: Partial<NsgContext> = {}): NsgContext {
  return {
    vnetType: 'External',
    platformVersion: 'stv2',
    paging: DEFAULT_PAGING_POLICY,
    region: 'westeurope',
    primaryRegion: 'westeurope',
    serviceTags: tags,
    vnetAddressSpace: ['10.10.0.0/16'],
    subnetPrefixes: ['10.10.1.0/24'],
    udrPrefixes: [],
    ...overrides,
  };
}

interface RuleSpec {
  name: string;
  priority: number;
  direction?: 'Inbound' | 'Outbound';
  access?: 'Allow' | 'Deny';
  protocol?: string;
  source?: string | string[];
  destination?: string | string[];
  ports?: string | string[];
  sourcePorts?: string;
}

/** A custom rule as ARM REST returns it: singular fields `""` when the plural is used. */
function armRule(spec: RuleSpec): Json {
  const field = (value: string | string[]) => (Array.isArray(value) ? ['', value] : [value, []]);
  const [sourceAddressPrefix, sourceAddressPrefixes] = field(spec.source ?? 'VirtualNetwork');
  const [destinationAddressPrefix, destinationAddressPrefixes] = field(spec.destination ?? '*');
  const [destinationPortRange, destinationPortRanges] = field(spec.ports ?? '*');
  return {
    name: spec.name,
    properties: {
      protocol: spec.protocol ?? 'Tcp',
      sourcePortRange: spec.sourcePorts ?? '*',
      sourcePortRanges: [],
      sourceAddressPrefix,
      sourceAddressPrefixes,
      destinationAddressPrefix,
      destinationAddressPrefixes,
      destinationPortRange,
      destinationPortRanges,
      access: spec.access ?? 'Allow',
      priority: spec.priority,
      direction: spec.direction ?? 'Outbound',
    },
  };
}

/** An NSG in ARM REST shape without default rules (the normaliser adds Azure's six). */
function nsgOf(...rules: RuleSpec[]): NetworkSecurityGroup {
  return normaliseNsg({ name: 'nsg-test', location: 'westeurope', properties: { securityRules: rules.map(armRule) } });
}

const DENY_INTERNET_OUT: RuleSpec = { name: 'DenyAllInternetOutbound', priority: 4096, access: 'Deny', protocol: '*', destination: 'Internet' };

function flowOf(direction: 'Inbound' | 'Outbound', peer: string, port: number): FlowRequirement {
  const flow = FLOW_REQUIREMENTS.find((row) => row.direction === direction && row.peer === peer && row.port === port);
  if (!flow) throw new Error(`no requirement ${direction} ${peer} ${port}`);
  return flow;
}

const judge = (nsg: NetworkSecurityGroup | undefined, direction: 'Inbound' | 'Outbound', peer: string, port: number, context = ctx()) =>
  evaluateFlow(nsg, flowOf(direction, peer, port), context);

const summary = (verdict: FlowVerdict) => ({ verdict: verdict.verdict, decidedBy: verdict.decidedBy, decidingRules: verdict.decidingRules });

describe('facts the evaluation relies on (real service-tag prefixes)', () => {
  const internet = AddressSet.ALL.subtract(
    AddressSet.fromPrefixes(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '168.63.129.16/32', '169.254.0.0/16']),
  );
  it.each(['Storage', 'Sql', 'AzureKeyVault', 'AzureMonitor', 'ApiManagement', 'AzureActiveDirectory', 'EventHub'])('%s lies inside Internet', (tag) => {
    expect(internet.covers(tagAddresses(tags, tag)!)).toBe(true);
  });
  it.each(['Sql', 'Storage', 'ApiManagement', 'AzureKeyVault', 'AzureMonitor', 'EventHub'])('%s.WestEurope and .NorthEurope lie inside %s', (tag) => {
    expect(tagAddresses(tags, tag)!.covers(tagAddresses(tags, `${tag}.WestEurope`)!)).toBe(true);
    expect(tagAddresses(tags, tag)!.covers(tagAddresses(tags, `${tag}.NorthEurope`)!)).toBe(true);
  });
});

describe('evaluateNsg: the landing-zone NSG', () => {
  it('allows every flow, each decided by one rule', () => {
    const verdicts = evaluateNsg(normaliseNsg(landingZone()), ctx());
    expect(verdicts.map((verdict) => [verdict.direction, verdict.peer, verdict.port])).toEqual(
      FLOW_REQUIREMENTS.map((flow) => [flow.direction.toLowerCase(), flow.peer, flow.port]),
    );
    expect(verdicts.map((verdict) => [`${verdict.direction} ${verdict.peer} ${verdict.protocol === 'Udp' ? 'Udp/' : ''}${verdict.port}`, verdict.verdict, verdict.decidedBy])).toEqual([
      ['inbound Internet 443', 'allowed', 'AllowClientInbound'],
      ['inbound Internet 80', 'allowed', 'AllowClientInbound'],
      ['inbound ApiManagement 3443', 'allowed', 'AllowApimManagementInbound'],
      ['inbound AzureLoadBalancer 6390', 'allowed', 'AllowAzureLoadBalancerInbound'],
      // Traffic Manager's probes come from public addresses, inside Internet: the client rule (100) gets there first
      ['inbound AzureTrafficManager 443', 'allowed', 'AllowClientInbound'],
      // VirtualNetwork holds the host's virtual IP 168.63.129.16, which AzureLoadBalancer stands for
      ['inbound AzureLoadBalancer 6391', 'allowed', 'AllowVnetInBound'],
      ['outbound Internet 80', 'allowed', 'AllowInternetHttpOutbound'],
      ['outbound Storage 443', 'allowed', 'AllowStorageOutbound'],
      ['outbound Sql 1433', 'allowed', 'AllowSqlOutbound'],
      ['outbound AzureKeyVault 443', 'allowed', 'AllowKeyVaultOutbound'],
      ['outbound AzureMonitor 1886', 'allowed', 'AllowMonitorOutbound'],
      ['outbound AzureMonitor 443', 'allowed', 'AllowMonitorOutbound'],
      ['outbound AzureActiveDirectory 443', 'allowed', 'AllowEntraOutbound'],
      ['outbound AzureConnectors 443', 'allowed', 'AllowInternetOutBound'],
      ['outbound EventHub 5671', 'allowed', 'AllowEventHubOutbound'],
      ['outbound EventHub 5672', 'allowed', 'AllowEventHubOutbound'],
      ['outbound EventHub 443', 'allowed', 'AllowEventHubOutbound'],
      // The instance's own machines: the default VNet rules
      ['inbound VirtualNetwork 6380', 'allowed', 'AllowVnetInBound'],
      ['inbound VirtualNetwork 6381', 'allowed', 'AllowVnetInBound'],
      ['inbound VirtualNetwork 6382', 'allowed', 'AllowVnetInBound'],
      ['inbound VirtualNetwork 6383', 'allowed', 'AllowVnetInBound'],
      ['outbound VirtualNetwork 6380', 'allowed', 'AllowVnetOutBound'],
      ['outbound VirtualNetwork 6381', 'allowed', 'AllowVnetOutBound'],
      ['outbound VirtualNetwork 6382', 'allowed', 'AllowVnetOutBound'],
      ['outbound VirtualNetwork 6383', 'allowed', 'AllowVnetOutBound'],
      ['inbound VirtualNetwork Udp/4290', 'allowed', 'AllowVnetInBound'],
      ['outbound VirtualNetwork Udp/4290', 'allowed', 'AllowVnetOutBound'],
      ['outbound Storage 445', 'allowed', 'AllowStorageSmbOutbound'],
      // The v2 tiers' row (it does not apply to this classic instance, but is judged all the same)
      ['outbound Storage 443', 'allowed', 'AllowStorageOutbound'],
    ]);
    expect(verdicts.every((verdict) => verdict.decidingRules.length === 1 && verdict.note === undefined)).toBe(true);
  });

  it('marks applies and required from the mode, the platform and the paging policy', () => {
    const verdicts = evaluateNsg(normaliseNsg(landingZone()), ctx({ vnetType: 'Internal', platformVersion: 'stv2' }));
    const row = (peer: string, port: number) => verdicts.find((verdict) => verdict.peer === peer && verdict.port === port)!;
    expect(row('Internet', 443)).toMatchObject({ applies: false, required: false });
    expect(row('AzureTrafficManager', 443)).toMatchObject({ applies: false, required: false });
    expect(row('ApiManagement', 3443)).toMatchObject({ applies: true, required: true });
    expect(row('Storage', 445)).toMatchObject({ applies: true, required: false, pages: false, dependency: 'storage' }); // the Git share: optional, every platform
    expect(row('Internet', 80)).toMatchObject({ applies: false }); // inbound HTTP: External only; outbound 80 is another row
    expect(verdicts.find((v) => v.direction === 'outbound' && v.peer === 'Internet')).toMatchObject({ applies: true, required: true }); // certificate validation (2025-06-17)
    expect(evaluateNsg(normaliseNsg(landingZone()), ctx({ sku: 'Developer' })).find((v) => v.peer === 'AzureLoadBalancer' && v.port === 6390)).toMatchObject({ required: false });
    // Microsoft's table marks Entra optional; the paging policy pages on it (any endpoint of graph).
    expect(row('AzureActiveDirectory', 443)).toMatchObject({ applies: true, required: false, pages: true, dependency: 'graph' });
    expect(row('Sql', 1433)).toMatchObject({ required: true, pages: true });
    expect(row('AzureMonitor', 1886)).toMatchObject({ required: true, pages: false });
    expect(row('EventHub', 5671)).toMatchObject({ applies: true, required: false });
    const stv1 = evaluateNsg(normaliseNsg(landingZone()), ctx({ platformVersion: 'stv1', paging: {} }));
    expect(stv1.find((verdict) => verdict.peer === 'Storage' && verdict.port === 445)).toMatchObject({ applies: true, required: false });
    expect(stv1.find((verdict) => verdict.peer === 'AzureActiveDirectory')).toMatchObject({ required: false, pages: false });
  });

  it('judges the same way without subnet or VNet prefixes (whatif): VirtualNetwork still counts as the subnet', () => {
    const verdicts = evaluateNsg(normaliseNsg(landingZone()), ctx({ vnetAddressSpace: [], subnetPrefixes: [] }));
    expect(verdicts.every((verdict) => verdict.verdict === 'allowed')).toBe(true);
  });
});

describe('the 1443 typo in the SQL rule', () => {
  const withTypo = (...extra: RuleSpec[]) => {
    const json = landingZone();
    const rules = json.properties.securityRules;
    const sql = rules.find((rule) => rule.name === 'AllowSqlOutbound') as { properties: Json };
    sql.properties.destinationPortRange = '1443';
    rules.push(...extra.map(armRule));
    return normaliseNsg(json);
  };

  it('goes unnoticed without an explicit deny: AllowInternetOutBound allows Sql 1433', () => {
    expect(summary(judge(withTypo(), 'Outbound', 'Sql', 1433))).toEqual({
      verdict: 'allowed',
      decidedBy: 'AllowInternetOutBound',
      decidingRules: ['AllowInternetOutBound'],
    });
  });

  it('is fatal with a DenyAllInternetOutbound custom rule, which denies Sql 1433', () => {
    const verdicts = evaluateNsg(withTypo(DENY_INTERNET_OUT), ctx());
    const sql = verdicts.find((verdict) => verdict.peer === 'Sql')!;
    expect(sql).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound', required: true, dependency: 'sql' });
    // AzureConnectors (optional) has no allow rule in the landing zone either.
    expect(verdicts.filter((verdict) => verdict.verdict !== 'allowed').map((verdict) => verdict.peer)).toEqual(['Sql', 'AzureConnectors']);
  });

  it("with a custom deny-everything rule, that rule denies it (Azure's DenyAllOutBound never sees Sql: AllowInternetOutBound comes first)", () => {
    const denyAll: RuleSpec = { name: 'DenyAllOutboundCustom', priority: 4096, access: 'Deny', protocol: '*', destination: '*' };
    expect(summary(judge(withTypo(denyAll), 'Outbound', 'Sql', 1433))).toEqual({
      verdict: 'denied',
      decidedBy: 'DenyAllOutboundCustom',
      decidingRules: ['DenyAllOutboundCustom'],
    });
  });
});

describe('rule semantics', () => {
  it('a Deny with a lower priority number shadows a later Allow', () => {
    const nsg = nsgOf(
      { name: 'DenyKeyVaultOutbound', priority: 105, access: 'Deny', destination: 'AzureKeyVault', ports: '443' },
      { name: 'AllowKeyVaultOutbound', priority: 120, destination: 'AzureKeyVault', ports: '443' },
    );
    expect(summary(judge(nsg, 'Outbound', 'AzureKeyVault', 443))).toEqual({
      verdict: 'denied',
      decidedBy: 'DenyKeyVaultOutbound',
      decidingRules: ['DenyKeyVaultOutbound'],
    });
  });

  it('sorts custom rules by priority whatever their order in the JSON', () => {
    const nsg = nsgOf(
      { name: 'AllowKeyVaultOutbound', priority: 300, destination: 'AzureKeyVault', ports: '443' },
      { name: 'DenyKeyVaultOutbound', priority: 200, access: 'Deny', destination: 'AzureKeyVault', ports: '443' },
    );
    expect(judge(nsg, 'Outbound', 'AzureKeyVault', 443).decidedBy).toBe('DenyKeyVaultOutbound');
  });

  it.each([
    [['443', '1886'], 1886, 'allowed', 'AllowMonitor'],
    [['443', '1886'], 443, 'allowed', 'AllowMonitor'],
    ['1000-2000', 1886, 'allowed', 'AllowMonitor'],
    ['1000-2000', 443, 'denied', 'DenyAllInternetOutbound'],
    [['80', '1000-1885'], 1886, 'denied', 'DenyAllInternetOutbound'],
    [['1886-1886'], 1886, 'allowed', 'AllowMonitor'],
    ['*', 443, 'allowed', 'AllowMonitor'],
  ] as const)('destination ports %j and port %i: %s by %s', (ports, port, verdict, decidedBy) => {
    const nsg = nsgOf({ name: 'AllowMonitor', priority: 100, destination: 'AzureMonitor', ports: [...(Array.isArray(ports) ? ports : [ports])] }, DENY_INTERNET_OUT);
    expect(judge(nsg, 'Outbound', 'AzureMonitor', port)).toMatchObject({ verdict, decidedBy });
  });

  it.each([
    ['*', 'allowed', 'AllowSql'],
    ['Tcp', 'allowed', 'AllowSql'],
    ['tcp', 'allowed', 'AllowSql'],
    ['Any', 'allowed', 'AllowSql'],
    ['Udp', 'denied', 'DenyAllInternetOutbound'],
    ['Icmp', 'denied', 'DenyAllInternetOutbound'],
  ])('protocol %s: Sql 1433 %s by %s', (protocol, verdict, decidedBy) => {
    const nsg = nsgOf({ name: 'AllowSql', priority: 100, protocol, destination: 'Sql', ports: '1433' }, DENY_INTERNET_OUT);
    expect(judge(nsg, 'Outbound', 'Sql', 1433)).toMatchObject({ verdict, decidedBy });
  });

  it('a rule restricting source ports decides nothing, and says so', () => {
    const nsg = nsgOf({ name: 'AllowSqlFromHighPorts', priority: 100, destination: 'Sql', ports: '1433', sourcePorts: '49152-65535' }, DENY_INTERNET_OUT);
    const verdict = judge(nsg, 'Outbound', 'Sql', 1433);
    expect(verdict).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound' });
    expect(verdict.note).toContain('AllowSqlFromHighPorts restricts source ports');
  });

  it('a tag the data does not hold makes the flow unknown (never "matches nothing"), naming the rule and the tag', () => {
    const nsg = nsgOf({ name: 'AllowSqlTypo', priority: 100, destination: 'SqlServer', ports: '1433' }, DENY_INTERNET_OUT);
    const verdict = judge(nsg, 'Outbound', 'Sql', 1433);
    expect(verdict).toMatchObject({ verdict: 'unknown', decidedBy: 'AllowSqlTypo' });
    expect(verdict.note).toContain('unknown: rule AllowSqlTypo: "SqlServer" is not a service tag in the service-tag data used (bundled)');
    // A rule that cannot decide the flow (another port) leaves it as it was.
    expect(judge(nsg, 'Outbound', 'Storage', 443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound' });
  });

  it.each<[string, RuleSpec, string]>([
    ['a port that is not a number', { name: 'AllowSqlPort', priority: 100, destination: 'Sql', ports: 'abc' }, 'destination port "abc" is not a port'],
    ['a port beyond 65535', { name: 'AllowSqlPort', priority: 100, destination: 'Sql', ports: '70000' }, '"70000" is beyond the last port, 65535'],
    ['a range that ends before it starts', { name: 'AllowSqlPort', priority: 100, destination: 'Sql', ports: '500-100' }, '"500-100" is a range that ends before it starts'],
    ['a template expression', { name: 'AllowSqlPort', priority: 100, destination: 'Sql', ports: "[parameters('port')]" }, "is an ARM template expression"],
    ['an invalid prefix', { name: 'AllowSqlPrefix', priority: 100, destination: '300.1.1.1/33', ports: '1433' }, '"300.1.1.1/33" is not a valid IP address or CIDR prefix'],
    ['a priority outside 100-4096', { name: 'AllowSqlPriority', priority: 5000, destination: 'Sql', ports: '1433' }, '"priority" 5000 is outside 100-4096'],
  ])('%s makes the flows the rule could decide unknown, with the reason', (_, rule, reason) => {
    const verdict = judge(nsgOf(rule, DENY_INTERNET_OUT), 'Outbound', 'Sql', 1433);
    expect(verdict).toMatchObject({ verdict: 'unknown', decidedBy: rule.name });
    expect(verdict.note).toContain(reason);
  });

  it('an unreadable value in a rule that cannot decide the flow changes nothing', () => {
    // The rule's ports are unreadable, but it is inbound: outbound Sql never meets it.
    const verdict = judge(nsgOf({ name: 'Odd', priority: 100, direction: 'Inbound', ports: 'abc' }, DENY_INTERNET_OUT), 'Outbound', 'Sql', 1433);
    expect(verdict).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound' });
  });

  it('a secondary region that allows only its own Storage: partial, naming the primary region\'s part, which Microsoft requires too, and the rule that denies it', () => {
    const nsg = nsgOf({ name: 'AllowStorageOwnRegionOnly', priority: 100, destination: 'Storage.NorthEurope', ports: '443' }, DENY_INTERNET_OUT);
    const verdict = judge(nsg, 'Outbound', 'Storage', 443, ctx({ region: 'northeurope', primaryRegion: 'westeurope' }));
    expect(verdict).toMatchObject({ verdict: 'partial', decidingRules: ['AllowStorageOwnRegionOnly', 'DenyAllInternetOutbound'] });
    expect(verdict.note).toBe(
      "partial: Storage.NorthEurope (this region's) allowed by AllowStorageOwnRegionOnly; Storage.WestEurope (the primary region's, which Microsoft requires here too) denied by DenyAllInternetOutbound",
    );
  });

  it('names the rule that nearly matched, and why not: a port typed 1443, a protocol, a destination that is not the subnet', () => {
    const typo = judge(nsgOf({ name: 'AllowSqlTypo', priority: 100, destination: 'Sql', ports: '1443' }, DENY_INTERNET_OUT), 'Outbound', 'Sql', 1433);
    expect(typo).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound' });
    expect(typo.note).toContain('rule AllowSqlTypo would allow it but its ports are 1443, not 1433');
    const udp = judge(nsgOf({ name: 'AllowSqlUdp', priority: 100, destination: 'Sql', ports: '1433', protocol: 'Udp' }, DENY_INTERNET_OUT), 'Outbound', 'Sql', 1433);
    expect(udp.note).toContain('rule AllowSqlUdp would allow it but its protocol is Udp, not Tcp');
    const elsewhere = judge(
      nsgOf({ name: 'AllowManagementOtherSubnet', priority: 100, direction: 'Inbound', source: 'ApiManagement', destination: '10.99.0.0/24', ports: '3443' }),
      'Inbound',
      'ApiManagement',
      3443,
    );
    expect(elsewhere).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' });
    expect(elsewhere.note).toContain('rule AllowManagementOtherSubnet would allow it but its destination (10.99.0.0/24) is not the subnet');
    // Allowed flows carry no such notes.
    expect(judge(nsgOf({ name: 'AllowSqlTypo', priority: 100, destination: 'Sql', ports: '1443' }), 'Outbound', 'Sql', 1433).note).toBeUndefined();
  });

  it('matches tags case-insensitively', () => {
    const nsg = nsgOf({ name: 'AllowSql', priority: 100, destination: 'sql.westeurope', ports: '1433' }, DENY_INTERNET_OUT);
    expect(judge(nsg, 'Outbound', 'Sql', 1433).verdict).toBe('allowed');
  });

  it('a rule whose local side covers only part of the subnet does not decide the flow', () => {
    const nsg = nsgOf({ name: 'AllowSqlFromHalf', priority: 100, source: '10.10.1.0/25', destination: 'Sql', ports: '1433' }, DENY_INTERNET_OUT);
    const verdict = judge(nsg, 'Outbound', 'Sql', 1433);
    expect(verdict).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInternetOutbound' });
    expect(verdict.note).toContain('AllowSqlFromHalf covers only part of the subnet');
  });

  it('a rule for another subnet does not take part', () => {
    const nsg = nsgOf({ name: 'DenySqlFromOtherSubnet', priority: 100, access: 'Deny', source: '10.10.2.0/24', destination: 'Sql', ports: '1433' });
    expect(judge(nsg, 'Outbound', 'Sql', 1433).decidedBy).toBe('AllowInternetOutBound');
  });
});

describe('regional tags', () => {
  const nsg = nsgOf({ name: 'AllowSqlWestEurope', priority: 100, destination: 'Sql.WestEurope', ports: '1433' }, DENY_INTERNET_OUT);

  it('Sql.WestEurope fully covers an instance whose region and primary region are West Europe', () => {
    expect(summary(judge(nsg, 'Outbound', 'Sql', 1433))).toEqual({ verdict: 'allowed', decidedBy: 'AllowSqlWestEurope', decidingRules: ['AllowSqlWestEurope'] });
  });

  it('Sql.WestEurope only partly covers a North Europe region whose primary is West Europe', () => {
    const verdict = judge(nsg, 'Outbound', 'Sql', 1433, ctx({ region: 'northeurope', primaryRegion: 'westeurope' }));
    expect(summary(verdict)).toEqual({ verdict: 'partial', decidedBy: 'AllowSqlWestEurope', decidingRules: ['AllowSqlWestEurope', 'DenyAllInternetOutbound'] });
  });

  it('both regional tags, or the global tag, cover the multi-region instance', () => {
    const both = nsgOf({ name: 'AllowSqlRegions', priority: 100, destination: ['Sql.WestEurope', 'Sql.NorthEurope'], ports: '1433' }, DENY_INTERNET_OUT);
    const global = nsgOf({ name: 'AllowSql', priority: 100, destination: 'Sql', ports: '1433' }, DENY_INTERNET_OUT);
    const northEurope = ctx({ region: 'northeurope', primaryRegion: 'westeurope' });
    expect(judge(both, 'Outbound', 'Sql', 1433, northEurope)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowSqlRegions' });
    expect(judge(global, 'Outbound', 'Sql', 1433, northEurope)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowSql' });
  });

  it('an inbound regional ApiManagement rule covers its own region only', () => {
    const inbound = nsgOf({ name: 'AllowApimWestEurope', priority: 100, direction: 'Inbound', source: 'ApiManagement.WestEurope', destination: 'VirtualNetwork', ports: '3443' });
    expect(judge(inbound, 'Inbound', 'ApiManagement', 3443)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowApimWestEurope' });
    expect(judge(inbound, 'Inbound', 'ApiManagement', 3443, ctx({ region: 'northeurope', primaryRegion: 'northeurope' }))).toMatchObject({
      verdict: 'denied',
      decidedBy: 'DenyAllInBound',
    });
  });
});

describe('CIDR rules against a tag', () => {
  const sqlWestEurope = tags.tags.get('sql.westeurope')!.addressPrefixes;
  const v4 = sqlWestEurope.filter((prefix) => !prefix.includes(':'));

  it('covering part of the tag: partial, decided first by the CIDR rule', () => {
    const nsg = nsgOf({ name: 'AllowSqlCidrs', priority: 100, destination: v4.slice(0, 5), ports: '1433' }, DENY_INTERNET_OUT);
    expect(summary(judge(nsg, 'Outbound', 'Sql', 1433))).toEqual({
      verdict: 'partial',
      decidedBy: 'AllowSqlCidrs',
      decidingRules: ['AllowSqlCidrs', 'DenyAllInternetOutbound'],
    });
  });

  it('covering all of the tag: allowed by the CIDR rule alone', () => {
    const nsg = nsgOf({ name: 'AllowSqlCidrs', priority: 100, destination: sqlWestEurope, ports: '1433' }, DENY_INTERNET_OUT);
    expect(summary(judge(nsg, 'Outbound', 'Sql', 1433))).toEqual({ verdict: 'allowed', decidedBy: 'AllowSqlCidrs', decidingRules: ['AllowSqlCidrs'] });
  });

  it('the IPv4 prefixes suffice: APIM in an IPv4-only VNet never reaches the IPv6 ones', () => {
    const nsg = nsgOf({ name: 'AllowSqlCidrs', priority: 100, destination: v4, ports: '1433' }, DENY_INTERNET_OUT);
    expect(judge(nsg, 'Outbound', 'Sql', 1433).verdict).toBe('allowed');
    const dualStack = ctx({ vnetAddressSpace: ['10.10.0.0/16', 'fd00:db8::/48'], subnetPrefixes: ['10.10.1.0/24', 'fd00:db8:0:1::/64'] });
    expect(judge(nsg, 'Outbound', 'Sql', 1433, dualStack).verdict).toBe('partial');
  });

  it('a supernet CIDR Deny before the tag Allow blocks the part it covers', () => {
    const nsg = nsgOf(
      { name: 'DenyOneSqlRange', priority: 100, access: 'Deny', destination: v4[0]!, ports: '*' },
      { name: 'AllowSql', priority: 200, destination: 'Sql', ports: '1433' },
    );
    expect(summary(judge(nsg, 'Outbound', 'Sql', 1433))).toEqual({ verdict: 'partial', decidedBy: 'DenyOneSqlRange', decidingRules: ['DenyOneSqlRange', 'AllowSql'] });
  });
});

describe("Azure's default rules alone", () => {
  // The real NSG GET example: one custom rule (inbound 80 from anywhere) and the six defaults.
  const example = normaliseNsg(fixture('2026-01-01__NetworkSecurityGroupGet.json'));
  const defaultsOnly = nsgOf();

  it.each([
    ['Inbound', 'ApiManagement', 3443, 'denied', 'DenyAllInBound'],
    // VirtualNetwork includes the host's 168.63.129.16, so AllowVnetInBound (65000) decides before AllowAzureLoadBalancerInBound (65001)
    ['Inbound', 'AzureLoadBalancer', 6390, 'allowed', 'AllowVnetInBound'],
    ['Inbound', 'Internet', 443, 'denied', 'DenyAllInBound'],
    ['Outbound', 'Storage', 443, 'allowed', 'AllowInternetOutBound'],
    ['Outbound', 'Sql', 1433, 'allowed', 'AllowInternetOutBound'],
    ['Outbound', 'Internet', 80, 'allowed', 'AllowInternetOutBound'],
  ] as const)('%s %s %i: %s by %s', (direction, peer, port, verdict, decidedBy) => {
    expect(judge(defaultsOnly, direction, peer, port)).toMatchObject({ verdict, decidedBy, decidingRules: [decidedBy] });
    if (!(direction === 'Inbound' && peer === 'Internet')) expect(judge(example, direction, peer, port)).toMatchObject({ verdict, decidedBy });
  });

  it('AllowAzureLoadBalancerInBound decides 6390 when a custom rule keeps the VNet out first', () => {
    const nsg = nsgOf({ name: 'AllowLoadBalancerProbe', priority: 100, direction: 'Inbound', access: 'Allow', source: 'AzureLoadBalancer', destination: '*', ports: '6390' });
    expect(judge(nsg, 'Inbound', 'AzureLoadBalancer', 6390).decidedBy).toBe('AllowLoadBalancerProbe');
    // A custom Deny on VirtualNetwork would also block the probe: the host's address is in the tag
    const denyVnet = nsgOf({ name: 'DenyVnetInbound', priority: 4000, direction: 'Inbound', access: 'Deny', protocol: '*', source: 'VirtualNetwork', destination: '*' });
    expect(judge(denyVnet, 'Inbound', 'AzureLoadBalancer', 6390)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyVnetInbound' });
  });

  it("the example's rule1 (inbound port 80 from *) allows client traffic on 80", () => {
    expect(judge(example, 'Inbound', 'Internet', 80)).toMatchObject({ verdict: 'allowed', decidedBy: 'rule1' });
    expect(judge(example, 'Inbound', 'Internet', 443)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyAllInBound' });
  });
});

describe('VirtualNetwork and user-defined routes', () => {
  const forced = ctx({ udrPrefixes: ['0.0.0.0/0'] });

  it('with a 0.0.0.0/0 UDR, VirtualNetwork matches everything, so AllowVnet* decide', () => {
    const nsg = nsgOf();
    expect(judge(nsg, 'Inbound', 'ApiManagement', 3443, forced)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowVnetInBound' });
    expect(judge(nsg, 'Outbound', 'Storage', 443, forced)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowVnetOutBound' });
  });

  it('with a 0.0.0.0/0 UDR, a custom Deny on VirtualNetwork denies everything', () => {
    const nsg = nsgOf({ name: 'DenyVnetOutbound', priority: 4000, access: 'Deny', protocol: '*', destination: 'VirtualNetwork' });
    expect(judge(nsg, 'Outbound', 'Storage', 443, forced)).toMatchObject({ verdict: 'denied', decidedBy: 'DenyVnetOutbound' });
    expect(judge(nsg, 'Outbound', 'Storage', 443)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowInternetOutBound' });
  });

  it('a UDR for a service tag widens VirtualNetwork by that tag only', () => {
    const nsg = nsgOf();
    const apimRoute = ctx({ udrPrefixes: ['ApiManagement'] });
    expect(judge(nsg, 'Inbound', 'ApiManagement', 3443, apimRoute)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowVnetInBound' });
    expect(judge(nsg, 'Outbound', 'Storage', 443, apimRoute).decidedBy).toBe('AllowInternetOutBound');
  });
});

describe('no NSG, or no prefixes for the peer', () => {
  it('every flow is allowed when the subnet has no NSG', () => {
    const verdicts = evaluateNsg(undefined, ctx());
    expect(verdicts).toHaveLength(FLOW_REQUIREMENTS.length);
    for (const verdict of verdicts) {
      expect(verdict).toMatchObject({ verdict: 'allowed', decidedBy: '(no NSG)', decidingRules: [] });
      expect(verdict.note).toContain('no NSG');
    }
  });

  it('judges by tag names when the tag data lacks the peer', () => {
    const empty = ctx({ serviceTags: { changeNumber: '', tags: new Map() } });
    const named = nsgOf({ name: 'AllowSql', priority: 100, destination: 'Sql', ports: '1433' }, DENY_INTERNET_OUT);
    expect(judge(named, 'Outbound', 'Sql', 1433, empty)).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowSql' });
    const regional = nsgOf({ name: 'AllowSqlWestEurope', priority: 100, destination: 'Sql.WestEurope', ports: '1433' }, DENY_INTERNET_OUT);
    expect(judge(regional, 'Outbound', 'Sql', 1433, { ...empty, region: 'northeurope' })).toMatchObject({ verdict: 'partial', decidedBy: 'AllowSqlWestEurope' });
    const verdict = judge(nsgOf(), 'Outbound', 'Sql', 1433, empty);
    expect(verdict).toMatchObject({ verdict: 'allowed', decidedBy: 'AllowInternetOutBound' });
    expect(verdict.note).toContain('judged by tag names only');
  });
});

describe('normaliseNsg', () => {
  const shapes = ['landing-zone.arm.json', 'landing-zone.sdk.json', 'landing-zone.az.json', 'landing-zone.template.json'];

  it.each(shapes)('%s gives the same rules and verdicts as the ARM REST body', (file) => {
    const reference = normaliseNsg(fixture('landing-zone.arm.json'));
    const nsg = normaliseNsg(fixture(file));
    expect(nsg.name).toBe('nsg-apim-weu');
    expect(nsg.securityRules).toEqual(reference.securityRules);
    expect(nsg.defaultSecurityRules).toEqual(reference.defaultSecurityRules);
    expect(evaluateNsg(nsg, ctx())).toEqual(evaluateNsg(reference, ctx()));
  });

  it('keeps ids and short locations, and template expressions as written', () => {
    expect(normaliseNsg(fixture('landing-zone.arm.json'))).toMatchObject({ location: 'westeurope', id: expect.stringContaining('/networkSecurityGroups/nsg-apim-weu') });
    expect(normaliseNsg(fixture('landing-zone.az.json')).id).toBe(normaliseNsg(fixture('landing-zone.arm.json')).id);
    expect(normaliseNsg(fixture('landing-zone.template.json'))).toMatchObject({ location: "[parameters('location')]", id: '' });
    expect(normaliseNsg({ name: 'n', location: 'West Europe', properties: {} }).location).toBe('westeurope');
  });

  it('takes a bare template resource, and the first NSG of a template file', () => {
    const template = fixture('landing-zone.template.json') as { resources: Json[] };
    expect(normaliseNsg(template.resources[0]).securityRules).toHaveLength(12);
    const bicep = { ...template, languageVersion: '2.0', resources: { vnet: template.resources[1], nsg: template.resources[0] } };
    expect(normaliseNsg(bicep).name).toBe('nsg-apim-weu');
  });

  it('reads the real NSG GET example (wrapped or as the body)', () => {
    const nsg = normaliseNsg(exampleBody('2026-01-01__NetworkSecurityGroupGet.json'));
    expect(nsg).toMatchObject({ name: 'testnsg', location: 'westus' });
    expect(nsg.securityRules).toEqual([
      {
        name: 'rule1',
        priority: 130,
        direction: 'Inbound',
        access: 'Allow',
        protocol: '*',
        sourceAddressPrefixes: ['*'],
        destinationAddressPrefixes: ['*'],
        sourcePortRanges: ['*'],
        destinationPortRanges: ['80'],
        isDefault: false,
      },
    ]);
    expect(nsg.defaultSecurityRules).toEqual(defaultSecurityRules());
    expect(normaliseNsg(fixture('2026-01-01__NetworkSecurityGroupGet.json')).id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\//);
  });

  it('gives Azure six default rules exactly, and adds them when the JSON has none', () => {
    expect(defaultSecurityRules().map((rule) => [rule.name, rule.priority, rule.direction, rule.access])).toEqual([
      ['AllowVnetInBound', 65000, 'Inbound', 'Allow'],
      ['AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow'],
      ['DenyAllInBound', 65500, 'Inbound', 'Deny'],
      ['AllowVnetOutBound', 65000, 'Outbound', 'Allow'],
      ['AllowInternetOutBound', 65001, 'Outbound', 'Allow'],
      ['DenyAllOutBound', 65500, 'Outbound', 'Deny'],
    ]);
    expect(normaliseNsg(fixture('landing-zone.template.json')).defaultSecurityRules).toEqual(defaultSecurityRules());
  });

  it('merges singular and plural fields', () => {
    const nsg = nsgOf({ name: 'r', priority: 100, destination: ['Sql', 'Storage'], ports: ['443', '1433'] });
    expect(nsg.securityRules[0]).toMatchObject({ destinationAddressPrefixes: ['Sql', 'Storage'], destinationPortRanges: ['443', '1433'], sourceAddressPrefixes: ['VirtualNetwork'] });
    const both = normaliseNsg({
      securityRules: [{ name: 'r', priority: 100, direction: 'outbound', access: 'allow', protocol: 'Tcp', destinationPortRange: 443, destinationPortRanges: ['445'] }],
    });
    expect(both.securityRules[0]).toMatchObject({ direction: 'Outbound', access: 'Allow', destinationPortRanges: ['443', '445'], sourceAddressPrefixes: ['*'] });
    // No source at all is no rule Azure would take: `*` stands in, and the rule says why it cannot be judged.
    expect(both.securityRules[0]!.unresolved).toEqual({ sourceAddresses: '"sourceAddressPrefix" is missing', destinationAddresses: '"destinationAddressPrefix" is missing', sourcePorts: '"sourcePortRange" is missing' });
  });

  const rule = (properties: Json) => ({ name: 'nsg-bad', properties: { securityRules: [{ name: 'AllowSql', properties: { protocol: 'Tcp', access: 'Allow', priority: 100, direction: 'Outbound', ...properties } }] } });
  it.each([
    ['not an object', 'hello', /NSG: expected a JSON object, got "hello"/],
    ['an array', [], /expected a JSON object, got an array/],
    ['securityRules not an array', { name: 'x', properties: { securityRules: {} } }, /NSG "x": "securityRules" must be an array/],
    ['a rule without a name', { name: 'x', securityRules: [{ priority: 100 }] }, /NSG "x" securityRules\[0\]: "name" must be/],
    ['a route table', exampleBody('2026-01-01__RouteTableGet.json'), /expected a resource of type microsoft.network\/networksecuritygroups, got "Microsoft.Network\/routeTables"/],
    ['a template without an NSG', { resources: [{ type: 'Microsoft.Network/routeTables' }] }, /holds no resource of type microsoft.network\/networksecuritygroups/],
  ])('rejects %s with a message naming the field', (_, json, message) => {
    expect(() => normaliseNsg(json)).toThrow(InvalidNetworkConfigError);
    expect(() => normaliseNsg(json)).toThrow(message);
  });

  it.each([
    ['no priority', { priority: undefined }, { priority: '"priority" is missing (expected 100-4096)' }],
    ['a text priority', { priority: 'high' }, { priority: '"priority" "high" is not valid' }],
    ['a template priority', { priority: "[parameters('p')]" }, { priority: `"priority" [parameters('p')] is an ARM template expression, which cannot be evaluated here` }],
    ['an unknown direction', { direction: 'Sideways' }, { direction: '"direction" "Sideways" is not valid (expected Inbound or Outbound)' }],
    ['an unknown access', { access: 'Permit' }, { access: '"access" "Permit" is not valid (expected Allow or Deny)' }],
    ['no protocol', { protocol: undefined }, { protocol: '"protocol" is missing (expected *, Tcp, Udp, Icmp, Esp or Ah)' }],
  ])('keeps a rule with %s, recording why the field cannot be used (the analysis judges it unknown)', (_, properties, unresolved) => {
    const [normalised] = normaliseNsg(rule(properties)).securityRules;
    expect(normalised).toMatchObject({ name: 'AllowSql', unresolved });
  });
});

describe('normaliseRouteTable', () => {
  it('reads the ARM REST example and the flattened az shape alike', () => {
    const arm = normaliseRouteTable(exampleBody('2026-01-01__RouteTableGet.json'));
    expect(arm).toEqual({
      id: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/routeTables/testrt',
      name: 'testrt',
      location: 'westus',
      routes: [{ name: 'route1', addressPrefix: '10.0.3.0/24', nextHopType: 'VirtualNetworkGateway' }],
      disableBgpRoutePropagation: false,
    });
    const az = normaliseRouteTable({
      disableBgpRoutePropagation: true,
      id: arm.id,
      location: 'West US',
      name: 'testrt',
      resourceGroup: 'rg1',
      routes: [{ addressPrefix: '0.0.0.0/0', name: 'default', nextHopIpAddress: '10.0.0.4', nextHopType: 'virtualappliance', resourceGroup: 'rg1' }],
    });
    expect(az).toMatchObject({ location: 'westus', disableBgpRoutePropagation: true, routes: [{ nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' }] });
  });

  it('takes the first route table of a template and rejects unknown next hops', () => {
    const template = { resources: [{ type: 'Microsoft.Network/routeTables', name: 'rt', location: "[parameters('location')]", properties: { routes: [{ name: 'r', properties: { addressPrefix: 'ApiManagement', nextHopType: 'Internet' } }] } }] };
    expect(normaliseRouteTable(template)).toMatchObject({ location: "[parameters('location')]", routes: [{ addressPrefix: 'ApiManagement', nextHopType: 'Internet' }] });
    expect(() => normaliseRouteTable({ name: 'rt', routes: [{ name: 'r', addressPrefix: '0.0.0.0/0', nextHopType: 'Firewall' }] })).toThrow(
      /route table "rt" route "r": "nextHopType" must be Internet or VirtualAppliance/,
    );
  });
});

describe('normaliseServiceTags', () => {
  it('reads the download (numeric changeNumber) keyed by lower-cased name with short regions', () => {
    const subset = normaliseServiceTags(JSON.parse(readFileSync(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')));
    expect(subset.changeNumber).toBe('375');
    expect(subset.tags.get('sql.westeurope')).toMatchObject({ name: 'Sql.WestEurope', region: 'westeurope' });
    expect(subset.tags.get('sql')).toMatchObject({ name: 'Sql', region: '' });
    expect(subset.tags.size).toBe(22);
    // The bundled snapshot: every tag of the public cloud, AzureCloud and every region's tags included.
    expect(tags.tags.size).toBe(3237);
    expect(tags.tags.get('azurecloud')).toMatchObject({ name: 'AzureCloud', region: '' });
    expect(tags.tags.get('storage.uksouth')).toMatchObject({ region: 'uksouth' });
    expect(tags.tags.get('sql.eastus2')).toMatchObject({ region: 'eastus2' });
  });

  it('reads a serviceTags.list body (string changeNumber)', () => {
    const listed = normaliseServiceTags(exampleBody('2026-01-01__ServiceTagsList.json'));
    expect(listed.changeNumber).toBe('63');
    expect(listed.tags.get('apimanagement.australiacentral')).toEqual({
      name: 'ApiManagement.AustraliaCentral',
      region: 'australiacentral',
      addressPrefixes: ['20.36.106.68/31', '20.36.107.176/28'],
    });
  });

  it('rejects a body without values', () => {
    expect(() => normaliseServiceTags({ changeNumber: 1 })).toThrow(/"values" must be the array of tags/);
  });
});
