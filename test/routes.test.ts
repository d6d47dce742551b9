import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dependency } from '../src/analysis/dependencies.js';
import { evaluateRoutes, serviceEndpointEnabled, WATCHED_SERVICE_ENDPOINTS, type RouteContext, type RouteHop } from '../src/analysis/routing/evaluate.js';
import type { NextHopType, RouteTable, ServiceEndpoint, ServiceTag, ServiceTagSet } from '../src/model/network.js';
import { exampleBody } from './helpers/examples.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`./fixtures/routes/${name}`, import.meta.url), 'utf8')) as T;

/** A local builder, so these tests do not depend on the JSON normaliser written in parallel. */
function tagSet(): ServiceTagSet {
  const body = JSON.parse(readFileSync(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')) as {
    changeNumber: string;
    values: Array<{ name: string; properties: { region: string; addressPrefixes: string[] } }>;
  };
  const tags = new Map<string, ServiceTag>();
  for (const value of body.values) {
    tags.set(value.name.toLowerCase(), { name: value.name, region: value.properties.region, addressPrefixes: value.properties.addressPrefixes });
  }
  return { changeNumber: body.changeNumber, tags };
}

/** The RouteTableGet example in the model's shape (the real normaliser is another engineer's). */
function exampleRouteTable(): RouteTable {
  const body = exampleBody<{
    id: string;
    name: string;
    location: string;
    properties: { disableBgpRoutePropagation: boolean; routes: Array<{ name: string; properties: { addressPrefix: string; nextHopType: NextHopType } }> };
  }>('2026-01-01__RouteTableGet.json');
  return {
    id: body.id.toLowerCase(),
    name: body.name,
    location: body.location,
    disableBgpRoutePropagation: body.properties.disableBgpRoutePropagation,
    routes: body.properties.routes.map((route) => ({ name: route.name, ...route.properties })),
  };
}

const serviceTags = tagSet();
const context = (overrides: Partial<RouteContext> = {}): RouteContext => ({
  region: 'westeurope',
  primaryRegion: 'westeurope',
  platformVersion: 'stv2',
  serviceTags,
  vnetAddressSpace: ['10.0.0.0/16'],
  ...overrides,
});

interface Expected {
  nextHopType: RouteHop;
  ok: boolean;
  decidedBy?: string;
  note?: RegExp;
  /** The cause of an unknown (at-risk) verdict; absent: definite. */
  unknown?: string;
}

interface Case {
  name: string;
  routeTable?: RouteTable;
  endpoints?: ServiceEndpoint[];
  ctx?: Partial<RouteContext>;
  forcedTunnelling: boolean;
  forcedTunnellingRoute?: string;
  managementReturnRoute: boolean;
  verdicts: Partial<Record<Dependency, Expected>>;
  findings?: RegExp[];
  /** Findings that must not appear (expected asymmetries raise no alarm). */
  quiet?: RegExp[];
}

const internet = (decidedBy = 'system: 0.0.0.0/0'): Expected => ({ nextHopType: 'Internet', ok: true, decidedBy });
/** Through the firewall: at risk (the firewall may allow it), not blocked. */
const firewall: Expected = { nextHopType: 'VirtualAppliance', ok: false, decidedBy: 'default-to-firewall', note: /virtual appliance at 10\.0\.0\.4/, unknown: 'appliance' };
/** The control plane's replies through the firewall: lost whatever it allows (asymmetric routing). */
const managementThroughFirewall: Expected = { ...firewall, unknown: undefined };
const endpoint = (service: string): Expected => ({ nextHopType: 'VirtualNetworkServiceEndpoint', ok: true, decidedBy: `service endpoint ${service}` });
const FORCED = "forced tunnelling via route 'default-to-firewall' \\(0\\.0\\.0\\.0/0 -> VirtualAppliance 10\\.0\\.0\\.4\\)";

const cases: Case[] = [
  {
    name: 'no route table: system routes only, everything to Internet',
    forcedTunnelling: false,
    managementReturnRoute: true,
    verdicts: { storage: internet(), sql: internet(), keyvault: internet(), monitoring: internet(), graph: internet(), eventhub: internet(), management: internet() },
    findings: [],
  },
  {
    name: 'RouteTableGet example: 10.0.3.0/24 -> VirtualNetworkGateway leaves public tags alone (global tags in westus)',
    routeTable: exampleRouteTable(),
    ctx: { region: 'westus', primaryRegion: 'westus' },
    forcedTunnelling: false,
    managementReturnRoute: true,
    verdicts: { storage: internet(), sql: internet(), keyvault: internet(), monitoring: internet(), graph: internet(), eventhub: internet(), management: internet() },
    findings: [],
  },
  {
    name: 'forced tunnelling to a VirtualAppliance, no service endpoints',
    routeTable: fixture('forced-tunnel.json'),
    forcedTunnelling: true,
    forcedTunnellingRoute: 'default-to-firewall',
    managementReturnRoute: false,
    verdicts: { storage: firewall, sql: firewall, keyvault: firewall, monitoring: firewall, graph: firewall, eventhub: firewall, management: managementThroughFirewall },
    findings: [
      new RegExp(`^${FORCED} without a service endpoint for Microsoft.Storage: Storage traffic reaches it only if the device on that path allows it$`),
      new RegExp(`^${FORCED} without a service endpoint for Microsoft.Sql: Sql traffic`),
      new RegExp(`^${FORCED} without a service endpoint for Microsoft.KeyVault: AzureKeyVault traffic`),
      new RegExp(`^${FORCED} without a service endpoint for Microsoft.EventHub: EventHub traffic`),
      new RegExp(`^${FORCED} without a route for the ApiManagement service tag to Internet`),
      /^AzureMonitor \(monitoring\) -> VirtualAppliance 10\.0\.0\.4: at risk: AzureMonitor traffic goes through the virtual appliance at 10\.0\.0\.4 \(route 'default-to-firewall'\): it reaches AzureMonitor only if that device allows it/,
      /^AzureActiveDirectory \(graph\) -> VirtualAppliance 10\.0\.0\.4: at risk/,
    ],
  },
  {
    name: 'forced tunnelling with service endpoints and an ApiManagement -> Internet route',
    routeTable: fixture('forced-tunnel-apim-return.json'),
    endpoints: fixture('endpoints-all.json'),
    forcedTunnelling: true,
    forcedTunnellingRoute: 'default-to-firewall',
    managementReturnRoute: true,
    verdicts: {
      storage: endpoint('Microsoft.Storage'),
      sql: endpoint('Microsoft.Sql'),
      keyvault: endpoint('Microsoft.KeyVault'),
      eventhub: endpoint('Microsoft.EventHub'),
      management: internet('apim-control-plane'),
      monitoring: firewall,
      graph: firewall,
    },
    findings: [/^AzureMonitor \(monitoring\) -> VirtualAppliance/, /^AzureActiveDirectory \(graph\) -> VirtualAppliance/],
    quiet: [/service endpoint for/, /ApiManagement service tag/],
  },
  {
    name: 'secondary region under forced tunnelling without a Sql endpoint: expected, ok with a note',
    routeTable: fixture('forced-tunnel-apim-return.json'),
    endpoints: fixture('endpoints-secondary-no-sql.json'),
    ctx: { region: 'northeurope', primaryRegion: 'westeurope' },
    forcedTunnelling: true,
    forcedTunnellingRoute: 'default-to-firewall',
    managementReturnRoute: true,
    verdicts: {
      sql: { nextHopType: 'VirtualAppliance', ok: true, decidedBy: 'default-to-firewall', note: /expected: Sql needs a service endpoint in the primary region \(westeurope\) only/ },
      storage: endpoint('Microsoft.Storage'),
      keyvault: endpoint('Microsoft.KeyVault'),
      management: internet('apim-control-plane'),
    },
    quiet: [/Sql/],
  },
  {
    name: 'stv1 under forced tunnelling without a Key Vault endpoint: noted, ok',
    routeTable: fixture('forced-tunnel-apim-return.json'),
    endpoints: fixture<ServiceEndpoint[]>('endpoints-all.json').filter((ep) => ep.service !== 'Microsoft.KeyVault'),
    ctx: { platformVersion: 'stv1' },
    forcedTunnelling: true,
    forcedTunnellingRoute: 'default-to-firewall',
    managementReturnRoute: true,
    verdicts: { keyvault: { nextHopType: 'VirtualAppliance', ok: true, note: /AzureKeyVault's service endpoint matters on stv2 only/ } },
    quiet: [/KeyVault/, /keyvault/],
  },
  {
    name: 'a more specific UDR drops part of Storage',
    routeTable: fixture('storage-partial-drop.json'),
    forcedTunnelling: false,
    managementReturnRoute: true,
    verdicts: {
      storage: {
        nextHopType: 'None',
        ok: false,
        decidedBy: 'blackhole-storage-stamp',
        note: /^mixed: 4\.5% -> None \(route 'blackhole-storage-stamp'\), 95\.5% -> Internet \(system route 0\.0\.0\.0\/0\); dropped by route 'blackhole-storage-stamp'/,
      },
      sql: internet(),
    },
    findings: [/^Storage \(storage\) -> None: mixed: 4\.5%/],
  },
  {
    name: '0.0.0.0/0 -> None drops everything and counts as forced tunnelling',
    routeTable: fixture('default-none.json'),
    forcedTunnelling: true,
    forcedTunnellingRoute: 'blackhole',
    managementReturnRoute: false,
    verdicts: { storage: { nextHopType: 'None', ok: false, decidedBy: 'blackhole', note: /dropped by route 'blackhole'/ }, management: { nextHopType: 'None', ok: false } },
    // A drop is definite: no device decides.
    findings: [/^forced tunnelling via route 'blackhole' \(0\.0\.0\.0\/0 -> None\) without a service endpoint for Microsoft\.Storage$/],
  },
  {
    name: 'service-tag UDRs: Storage.WestEurope and ApiManagement.WestEurope -> Internet under forced tunnelling',
    routeTable: fixture('forced-tunnel-storage-tag.json'),
    forcedTunnelling: true,
    forcedTunnellingRoute: 'default-to-firewall',
    managementReturnRoute: true,
    verdicts: { storage: internet('storage-direct'), management: internet('apim-control-plane-weu'), sql: firewall },
    findings: [new RegExp(`^${FORCED} without a service endpoint for Microsoft.Sql: Sql traffic reaches it only if the device on that path allows it$`)],
    quiet: [/Microsoft\.Storage/, /ApiManagement service tag/],
  },
  {
    name: 'ties: an explicit CIDR beats a tag with the same prefix, a regional tag beats its global tag',
    routeTable: fixture('explicit-beats-tag.json'),
    forcedTunnelling: false,
    managementReturnRoute: true,
    verdicts: {
      sql: {
        nextHopType: 'VirtualAppliance',
        ok: false,
        decidedBy: 'sql-inspect-one-stamp',
        note: /^mixed: 2\.5% -> VirtualAppliance 10\.0\.0\.4 \(route 'sql-inspect-one-stamp'\), 97\.5% -> Internet \(route 'sql-direct'\)/,
        unknown: 'appliance',
      },
      keyvault: internet('keyvault-weu-direct'),
    },
  },
];

describe('evaluateRoutes', () => {
  it.each(cases)('$name', (testCase) => {
    const analysis = evaluateRoutes(testCase.routeTable, testCase.endpoints ?? [], context(testCase.ctx));
    expect(analysis.forcedTunnelling).toBe(testCase.forcedTunnelling);
    expect(analysis.forcedTunnellingRoute).toBe(testCase.forcedTunnellingRoute);
    expect(analysis.managementReturnRoute).toBe(testCase.managementReturnRoute);
    expect(analysis.verdicts.map((verdict) => verdict.dependency)).toEqual(['storage', 'sql', 'keyvault', 'monitoring', 'graph', 'eventhub', 'management']);
    for (const [dependency, expected] of Object.entries(testCase.verdicts)) {
      const verdict = analysis.verdicts.find((candidate) => candidate.dependency === dependency);
      expect(verdict, dependency).toBeDefined();
      expect({ dependency, nextHopType: verdict!.nextHopType, ok: verdict!.ok }).toEqual({ dependency, nextHopType: expected.nextHopType, ok: expected.ok });
      if (expected.decidedBy) expect(verdict!.decidedBy, dependency).toBe(expected.decidedBy);
      if (expected.note) expect(verdict!.note, dependency).toMatch(expected.note);
      if (expected.ok && !expected.note) expect(verdict!.note, dependency).toBeUndefined();
      expect(verdict!.unknown?.cause, dependency).toBe(expected.unknown);
    }
    if (testCase.findings) {
      for (const pattern of testCase.findings) expect(analysis.findings.some((finding) => pattern.test(finding)), `${pattern} in ${JSON.stringify(analysis.findings)}`).toBe(true);
      if (testCase.findings.length === 0) expect(analysis.findings).toEqual([]);
    }
    for (const pattern of testCase.quiet ?? []) expect(analysis.findings.filter((finding) => pattern.test(finding))).toEqual([]);
  });

  it('the VNet address space routes VnetLocal, and a UDR for it to a public tag counts as VnetLocal (not ok)', () => {
    const analysis = evaluateRoutes(
      { id: 'rt', name: 'rt', location: 'westeurope', disableBgpRoutePropagation: false, routes: [{ name: 'odd', addressPrefix: 'AzureMonitor.WestEurope', nextHopType: 'VnetLocal' }] },
      [],
      context(),
    );
    const monitoring = analysis.verdicts.find((verdict) => verdict.dependency === 'monitoring');
    expect(monitoring).toMatchObject({ nextHopType: 'VnetLocal', ok: false, decidedBy: 'odd' });
    expect(monitoring?.note).toMatch(/kept inside the virtual network/);
  });

  it('service endpoints win over a more specific UDR', () => {
    const analysis = evaluateRoutes(
      fixture('storage-partial-drop.json'),
      [{ service: 'Microsoft.Storage', locations: ['westeurope'] }],
      context(),
    );
    expect(analysis.verdicts.find((verdict) => verdict.dependency === 'storage')).toMatchObject({ nextHopType: 'VirtualNetworkServiceEndpoint', ok: true });
  });

  it('a Storage endpoint for the own region only leaves the primary region part to the appliance', () => {
    const analysis = evaluateRoutes(fixture('forced-tunnel-apim-return.json'), [{ service: 'Microsoft.Storage', locations: ['northeurope'] }], context({ region: 'northeurope', primaryRegion: 'westeurope' }));
    const storage = analysis.verdicts.find((verdict) => verdict.dependency === 'storage');
    expect(storage).toMatchObject({ nextHopType: 'VirtualAppliance', ok: false, decidedBy: 'default-to-firewall' });
    expect(storage?.note).toMatch(/^mixed: \d+(\.\d)?% -> VirtualAppliance 10\.0\.0\.4 \(route 'default-to-firewall'\), \d+(\.\d)?% -> VirtualNetworkServiceEndpoint \(service endpoint Microsoft\.Storage\)/);
  });

  it('reports a UDR whose prefix is neither a CIDR nor a known tag, and ignores it', () => {
    const analysis = evaluateRoutes(
      { id: 'rt', name: 'rt', location: 'westeurope', disableBgpRoutePropagation: false, routes: [{ name: 'typo', addressPrefix: 'Storrage', nextHopType: 'None' }] },
      [],
      context(),
    );
    expect(analysis.findings).toEqual([expect.stringMatching(/^route 'typo' \(Storrage -> None\) names neither a CIDR nor a service tag/)]);
    expect(analysis.verdicts.every((verdict) => verdict.ok)).toBe(true);
  });

  it('a route to the VirtualNetworkGateway for 0.0.0.0/0 is forced tunnelling too', () => {
    const analysis = evaluateRoutes(
      { id: 'rt', name: 'rt', location: 'westeurope', disableBgpRoutePropagation: false, routes: [{ name: 'to-onprem', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualNetworkGateway' }] },
      [],
      context(),
    );
    expect(analysis).toMatchObject({ forcedTunnelling: true, forcedTunnellingRoute: 'to-onprem', managementReturnRoute: false });
    expect(analysis.verdicts.find((verdict) => verdict.dependency === 'graph')?.note).toMatch(/on-premises/);
  });
});

describe('serviceEndpointEnabled', () => {
  const endpoints: ServiceEndpoint[] = [
    { service: 'Microsoft.Sql', locations: ['West Europe'] },
    { service: 'microsoft.keyvault', locations: ['*'] },
    { service: 'Microsoft.Storage', locations: ['northeurope'] },
    { service: 'Microsoft.EventHub', locations: [] },
  ];
  it.each([
    ['Microsoft.Sql', 'westeurope', true],
    ['MICROSOFT.SQL', 'West Europe', true],
    ['Microsoft.Sql', 'northeurope', false],
    ['Microsoft.KeyVault', 'eastus', true],
    ['Microsoft.Storage', 'westeurope', false],
    ['Microsoft.Storage', 'North Europe', true],
    // without locations (a request body's shape), ARM's default: the subnet's own region
    ['Microsoft.EventHub', 'westeurope', true],
    ['Microsoft.ServiceBus', 'westeurope', false],
  ])('%s in %s: %s', (service, region, expected) => {
    expect(serviceEndpointEnabled(endpoints, service, region)).toBe(expected);
  });

  it('Microsoft.Storage.Global counts as Storage everywhere', () => {
    expect(serviceEndpointEnabled([{ service: 'Microsoft.Storage.Global', locations: ['westeurope'] }], 'Microsoft.Storage', 'eastus')).toBe(true);
  });

  it('watches the four endpoints forced tunnelling needs', () => {
    expect(WATCHED_SERVICE_ENDPOINTS).toEqual(['Microsoft.Storage', 'Microsoft.Sql', 'Microsoft.KeyVault', 'Microsoft.EventHub']);
  });
});
