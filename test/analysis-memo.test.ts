import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFleetWorld } from '../synthetic/fleet-world.js';
import { AddressSet } from '../src/analysis/addresses.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import { AnalysisCache, AnalysisCaches, Memo } from '../src/analysis/cache.js';
import { analyseRegionConfig } from '../src/analysis/network.js';
import { evaluateNsg, NSG_VERDICTS, type NsgContext } from '../src/analysis/nsg/evaluate.js';
import { evaluateRoutes, ROUTE_ANALYSES, type RouteContext } from '../src/analysis/routing/evaluate.js';
import { normaliseNsg, normaliseRouteTable, normaliseServiceTags } from '../src/azure/normalise-network.js';
import type { NetworkSecurityGroup, Route, RouteTable, SecurityRule, ServiceEndpoint, ServiceTagSet } from '../src/model/network.js';
import type { FleetSnapshot } from '../src/model/snapshot.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import { exampleBody } from './helpers/examples.js';
import { collectWorldSnapshot } from '../synthetic/world-snapshot.js';

/**
 * The NSG and route evaluation with the poll's cache must give, for every input, exactly what
 * evaluating from scratch gives (no cache), also when the remembered result was made for another region.
 */

const readJson = (url: URL): unknown => JSON.parse(readFileSync(url, 'utf8'));
const tagsBody = () => readJson(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url)) as { values: Array<{ name: string }> };
const networkFixture = (file: string) => readJson(new URL(`./fixtures/network/${file}`, import.meta.url));
const routesFixture = <T>(file: string) => readJson(new URL(`./fixtures/routes/${file}`, import.meta.url)) as T;
const policy = { paging: DEFAULT_PAGING_POLICY };

/** A fresh tag set per use, so that each table starts with an empty memo of its own. */
const fullTags = (): ServiceTagSet => normaliseServiceTags(tagsBody());
/** Without Sql's and Key Vault's tags, so that their flows are judged by tag names and their routes are missing. */
function tagsMissingPeers(): ServiceTagSet {
  const body = tagsBody();
  return normaliseServiceTags({ ...body, values: body.values.filter((tag) => !/^(sql|azurekeyvault)(\.|$)/i.test(tag.name)) });
}

/** Regions of a snapshot judged in order, with a cache or from scratch. */
function judgeRegions(snapshot: FleetSnapshot, cache: AnalysisCache | undefined) {
  return snapshot.instances.flatMap((instance) =>
    instance.instance.regions.map((region) => ({
      label: `${instance.instance.name} ${region.location}`,
      report: analyseRegionConfig(
        instance.instance,
        region.location,
        instance.network?.find((config) => config.location === region.location),
        instance.networkStatus?.find((status) => status.location === region.location)?.dnsServers ?? [],
        snapshot.serviceTags,
        policy,
        cache,
      ),
    })),
  );
}

describe.each([
  { world: 'the demo world', read: () => collectWorldSnapshot(buildDemoWorld(new Date('2026-11-22T12:00:00Z')), DEMO_SUBSCRIPTIONS), shares: false },
  {
    world: 'a bench fleet of 60 instances',
    read: () => {
      const fleet = buildFleetWorld({ instances: 60, subscriptions: 3, now: new Date('2026-11-22T12:00:00Z') });
      return collectWorldSnapshot(fleet.world, fleet.subscriptionIds);
    },
    shares: true,
  },
])('every region of $world', ({ read, shares }) => {
  let snapshot: FleetSnapshot;
  beforeAll(async () => {
    snapshot = await read();
  });

  // CPU-bound (three judgements of a whole fleet): on a loaded 2-core machine it has taken 30 s.
  it('is judged the same with the cache (cold, then warm) as without', () => {
    const cache = new AnalysisCache(snapshot.serviceTags!);
    const cold = judgeRegions(snapshot, cache);
    const warm = judgeRegions(snapshot, cache);
    const reference = judgeRegions(snapshot, undefined);
    expect(reference.filter((region) => region.report.state === 'ok').length).toBeGreaterThan(0);
    reference.forEach(({ label, report }, index) => {
      expect(cold[index]!.report, `${label} (cold)`).toStrictEqual(report);
      expect(warm[index]!.report, `${label} (warm)`).toStrictEqual(report);
    });
    if (shares) {
      // One VNet per instance, yet regions share entries: the equality above covered results made for other regions.
      const regions = reference.filter((region) => region.report.state === 'ok').length;
      expect(cache.memo(NSG_VERDICTS).size).toBeLessThan(regions / 4);
      expect(cache.memo(ROUTE_ANALYSES).size).toBeLessThan(regions / 2);
    }
  }, 120_000);
});

