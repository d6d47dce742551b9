import { describe, expect, it } from 'vitest';
import { hubRoutes } from '../src/analysis/routing/gateways.js';
import { blockedOf, uncheckedOf, warningsOf } from '../src/analysis/triage.js';
import type { RegionConfigReport } from '../src/analysis/network.js';
import { hubConnectionFacts, hubFacts, hubOfPeering, hubRouteTableFacts, routingIntentFacts } from '../src/azure/normalise-hub.js';
import { exitCodeOf } from '../src/cli/exit-codes.js';
import type { HubConnectionSource, RouteTable } from '../src/model/network.js';
import { buildDemoWorld, DEMO_SUBSCRIPTIONS } from '../src/simulator/demo-world.js';
import type { World } from '../src/simulator/world.js';
import { exampleBody, withSubscription } from './helpers/examples.js';
import { find } from './helpers/metrics.js';
import { pollWorld } from './helpers/poll-world.js';

/**
 * Virtual WAN as Microsoft documents its routing ("About virtual hub routing", "Routing intent and routing
 * policies", "Configure Virtual WAN for internet access"): the hub, its connections, route tables and routing intent
 * from the specification's examples, and the spoke's peering as Azure creates it for a hub connection
 * (`RemoteVnetToHubPeering_<guid>` to the hub's managed `HV_<hub>_<guid>` network, as real deployments show it).
 */

type Json = Record<string, any> & { id: string };

describe('Virtual WAN resources read from the specification\'s examples', () => {
  it('a hub connection: its spoke, internet security, associated route table and static routes', () => {
    const facts = hubConnectionFacts(exampleBody('2026-01-01__HubVirtualNetworkConnectionGet.json'))!;
    expect(facts).toMatchObject({
      name: 'connection1',
      remoteVnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/microsoft.network/virtualnetworks/vnet1',
      enableInternetSecurity: false,
      associatedRouteTable: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/microsoft.network/virtualhubs/virtualhub1/hubroutetables/hubroutetable1',
      propagateStaticRoutes: true,
    });
    expect(facts.staticRoutes.map((route) => [route.name, route.addressPrefixes.join(','), route.nextHopIpAddress])).toEqual([
      ['route1', '10.1.0.0/16,10.2.0.0/16', '10.0.0.68'],
      ['route2', '10.3.0.0/16,10.4.0.0/16', '10.0.0.65'],
    ]);
  });

  it('a hub route table, routing intent\'s two policies, and a hub without gateways', () => {
    expect(hubRouteTableFacts(exampleBody('2025-09-01__HubRouteTableGet.json')).routes).toEqual([
      { name: 'route1', destinations: ['10.0.0.0/8', '20.0.0.0/8', '30.0.0.0/8'], nextHop: expect.stringMatching(/azureFirewalls\/azureFirewall1$/) },
    ]);
    const intent = routingIntentFacts(exampleBody('2025-09-01__RoutingIntentGet.json'));
    expect(intent.internet).toMatch(/azureFirewalls\/azfw1$/);
    expect(intent.private).toMatch(/azureFirewalls\/azfw1$/);
    expect(hubFacts(exampleBody('2025-09-01__VirtualHubGet.json'))).toMatchObject({ name: 'virtualHub1', resourceGroup: 'rg1', gateways: [] });
  });

  it.each([
    // As Azure names them (seen in public deployments' exported templates).
    ['RemoteVnetToHubPeering_248fea99-6c92-49fe-9f94-e804706a4074', '/subscriptions/e8d8ef98-c03d-4606-9854-e365453d88f3/resourceGroups/RG_bcgov-managed-lz-live-hub-canadacentral_a76c722f-6cc3-4220-aeaa-ed3824da42ff/providers/Microsoft.Network/virtualNetworks/HV_bcgov-managed-lz-liv_d3392fd0-0782-45c9-8989-87d98fbfcaef', 'bcgov-managed-lz-live-hub-canadacentral'],
    ['RemoteVnetToHubPeering_2943d591-5557-47dd-aedc-ac1564b09909', '/subscriptions/63a13922-f9b7-44ad-800a-87b84ce622d3/resourceGroups/RG_hub01_33e8a688-6e34-4fce-8af6-5db929a73890/providers/Microsoft.Network/virtualNetworks/HV_hub01_b48f56c5-f434-4b78-850b-684f3017b53b', 'hub01'],
    ['hybrid-to-hub', '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourceGroups/rg-network-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub-weu', undefined],
  ])('peering %s: the hub is %s', (name, remoteVnetId, hub) => {
    expect(hubOfPeering({ name, remoteVnetId: remoteVnetId.toLowerCase() })).toBe(hub);
  });
});

