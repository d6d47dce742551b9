import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisCache } from '../src/analysis/cache.js';
import { evaluateRoutes, gatewayExposure, ROUTE_ANALYSES, type RouteContext } from '../src/analysis/routing/evaluate.js';
import { normaliseRouteTable, normaliseServiceTags } from '../src/azure/normalise-network.js';
import { gatewayFacts, vnetFacts } from '../src/azure/normalise-subnet.js';
import type { GatewayRouteSource, RouteTable } from '../src/model/network.js';
import { exampleBody } from './helpers/examples.js';

/**
 * Routes no route table shows: a gateway's (BGP or static) routes reach every subnet of its VNet, and of
 * the VNets that use it through gateway transit, unless the subnet's route table disables propagation.
 * Read from Azure's specification examples (VNet, peering, ExpressRoute and VPN gateways).
 */

type Json = Record<string, any>;

const serviceTags = normaliseServiceTags(JSON.parse(readFileSync(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')), 'subset');
const context = (overrides: Partial<RouteContext> = {}): RouteContext => ({
  region: 'westeurope',
  primaryRegion: 'westeurope',
  platformVersion: 'stv2',
  serviceTags,
  vnetAddressSpace: ['10.0.0.0/16'],
  ...overrides,
});

describe('reading gateways and peerings as ARM returns them', () => {
  it('a VNet\'s peerings (the VirtualNetworkGet example with the VirtualNetworkPeeringGet example embedded, useRemoteGateways set)', () => {
    const vnet = exampleBody<Json>('2026-01-01__VirtualNetworkGet.json');
    const peering = exampleBody<Json>('2026-01-01__VirtualNetworkPeeringGet.json');
    peering.properties.useRemoteGateways = true;
    vnet.properties.virtualNetworkPeerings = [peering, exampleBody<Json>('2026-01-01__VirtualNetworkPeeringGet.json')];
    expect(vnetFacts(vnet).peerings).toEqual([
      { name: 'peer', remoteVnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/peertest/providers/microsoft.network/virtualnetworks/vnet2', useRemoteGateways: true },
      { name: 'peer', remoteVnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/peertest/providers/microsoft.network/virtualnetworks/vnet2', useRemoteGateways: false },
    ]);
    // The example's subnet is used by a load balancer, not a gateway.
    expect(vnetFacts(vnet).gatewayIds).toEqual([]);
  });

  it('a VNet\'s own gateway, from its GatewaySubnet\'s ipConfigurations (the ids the gateway examples give)', () => {
    const vnet = exampleBody<Json>('2026-01-01__VirtualNetworkGet.json');
    const gateway = exampleBody<Json>('2026-01-01__VirtualNetworkScalableGatewayGet.json');
    vnet.properties.subnets.push({ name: 'GatewaySubnet', id: `${vnet.id}/subnets/GatewaySubnet`, properties: { addressPrefix: '10.0.255.0/27', ipConfigurations: [{ id: gateway.properties.ipConfigurations[0].id }] } });
    expect(vnetFacts(vnet).gatewayIds).toEqual(['/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/microsoft.network/virtualnetworkgateways/ergw']);
  });

  it('gateway types, ExpressRoute and VPN, from the two gateway examples', () => {
    expect(gatewayFacts(exampleBody('2026-01-01__VirtualNetworkScalableGatewayGet.json'))).toMatchObject({ name: 'ergw', gatewayType: 'ExpressRoute' });
    expect(gatewayFacts(exampleBody('2026-01-01__VirtualNetworkGatewayGet.json'))).toMatchObject({ name: 'vpngw', gatewayType: 'Vpn' });
  });
});

const hubGateway: GatewayRouteSource = { id: '/subscriptions/s/resourcegroups/hub/providers/microsoft.network/virtualnetworkgateways/ergw', name: 'ergw', gatewayType: 'ExpressRoute', vnetId: '/x/vnet-hub', peering: 'spoke-to-hub' };
const ownGateway: GatewayRouteSource = { id: '/x/vpngw', name: 'vpngw', gatewayType: 'Vpn', vnetId: '/x/vnet-spoke' };

function exampleTable(overrides: Partial<RouteTable> = {}): RouteTable {
  return { ...normaliseRouteTable(exampleBody('2026-01-01__RouteTableGet.json')), routes: [], ...overrides };
}

describe('gatewayExposure: whether a gateway\'s routes reach the subnet', () => {
  const cases: Array<{ name: string; sources: GatewayRouteSource[]; table?: RouteTable; cause: string | undefined; says?: RegExp }> = [
    { name: 'no gateway anywhere', sources: [], cause: undefined },
    { name: 'a hub gateway used through gateway transit, no route table', sources: [hubGateway], cause: 'remote_gateway', says: /ExpressRoute gateway ergw of the peered VNet vnet-hub \(peering spoke-to-hub uses its gateways\): the subnet has no route table/ },
    { name: 'the VNet\'s own VPN gateway, a route table that lets gateway routes through', sources: [ownGateway], table: exampleTable(), cause: 'gateway', says: /route table testrt lets gateway routes through/ },
    { name: 'a route table that disables propagation stops them', sources: [hubGateway, ownGateway], table: exampleTable({ disableBgpRoutePropagation: true }), cause: undefined },
    { name: 'a remote gateway that cannot be read still counts', sources: [{ ...hubGateway, id: '', name: '', gatewayType: '', unreadable: 'the remote VNet could not be read: 403' }], cause: 'remote_gateway', says: /the gateway of the peered VNet vnet-hub .*\(the remote VNet could not be read: 403\)/ },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const exposure = gatewayExposure(testCase.sources, testCase.table);
      expect(exposure?.cause).toBe(testCase.cause);
      if (testCase.says) expect(exposure?.reason).toMatch(testCase.says);
    });
  }
});

describe('evaluateRoutes with gateway routes: what follows the system default route is unknown, never ok', () => {
  const gatewayRoutes = gatewayExposure([hubGateway], undefined)!;

  it('without a route table or service endpoints, every dependency\'s route is unknown, with the gateway named', () => {
    const analysis = evaluateRoutes(undefined, [], context({ gatewayRoutes }));
    expect(analysis.verdicts.length).toBeGreaterThan(0);
    for (const verdict of analysis.verdicts) expect(verdict).toMatchObject({ ok: false, unknown: { cause: 'remote_gateway' }, decidedBy: 'system: 0.0.0.0/0' });
    expect(analysis.findings.join('\n')).toMatch(/cannot be judged: ExpressRoute gateway ergw/);
  });

  it('a service endpoint or a UDR to Internet beats a gateway\'s default route: those routes stay judged', () => {
    const table = exampleTable({ routes: [{ name: 'apim-control-plane', addressPrefix: 'ApiManagement', nextHopType: 'Internet' }] });
    const analysis = evaluateRoutes(table, [{ service: 'Microsoft.Storage', locations: ['westeurope'] }], context({ gatewayRoutes }));
    const byDependency = Object.fromEntries(analysis.verdicts.map((verdict) => [verdict.dependency, verdict]));
    expect(byDependency.storage).toMatchObject({ ok: true, nextHopType: 'VirtualNetworkServiceEndpoint' });
    expect(byDependency.storage?.unknown).toBeUndefined();
    expect(byDependency.management).toMatchObject({ ok: true, decidedBy: 'apim-control-plane' });
    expect(byDependency.keyvault?.unknown?.cause).toBe('remote_gateway');
  });

  it('the remembered analysis tells a region with gateway routes from one without', () => {
    const cache = new AnalysisCache(serviceTags);
    const plain = evaluateRoutes(undefined, [], context({ cache }));
    const exposed = evaluateRoutes(undefined, [], context({ gatewayRoutes, cache }));
    expect(cache.memo(ROUTE_ANALYSES).size).toBe(2);
    expect(plain.verdicts.every((verdict) => verdict.ok && !verdict.unknown)).toBe(true);
    expect(exposed.verdicts.every((verdict) => verdict.unknown)).toBe(true);
  });
});