/** The first prefix of a tag: a "VNet" in public space that overlaps a peer, so VirtualNetwork matters on the peer side. */
const firstPrefix = (tags: ServiceTagSet, tag: string) => tags.tags.get(tag.toLowerCase())!.addressPrefixes.find((prefix) => !prefix.includes(':'))!;

function nsgContexts(tags: ServiceTagSet): Array<[string, NsgContext]> {
  const base: NsgContext = {
    vnetType: 'External',
    platformVersion: 'stv2',
    paging: DEFAULT_PAGING_POLICY,
    region: 'westeurope',
    primaryRegion: 'westeurope',
    serviceTags: tags,
    vnetAddressSpace: ['10.10.0.0/16'],
    subnetPrefixes: ['10.10.1.0/24'],
    udrPrefixes: [],
  };
  const storage = firstPrefix(tags, 'Storage.WestEurope');
  // Each context differs from one before it in one thing only, so that a key missing that thing would hit a wrong entry.
  return [
    ['a private VNet', base],
    ['another private VNet', { ...base, vnetAddressSpace: ['10.20.0.0/16'], subnetPrefixes: ['10.20.1.0/24'] }],
    ['a secondary region', { ...base, region: 'North Europe' }],
    ['a primary region elsewhere', { ...base, primaryRegion: 'northeurope' }],
    ['an Internal VNet', { ...base, vnetType: 'Internal' }],
    ['stv1', { ...base, platformVersion: 'stv1' }],
    ['paging on nothing', { ...base, paging: {} }],
    ['an IPv6 prefix that does not parse (still dual-stack)', { ...base, subnetPrefixes: ['10.10.1.0/24', 'fd00::zz/64'] }],
    ['a VNet inside Storage', { ...base, vnetAddressSpace: [storage], subnetPrefixes: [storage] }],
    ['a subnet outside its VNet, inside Storage', { ...base, subnetPrefixes: [storage] }],
    ['a subnet outside its VNet, in public space', { ...base, subnetPrefixes: ['203.0.113.0/24'] }],
    ['a VNet of all IPv4 (Internet is empty)', { ...base, vnetAddressSpace: ['0.0.0.0/0'], subnetPrefixes: ['10.10.1.0/24'] }],
    ['an unknown subnet (whatif)', { ...base, vnetAddressSpace: [], subnetPrefixes: [] }],
    ['a dual-stack VNet', { ...base, vnetAddressSpace: ['10.10.0.0/16', 'fd00:db8::/48'], subnetPrefixes: ['10.10.1.0/24', 'fd00:db8:0:1::/64'] }],
    ['UDRs to a tag and a CIDR', { ...base, udrPrefixes: ['0.0.0.0/0', 'ApiManagement', '10.99.0.0/16'] }],
    ['a UDR to the default route', { ...base, udrPrefixes: ['0.0.0.0/0'] }],
    // VirtualNetwork then covers all of IPv4 or all but part of 10/8, with everything else in the key alike.
    ['UDRs to all IPv4 but 10/8', { ...base, udrPrefixes: ALL_V4_BUT_10 }],
    ['UDRs to all IPv4 but 10/8, and a VNet of 10/8', { ...base, vnetAddressSpace: ['10.0.0.0/8'], udrPrefixes: ALL_V4_BUT_10 }],
    ['a UDR to a tag the set lacks', { ...base, udrPrefixes: ['NoSuchTag'] }],
  ];
}

const ALL_V4_BUT_10 = ['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6', '16.0.0.0/4', '32.0.0.0/3', '64.0.0.0/2', '128.0.0.0/1'];