describe('hubRoutes: a default route reaches a connection only as Virtual WAN routes it', () => {
  const base: HubConnectionSource = { hubId: '/h', hubName: 'vhub-weu', connection: 'conn-apim', enableInternetSecurity: true, defaultRoutes: [], gateways: [] };
  const propagationOff: RouteTable = { id: '/rt', name: 'rt-apim', location: 'westeurope', routes: [], disableBgpRoutePropagation: true };
  const cases: Array<[string, Partial<HubConnectionSource>, RouteTable | undefined, { default?: RegExp; exposure?: RegExp; privateRoutes?: number }]> = [
    ['a plain hub (no firewall, no gateway, no routing intent) passes no default route', {}, undefined, {}],
    ['an ExpressRoute gateway in the hub may pass one on: unknown', { gateways: ['ExpressRoute gateway erg-weu'] }, undefined, { exposure: /vhub-weu .* passes on any default route ExpressRoute gateway erg-weu learn/ }],
    ['internet security off: the connection does not learn 0.0.0.0/0', { enableInternetSecurity: false, gateways: ['ExpressRoute gateway erg-weu'], internetNextHop: '/x/azureFirewalls/azfw' }, undefined, {}],
    ['routing intent\'s Internet policy: 0.0.0.0/0 to the hub\'s firewall, whatever the gateways learn', { gateways: ['VPN gateway vpn-weu'], internetNextHop: '/s/rg/providers/Microsoft.Network/azureFirewalls/azfw-weu' }, undefined, { default: /routing intent sends Internet traffic to firewall azfw-weu/ }],
    ['a static 0.0.0.0/0 in the associated hub route table (a secured hub without routing intent)', { defaultRoutes: [{ source: 'hub route table defaultRouteTable (route all_traffic)', nextHop: '/s/rg/providers/Microsoft.Network/azureFirewalls/azfw-weu' }] }, undefined, { default: /0\.0\.0\.0\/0 from hub route table defaultRouteTable/ }],
    ['routing intent\'s private policy: the private ranges to the firewall, internet security or not', { enableInternetSecurity: false, privateNextHop: '/s/rg/providers/Microsoft.Network/azureFirewalls/azfw-weu' }, undefined, { privateRoutes: 3 }],
    ['a route table that stops gateway routes stops the hub\'s too', { internetNextHop: '/x/azureFirewalls/azfw' }, propagationOff, {}],
    ['a hub that could not be read: unknown, with why', { unreadable: 'no hub named vhub-weu ...: add the hub\'s subscription' }, undefined, { exposure: /Virtual WAN hub vhub-weu \(conn-apim\) could not be read: no hub named/ }],
    ['a state file from an older version (gateways not recorded): unknown, never ok', { gateways: undefined }, undefined, { exposure: /passes on any default route its gateways learn/ }],
  ];
  it.each(cases)('%s', (_name, change, routeTable, expected) => {
    const { learned, exposure } = hubRoutes([{ ...base, ...change }], routeTable);
    const defaults = learned.filter((route) => route.addressPrefix === '0.0.0.0/0');
    if (expected.default) {
      expect(defaults).toHaveLength(1);
      expect(defaults[0]).toMatchObject({ nextHopType: 'VirtualAppliance', through: expect.stringMatching(/in Virtual WAN hub vhub-weu$/) });
      expect(defaults[0]!.name).toMatch(expected.default);
    } else {
      expect(defaults).toEqual([]);
    }
    expect(learned.length - defaults.length).toBe(expected.privateRoutes ?? 0);
    if (expected.exposure) expect(exposure).toMatchObject({ cause: 'virtual_hub', reason: expect.stringMatching(expected.exposure) });
    else expect(exposure).toBeUndefined();
  });
});