/** Rules that make the walk look at every part of the context: VirtualNetwork and Internet on the peer side, partial and foreign local sides. */
const trickyNsg = (): NetworkSecurityGroup =>
  normaliseNsg({
    name: 'nsg-tricky',
    location: 'westeurope',
    properties: {
      securityRules: [
        ['DenyVnetHttpsOut', 100, 'Outbound', 'Deny', '*', 'VirtualNetwork', '443', '*'],
        ['DenyVnetSql', 101, 'Outbound', 'Deny', '*', 'VirtualNetwork', '1433', '*'],
        ['AllowHalfSubnetSql', 105, 'Outbound', 'Allow', '10.10.1.0/25', 'Sql', '1433', '*'],
        ['AllowOtherSubnetMonitor', 110, 'Outbound', 'Allow', '10.99.0.0/16', 'AzureMonitor', '1886', '*'],
        ['AllowFromStorageTag', 115, 'Outbound', 'Allow', 'Storage', 'Storage.WestEurope', '443', '*'],
        ['AllowKeyVaultFromPort', 120, 'Outbound', 'Allow', 'VirtualNetwork', 'AzureKeyVault', '443', '1024-65535'],
        ['AllowEventHubBadPort', 125, 'Outbound', 'Allow', 'VirtualNetwork', 'EventHub', 'abc', '*'],
        ['AllowEventHubV4Only', 126, 'Outbound', 'Allow', 'VirtualNetwork', '0.0.0.0/0', '5672', '*'],
        ['DenyEventHubAmqp', 127, 'Outbound', 'Deny', '*', '*', '5672', '*'],
        ['AllowUnknownTag', 130, 'Outbound', 'Allow', 'VirtualNetwork', 'NoSuchTag', '*', '*'],
        ['AllowSqlRegional', 135, 'Outbound', 'Allow', 'VirtualNetwork', 'Sql.NorthEurope', '1433', '*'],
        ['DenyInternetOut', 140, 'Outbound', 'Deny', '*', 'Internet', '80', '*'],
        ['AllowVnetInbound', 100, 'Inbound', 'Allow', 'VirtualNetwork', '*', '*', '*'],
        ['AllowApimToHalf', 105, 'Inbound', 'Allow', 'ApiManagement', '10.10.1.128/25', '3443', '*'],
        ['AllowInternetToVnet', 110, 'Inbound', 'Allow', 'Internet', 'VirtualNetwork', '80', '*'],
      ].map(([name, priority, direction, access, source, destination, ports, sourcePorts]) => ({
        name,
        properties: {
          priority,
          direction,
          access,
          protocol: 'Tcp',
          sourceAddressPrefix: source,
          destinationAddressPrefix: destination,
          destinationPortRange: ports,
          sourcePortRange: sourcePorts,
        },
      })),
    },
  });

/** An NSG with one field of one rule changed: a key missing that field would hit the unchanged NSG's entry. */
function withRule(nsg: NetworkSecurityGroup, name: string, change: Partial<SecurityRule>): NetworkSecurityGroup {
  return { ...nsg, securityRules: nsg.securityRules.map((rule) => (rule.name === name ? { ...rule, ...change } : rule)) };
}

const nsgs = (): Array<[string, NetworkSecurityGroup | undefined]> => [
  ['no NSG', undefined],
  ['the landing zone (ARM)', normaliseNsg(networkFixture('landing-zone.arm.json'))],
  ...(
    [
      { name: 'AllowSqlOutboundRenamed' },
      { access: 'Deny' },
      { direction: 'Inbound' },
      { protocol: 'Udp' },
      { sourceAddressPrefixes: ['10.10.1.0/25'] },
      { destinationAddressPrefixes: ['Sql.NorthEurope'] },
      { sourcePortRanges: ['1024-65535'] },
      { destinationPortRanges: ['1443'] },
      { priority: 4000 },
    ] satisfies Array<Partial<SecurityRule>>
  ).map((change) => [`the landing zone with ${JSON.stringify(change)} in its SQL rule`, withRule(normaliseNsg(networkFixture('landing-zone.arm.json')), 'AllowSqlOutbound', change)] as [string, NetworkSecurityGroup]),
  // Changes that leave the rule's coverage of the subnet as it was.
  ['the landing zone with Storage as the management source', withRule(normaliseNsg(networkFixture('landing-zone.arm.json')), 'AllowApimManagementInbound', { sourceAddressPrefixes: ['Storage'] })],
  ['the landing zone (az)', normaliseNsg(networkFixture('landing-zone.az.json'))],
  ['the landing zone (template)', normaliseNsg(networkFixture('landing-zone.template.json'))],
  ["ARM's NSG example (default rules only)", normaliseNsg(networkFixture('2026-01-01__NetworkSecurityGroupGet.json'))],
  ['tricky rules', trickyNsg()],
  ['tricky rules with AllowVnetInbound outbound', withRule(trickyNsg(), 'AllowVnetInbound', { direction: 'Outbound' })],
];