describe('a landing zone: the APIM spoke in a landing-zone subscription, the Virtual WAN hub in the connectivity subscription', () => {
  const [landingZone] = DEMO_SUBSCRIPTIONS;
  const connectivity = '5b7e2c91-3d4f-4a6b-8c9d-0e1f2a3b4c5d';
  const prodVnetId = `/subscriptions/${landingZone}/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-apim-prod-weu`;
  const hubId = `/subscriptions/${connectivity}/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/virtualHub1`;

  /**
   * The demo world, contoso-prod's West Europe VNet connected to the VirtualHubGet hub (in the connectivity
   * subscription) through the HubVirtualNetworkConnectionGet connection, and the peering Azure creates with it.
   */
  function landingZoneWorld(hub: { internetSecurity?: boolean; routingIntent?: boolean; expressRoute?: boolean; routeTableDefault?: boolean } = {}): World {
    const world = buildDemoWorld(new Date());
    const hubBody = withSubscription(exampleBody<Json>('2025-09-01__VirtualHubGet.json'), connectivity);
    if (hub.expressRoute) hubBody.properties.expressRouteGateway = { id: `/subscriptions/${connectivity}/resourceGroups/rg1/providers/Microsoft.Network/expressRouteGateways/erg-weu` };
    const connection = withSubscription(exampleBody<Json>('2026-01-01__HubVirtualNetworkConnectionGet.json'), connectivity);
    connection.properties.enableInternetSecurity = hub.internetSecurity ?? true;
    connection.properties.remoteVirtualNetwork.id = prodVnetId;
    // Its own static routes lead to 10.x next hops only; the default table is the one it is associated with.
    delete connection.properties.routingConfiguration.associatedRouteTable;
    world.resources.push(hubBody, connection);
    if (hub.routingIntent) world.resources.push(withSubscription(exampleBody<Json>('2025-09-01__RoutingIntentGet.json'), connectivity));
    if (hub.routeTableDefault) {
      const table = withSubscription(exampleBody<Json>('2025-09-01__HubRouteTableGet.json'), connectivity);
      table.name = 'defaultRouteTable';
      table.id = `${hubId}/hubRouteTables/defaultRouteTable`;
      table.properties.routes = [{ name: 'all_traffic', destinationType: 'CIDR', destinations: ['0.0.0.0/0'], nextHopType: 'ResourceId', nextHop: `/subscriptions/${connectivity}/resourceGroups/rg1/providers/Microsoft.Network/azureFirewalls/azfw-weu` }];
      world.resources.push(table);
    }
    const vnet = world.resources.find((resource) => resource.id.toLowerCase() === prodVnetId.toLowerCase()) as Json;
    const peering = exampleBody<Json>('2026-01-01__VirtualNetworkPeeringGet.json');
    peering.name = 'RemoteVnetToHubPeering_7d0c9f4e-2b1a-4c3d-8e5f-6a7b8c9d0e1f';
    peering.id = `${prodVnetId}/virtualNetworkPeerings/${peering.name}`;
    Object.assign(peering.properties, {
      allowForwardedTraffic: false,
      useRemoteGateways: true,
      doNotVerifyRemoteGateways: true,
      remoteVirtualNetwork: { id: '/subscriptions/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/resourceGroups/RG_virtualHub1_8f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918/providers/Microsoft.Network/virtualNetworks/HV_virtualHub1_0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d' },
    });
    vnet.properties.virtualNetworkPeerings = [...(vnet.properties.virtualNetworkPeerings ?? []), peering];
    return world;
  }

  const westEurope = (report: Awaited<ReturnType<typeof pollWorld>>['report']): RegionConfigReport =>
    report.instances.find((instance) => instance.instance.name === 'contoso-prod')!.regions.find((region) => region.location === 'westeurope')!.config!;

  it('the hub\'s subscription not searched: the routes are unknown because the hub was not read, and the reason says how to fix it', async () => {
    const { report, stats } = await pollWorld(landingZoneWorld({ routingIntent: true }));
    const graph = westEurope(report).routes!.verdicts.find((verdict) => verdict.dependency === 'graph')!;
    expect(graph.unknown?.cause).toBe('virtual_hub');
    expect(graph.unknown?.reason).toContain('Virtual WAN hub virtualhub1 (RemoteVnetToHubPeering_7d0c9f4e-2b1a-4c3d-8e5f-6a7b8c9d0e1f) could not be read: no hub named virtualhub1');
    expect(graph.unknown?.reason).toContain("add the hub's subscription");
    // The hub's managed network is never asked for (a customer gets 403 there).
    expect(stats.armRequests.byOperation.VirtualNetworks_Get ?? 0).toBe(0);
  });

  it('routing intent (Internet to the hub\'s firewall), hub read in the connectivity subscription: forced tunnelling; Entra at risk through the firewall, the management path lost', async () => {
    const { report, samples, stats } = await pollWorld(landingZoneWorld({ routingIntent: true }), true, [...DEMO_SUBSCRIPTIONS, connectivity]);
    const weu = westEurope(report);
    expect(weu.routes?.forcedTunnelling).toBe(true);
    expect(find(samples, 'apim_network_forced_tunnelling', { apim_service: 'contoso-prod', location: 'westeurope' })[0]?.value).toBe(1);
    const graph = weu.routes!.verdicts.find((verdict) => verdict.dependency === 'graph')!;
    expect(graph).toMatchObject({ ok: false, nextHopType: 'VirtualAppliance', decidedBy: 'virtual hub virtualHub1 (connection connection1: routing intent sends Internet traffic to firewall azfw1)' });
    expect(graph.unknown).toMatchObject({ cause: 'hub_firewall', reason: expect.stringContaining('through the firewall azfw1 in Virtual WAN hub virtualHub1') });
    expect(find(samples, 'apim_network_route_unknown', { apim_service: 'contoso-prod', location: 'westeurope', dependency: 'graph' }).map((s) => s.labels.cause)).toEqual(['hub_firewall']);
    // Service endpoints still take Storage off the tunnel.
    expect(weu.routes!.verdicts.find((verdict) => verdict.dependency === 'storage')).toMatchObject({ ok: true, nextHopType: 'VirtualNetworkServiceEndpoint' });
    // The control plane's replies through the firewall are lost whatever it allows: definite, exit 1.
    expect(weu.routes!.verdicts.find((verdict) => verdict.dependency === 'management')).toMatchObject({ ok: false, nextHopType: 'VirtualAppliance' });
    expect(weu.routes!.verdicts.find((verdict) => verdict.dependency === 'management')!.unknown).toBeUndefined();
    expect(weu.findings.join('\n')).toContain('without a route for the ApiManagement service tag to Internet');
    expect(blockedOf(report).filter((entry) => entry.apim_service === 'contoso-prod').map((entry) => entry.what)).toEqual(['route to ApiManagement']);
    expect(exitCodeOf(report)).toBe(1);
    // NetworkStatus shows Entra working: at risk, settled; neither a warning nor "could not check".
    expect(warningsOf(report).filter((warning) => warning.apim_service === 'contoso-prod')).toEqual([]);
    expect(uncheckedOf(report).filter((entry) => entry.target.includes('contoso-prod'))).toEqual([]);
    expect(stats.armRequests.byOperation).toMatchObject({ HubVirtualNetworkConnections_List: 1, HubRouteTables_List: 1, RoutingIntent_List: 1 });
  });

  it('a secured hub without routing intent (0.0.0.0/0 in its default route table to the firewall): at risk through the firewall', async () => {
    const { report } = await pollWorld(landingZoneWorld({ routeTableDefault: true }), true, [...DEMO_SUBSCRIPTIONS, connectivity]);
    const monitoring = westEurope(report).routes!.verdicts.find((verdict) => verdict.dependency === 'monitoring')!;
    expect(monitoring.unknown?.cause).toBe('hub_firewall');
    expect(monitoring.decidedBy).toContain('0.0.0.0/0 from hub route table defaultRouteTable (route all_traffic) to firewall azfw-weu');
  });

  it('a plain hub (no firewall, no gateway, no routing intent): every route judged, none unknown', async () => {
    const { report, samples } = await pollWorld(landingZoneWorld(), true, [...DEMO_SUBSCRIPTIONS, connectivity]);
    const weu = westEurope(report);
    expect(weu.routes?.forcedTunnelling).toBe(false);
    expect(weu.routes!.verdicts.every((verdict) => verdict.ok && !verdict.unknown)).toBe(true);
    expect(find(samples, 'apim_network_route_unknown', { apim_service: 'contoso-prod' })).toEqual([]);
    expect(exitCodeOf(report)).toBe(exitCodeOf((await pollWorld(buildDemoWorld(new Date()))).report));
  });

  it('an ExpressRoute gateway in the hub: unknown (virtual_hub) with internet security on, judged with it off', async () => {
    const on = westEurope((await pollWorld(landingZoneWorld({ expressRoute: true }), true, [...DEMO_SUBSCRIPTIONS, connectivity])).report);
    expect(on.routes!.verdicts.find((verdict) => verdict.dependency === 'graph')!.unknown).toMatchObject({ cause: 'virtual_hub', reason: expect.stringContaining('ExpressRoute gateway erg-weu') });
    const off = westEurope((await pollWorld(landingZoneWorld({ expressRoute: true, internetSecurity: false }), true, [...DEMO_SUBSCRIPTIONS, connectivity])).report);
    expect(off.routes!.verdicts.every((verdict) => verdict.ok && !verdict.unknown)).toBe(true);
  });
});