describe.each([
  { tagSet: 'the full tag set', tags: fullTags },
  { tagSet: 'a tag set missing Sql and AzureKeyVault', tags: tagsMissingPeers },
])('evaluateNsg with $tagSet', ({ tags: makeTags }) => {
  const tags = makeTags();
  // All cases share one cache, in table order, so later cases may hit entries made for earlier ones.
  const cache = new AnalysisCache(tags);
  const cases = nsgs().flatMap(([nsgName, nsg]) => nsgContexts(tags).map(([ctxName, ctx]) => [`${nsgName}, ${ctxName}`, nsg, ctx] as const));

  it.each(cases)('%s', (_, nsg, ctx) => {
    expect(evaluateNsg(nsg, { ...ctx, cache })).toStrictEqual(evaluateNsg(nsg, ctx));
  });
});

function routeContexts(tags: ServiceTagSet): Array<[string, RouteContext]> {
  const base: RouteContext = { region: 'westeurope', primaryRegion: 'westeurope', platformVersion: 'stv2', serviceTags: tags, vnetAddressSpace: ['10.0.0.0/16'] };
  return [
    ['a private VNet', base],
    ['another private VNet', { ...base, vnetAddressSpace: ['10.1.0.0/16'] }],
    ['a secondary region', { ...base, region: 'North Europe' }],
    ['a primary region elsewhere', { ...base, primaryRegion: 'northeurope' }],
    ['stv1', { ...base, platformVersion: 'stv1' }],
    ['a region without regional tags', { ...base, region: 'westus', primaryRegion: 'westus' }],
    ['a VNet inside Storage', { ...base, vnetAddressSpace: ['10.0.0.0/16', firstPrefix(tags, 'Storage.WestEurope')] }],
  ];
}

/** The forced-tunnelling table with its default route changed in one field. */
function forcedTunnelWith(change: Partial<Route>): RouteTable {
  const table = routesFixture<RouteTable>('forced-tunnel-apim-return.json');
  return { ...table, routes: table.routes.map((route) => (route.addressPrefix === '0.0.0.0/0' ? { ...route, ...change } : route)) };
}

const routeTables = (): Array<[string, RouteTable | undefined]> => [
  ['no route table', undefined],
  ["ARM's route table example", normaliseRouteTable(exampleBody('2026-01-01__RouteTableGet.json'))],
  ...['default-none', 'explicit-beats-tag', 'forced-tunnel', 'forced-tunnel-apim-return', 'forced-tunnel-storage-tag', 'storage-partial-drop'].map(
    (file) => [file, routesFixture<RouteTable>(`${file}.json`)] as [string, RouteTable],
  ),
  ...(
    [
      { name: 'default-via-nva' },
      { nextHopIpAddress: '10.0.0.5' },
      { nextHopType: 'VirtualNetworkGateway', nextHopIpAddress: undefined },
      { nextHopType: 'None' },
      { addressPrefix: '0.0.0.0/1' },
    ] satisfies Array<Partial<Route>>
  ).map((change) => [`forced-tunnel-apim-return with ${JSON.stringify(change)}`, forcedTunnelWith(change)] as [string, RouteTable]),
];

const endpointLists = (): Array<[string, ServiceEndpoint[]]> => [
  ['no endpoints', []],
  ['all endpoints', routesFixture('endpoints-all.json')],
  ['no Sql endpoint', routesFixture('endpoints-secondary-no-sql.json')],
  ['Storage in another region', [{ service: 'Microsoft.Storage', locations: ['northeurope'] }]],
  ['Storage here', [{ service: 'Microsoft.Storage', locations: ['westeurope'] }]],
  ['Sql here', [{ service: 'Microsoft.Sql', locations: ['westeurope'] }]],
];

describe.each([
  { tagSet: 'the full tag set', tags: fullTags },
  { tagSet: 'a tag set missing Sql and AzureKeyVault', tags: tagsMissingPeers },
])('evaluateRoutes with $tagSet', ({ tags: makeTags }) => {
  const tags = makeTags();
  const cache = new AnalysisCache(tags);
  const cases = routeTables().flatMap(([tableName, table]) =>
    endpointLists().flatMap(([endpointsName, endpoints]) =>
      routeContexts(tags).map(([ctxName, ctx]) => [`${tableName}, ${endpointsName}, ${ctxName}`, table, endpoints, ctx] as const),
    ),
  );

  it.each(cases)('%s', (_, table, endpoints, ctx) => {
    expect(evaluateRoutes(table, endpoints, { ...ctx, cache })).toStrictEqual(evaluateRoutes(table, endpoints, ctx));
  });
});

describe('remembered results are shared frozen, never mutably', () => {
  const tags = fullTags();
  const cache = new AnalysisCache(tags);
  const ctx = { ...nsgContexts(tags)[0]![1], cache };

  it('the verdicts one call returned cannot be changed, and the list is the caller\'s own', () => {
    const nsg = normaliseNsg(networkFixture('landing-zone.arm.json'));
    const reference = evaluateNsg(nsg, { ...ctx, cache: undefined });
    const first = evaluateNsg(nsg, ctx);
    expect(() => (first[0]!.verdict = 'denied')).toThrow(TypeError);
    expect(() => first[0]!.decidingRules.push('tampered')).toThrow(TypeError);
    expect(() => (first[1]!.note = 'tampered')).toThrow(TypeError);
    first.pop();
    const second = evaluateNsg(nsg, ctx);
    expect(second).toStrictEqual(reference);
    // Shared, not copied: the point of remembering them.
    expect(second[0]).toBe(first[0]);
  });

  it('the route verdicts one call returned cannot be changed, and the analysis and its lists are the caller\'s own', () => {
    const table = routesFixture<RouteTable>('forced-tunnel.json');
    const routeCtx = { ...routeContexts(tags)[0]![1], cache };
    const reference = evaluateRoutes(table, [], { ...routeCtx, cache: undefined });
    const first = evaluateRoutes(table, [], routeCtx);
    expect(() => (first.verdicts[0]!.ok = !first.verdicts[0]!.ok)).toThrow(TypeError);
    first.verdicts.pop();
    first.findings.push('tampered');
    first.forcedTunnelling = false;
    const second = evaluateRoutes(table, [], routeCtx);
    expect(second).toStrictEqual(reference);
    expect(second.verdicts[0]).toBe(first.verdicts[0]);
  });

  it('a memo is bounded, forgetting the least recently used entry', () => {
    const memo = new Memo<number>(2);
    let computed = 0;
    const get = (key: string) => memo.get(key, () => ++computed);
    expect([get('a'), get('b'), get('a')]).toEqual([1, 2, 1]);
    get('c'); // evicts b, the least recently used
    expect([get('a'), get('b')]).toEqual([1, 4]);
    expect(memo.size).toBe(2);
  });

  it('one cache per tag set: a refreshed tag set starts afresh, and a cache made for another set is not used', () => {
    const caches = new AnalysisCaches();
    const other = fullTags();
    expect(caches.for(tags)).toBe(caches.for(tags));
    expect(caches.for(other)).not.toBe(caches.for(tags));
    const nsg = normaliseNsg(networkFixture('landing-zone.arm.json'));
    const foreign = new AnalysisCache(other);
    evaluateNsg(nsg, { ...ctx, cache: foreign });
    expect(foreign.memo(NSG_VERDICTS).size).toBe(0);
  });
});

describe('AddressSet operations used on the fast path', () => {
  const set = (...prefixes: string[]) => AddressSet.fromPrefixes(prefixes);
  it.each([
    ['few against many', set('10.0.1.0/24', '10.0.9.0/24'), set(...Array.from({ length: 64 }, (_, i) => `10.0.${i}.128/25`))],
    ['many against many', set(...Array.from({ length: 40 }, (_, i) => `10.${i}.0.0/17`)), set(...Array.from({ length: 40 }, (_, i) => `10.${i}.64.0/18`))],
    ['across families', set('0.0.0.0/0', '2001:db8::/32'), set('10.0.0.0/8', '2001:db8:1::/48', '::/0')],
  ])('intersect, subtract and union agree with their definitions (%s)', (_, a, b) => {
    const inBoth = a.intersect(b);
    expect(b.intersect(a).equals(inBoth)).toBe(true);
    expect(a.covers(inBoth) && b.covers(inBoth)).toBe(true);
    expect(a.subtract(b).intersect(b).isEmpty).toBe(true);
    expect(a.subtract(b).union(inBoth).equals(a)).toBe(true);
    expect(a.union(b).size()).toBe(a.size() + b.size() - inBoth.size());
  });
});
