import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEMO_INSTANCES, DEMO_SUBSCRIPTIONS, buildDemoWorld, demoWorldJson } from '../src/simulator/demo-world.js';
import { parseWorld, type ArmResource, type World } from '../src/simulator/world.js';

const NOW = new Date('2025-11-20T12:00:00.000Z');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface StatusEntry {
  name: string;
  status: string;
  error: string;
  lastUpdated: string;
  lastStatusChange: string;
  resourceType: string;
  isOptional: boolean;
}
interface RegionStatus {
  location: string;
  networkStatus: { dnsServers: string[]; connectivityStatus: StatusEntry[] };
}

const world: World = parseWorld(buildDemoWorld(NOW), 'demo world');
const byId = new Map(world.resources.map((r) => [r.id.toLowerCase(), r as Json]));
const resolve = (id: string): Json | undefined => byId.get(id.toLowerCase());
const apims = world.resources.filter((r) => r.type === 'Microsoft.ApiManagement/service') as Json[];
const apimNamed = (name: string): Json => {
  const found = apims.find((a) => a.name === name);
  if (!found) throw new Error(`no APIM instance ${name}`);
  return found;
};
const statusOf = (name: string): RegionStatus[] => world.networkStatus[apimNamed(name).id as string] as RegionStatus[];
const ageMinutes = (iso: string): number => (NOW.getTime() - Date.parse(iso)) / 60_000;

/** [location, subnetResourceId] of every region of a VNet-injected instance. */
function regionsOf(apim: Json): [string, string][] {
  const p = apim.properties;
  const regions: [string, string][] = [[apim.location, p.virtualNetworkConfiguration?.subnetResourceId]];
  for (const a of p.additionalLocations ?? []) regions.push([a.location, a.virtualNetworkConfiguration?.subnetResourceId]);
  return regions;
}

describe('demo world', () => {
  it('is a valid simulator world with no faults', () => {
    expect(() => parseWorld(JSON.parse(demoWorldJson(NOW)))).not.toThrow();
    expect(world.faults).toEqual([]);
    for (const r of world.resources) expect(r.id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\//);
  });

  it('spans two UUID subscriptions', () => {
    expect(DEMO_SUBSCRIPTIONS).toHaveLength(2);
    for (const s of DEMO_SUBSCRIPTIONS) expect(s).toMatch(UUID);
    const used = new Set(apims.map((a) => (a.id as string).split('/')[2]));
    expect([...used].sort()).toEqual([...DEMO_SUBSCRIPTIONS].sort());
    expect(Object.values(DEMO_INSTANCES).sort()).toEqual(apims.map((a) => a.id).sort());
  });

  it('has at least five instances with the roles the demo needs', () => {
    expect(apims.length).toBeGreaterThanOrEqual(5);
    const types = apims.map((a) => a.properties.virtualNetworkType);
    expect(types.filter((t) => t === 'None')).toHaveLength(1);
    expect(types).toContain('Internal');
    expect(types).toContain('External');
    expect(apims.filter((a) => (a.properties.additionalLocations ?? []).length > 0).length).toBeGreaterThanOrEqual(1);
    for (const a of apims) {
      // The v2 tiers report no classic platform (the specification's StandardV2 example: `undetermined`).
      expect(a.properties.platformVersion).toBe(/V2$/.test(a.sku.name) ? 'undetermined' : 'stv2');
      expect(a.sku.name).toBeTypeOf('string');
      expect(a.location).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/); // display form, "West Europe"
    }
    const prod = apimNamed('contoso-prod');
    expect(prod.id).toBe(`/subscriptions/${DEMO_SUBSCRIPTIONS[0]}/resourceGroups/rg-apim-prod/providers/Microsoft.ApiManagement/service/contoso-prod`);
    expect(prod.properties.virtualNetworkType).toBe('External');
    expect(prod.properties.additionalLocations.map((l: Json) => l.location)).toEqual(['North Europe']);
  });

  it('resolves every region subnet to a subnet resource, its NSG and its VNet', () => {
    for (const apim of apims.filter((a) => a.properties.virtualNetworkType !== 'None')) {
      const regions = regionsOf(apim);
      const vnets = new Set<string>();
      for (const [location, subnetId] of regions) {
        expect(subnetId, `${apim.name} ${location}`).toBeTypeOf('string');
        const subnet = resolve(subnetId);
        expect(subnet, subnetId).toBeDefined();
        expect(subnet!.type).toBe('Microsoft.Network/virtualNetworks/subnets');
        const nsg = resolve(subnet!.properties.networkSecurityGroup.id);
        expect(nsg, `NSG of ${subnetId}`).toBeDefined();
        expect(nsg!.type).toBe('Microsoft.Network/networkSecurityGroups');
        expect(nsg!.location).toBe(location.replace(/ /g, '').toLowerCase());
        const vnetId = subnetId.replace(/\/subnets\/[^/]+$/, '');
        vnets.add(vnetId.toLowerCase());
        const vnet = resolve(vnetId);
        expect(vnet!.properties.subnets.map((s: Json) => s.id)).toContain(subnetId);
        if (subnet!.properties.routeTable) expect(resolve(subnet!.properties.routeTable.id)).toBeDefined();
      }
      expect(vnets.size, `${apim.name}: one VNet per region`).toBe(regions.length);
    }
  });

  it('gives every NSG the six default rules and the required APIM rules', () => {
    // fabrikam-edge is a v2 instance: its NSG follows the v2 tiers' requirements, not the classic table.
    const nsgs = world.resources.filter((r) => r.type === 'Microsoft.Network/networkSecurityGroups' && r.name !== 'nsg-apim-edge-neu') as Json[];
    expect(nsgs.length).toBeGreaterThanOrEqual(5);
    for (const nsg of nsgs) {
      const defaults = nsg.properties.defaultSecurityRules.map((r: Json) => [r.name, r.properties.priority, r.properties.direction]);
      expect(defaults).toEqual([
        ['AllowVnetInBound', 65000, 'Inbound'],
        ['AllowAzureLoadBalancerInBound', 65001, 'Inbound'],
        ['DenyAllInBound', 65500, 'Inbound'],
        ['AllowVnetOutBound', 65000, 'Outbound'],
        ['AllowInternetOutBound', 65001, 'Outbound'],
        ['DenyAllOutBound', 65500, 'Outbound'],
      ]);
      const rules = nsg.properties.securityRules as Json[];
      const peerPorts = rules.map((r) => {
        const p = r.properties;
        const peer = p.direction === 'Inbound' ? p.sourceAddressPrefix : p.destinationAddressPrefix;
        const ports: string[] = p.destinationPortRange ? [p.destinationPortRange] : p.destinationPortRanges;
        return `${p.direction}:${p.access}:${peer}:${ports.join(',')}`;
      });
      for (const needed of [
        'Inbound:Allow:ApiManagement:3443',
        'Inbound:Allow:AzureLoadBalancer:6390',
        'Outbound:Allow:Storage:443',
        'Outbound:Allow:Sql:1433',
        'Outbound:Allow:AzureKeyVault:443',
        'Outbound:Allow:AzureMonitor:1886,443',
        'Outbound:Allow:AzureActiveDirectory:443',
      ]) {
        expect(peerPorts, nsg.name).toContain(needed);
      }
      const priorities = rules.map((r) => `${r.properties.direction}${r.properties.priority}`);
      expect(new Set(priorities).size, `${nsg.name}: unique priorities`).toBe(priorities.length);
    }
  });

  it('has a NetworkStatus body per instance with one element per region', () => {
    for (const apim of apims) {
      const status = world.networkStatus[apim.id as string] as RegionStatus[];
      // The docs do not say the v2 tiers have NetworkStatus: the world gives fabrikam-edge none.
      if (/V2$/.test(apim.sku.name)) {
        expect(status, apim.name).toBeUndefined();
        continue;
      }
      expect(status, apim.name).toBeDefined();
      if (apim.properties.virtualNetworkType === 'None') continue;
      expect(status.map((s) => s.location)).toEqual(regionsOf(apim).map(([l]) => l));
      for (const region of status) {
        const types = new Set(region.networkStatus.connectivityStatus.map((e) => e.resourceType));
        for (const t of ['BlobStorage', 'TableStorage', 'SQLDatabase', 'AzureKeyVault', 'AzureActiveDirectory', 'Monitoring', 'ApiManagement Control Plane - inbound']) {
          expect(types, `${apim.name} ${region.location}`).toContain(t);
        }
        expect(region.networkStatus.dnsServers.length).toBeGreaterThan(0);
        for (const e of region.networkStatus.connectivityStatus) {
          expect(e.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
          expect(Date.parse(e.lastStatusChange)).toBeLessThanOrEqual(Date.parse(e.lastUpdated));
          expect(Date.parse(e.lastUpdated)).toBeLessThan(NOW.getTime());
        }
      }
    }
  });

  it('keeps contoso-prod healthy and fresh everywhere', () => {
    for (const region of statusOf('contoso-prod')) {
      for (const e of region.networkStatus.connectivityStatus) {
        expect(e.status).toBe('success');
        expect(ageMinutes(e.lastUpdated)).toBeLessThan(20);
      }
    }
  });

  it('fails SQL on contoso-internal, caused by an NSG deny ahead of the allow', () => {
    const [weu] = statusOf('contoso-internal');
    const sql = weu!.networkStatus.connectivityStatus.find((e) => e.resourceType === 'SQLDatabase')!;
    expect(sql.status).toBe('failure');
    expect(sql.error).toMatch(/database\.windows\.net:1433/);
    expect(ageMinutes(sql.lastStatusChange)).toBeLessThan(120);
    const others = weu!.networkStatus.connectivityStatus.filter((e) => e.resourceType !== 'SQLDatabase');
    expect(others.every((e) => e.status === 'success')).toBe(true);

    const subnet = resolve(apimNamed('contoso-internal').properties.virtualNetworkConfiguration.subnetResourceId)!;
    const nsg = resolve(subnet.properties.networkSecurityGroup.id)!;
    const sqlRules = (nsg.properties.securityRules as Json[]).filter(
      (r) => r.properties.direction === 'Outbound' && r.properties.destinationAddressPrefix === 'Sql',
    );
    const deny = sqlRules.find((r) => r.properties.access === 'Deny')!;
    const allow = sqlRules.find((r) => r.properties.access === 'Allow')!;
    expect(deny.properties.destinationPortRange).toBe('1433');
    expect(deny.properties.priority).toBeLessThan(allow.properties.priority);
  });

  it('makes Key Vault stale on fabrikam-api while the rest is fresh', () => {
    const [neu] = statusOf('fabrikam-api');
    for (const e of neu!.networkStatus.connectivityStatus) {
      expect(e.status).toBe('success');
      if (e.resourceType === 'AzureKeyVault') expect(ageMinutes(e.lastUpdated)).toBeGreaterThan(35);
      else expect(ageMinutes(e.lastUpdated), e.name).toBeLessThan(20);
    }
  });

  it('fails Entra ID on fabrikam-partners, caused by forced tunnelling', () => {
    const [weu] = statusOf('fabrikam-partners');
    const entries = weu!.networkStatus.connectivityStatus;
    for (const t of ['AzureActiveDirectory', 'RegionalAzureActiveDirectory']) {
      const e = entries.find((x) => x.resourceType === t)!;
      expect(e.status).toBe('failure');
      expect(e.error).not.toBe('');
    }
    expect(entries.filter((e) => e.status === 'failure')).toHaveLength(2);
    const subnet = resolve(apimNamed('fabrikam-partners').properties.virtualNetworkConfiguration.subnetResourceId)!;
    const rt = resolve(subnet.properties.routeTable.id)!;
    const routes = (rt.properties.routes as Json[]).map((r) => r.properties);
    expect(routes).toContainEqual(expect.objectContaining({ addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' }));
    expect(routes).toContainEqual(expect.objectContaining({ addressPrefix: 'ApiManagement', nextHopType: 'Internet' }));
    expect(routes.some((r) => r.addressPrefix === 'AzureActiveDirectory')).toBe(false);
    const endpoints = (subnet.properties.serviceEndpoints as Json[]).map((e) => e.service);
    expect(endpoints).toEqual(expect.arrayContaining(['Microsoft.Storage', 'Microsoft.Sql', 'Microsoft.KeyVault', 'Microsoft.EventHub']));
  });

  it('serves the real service tags for both regions', () => {
    const real = JSON.parse(readFileSync(new URL('./fixtures/service-tags/servicetags-subset.json', import.meta.url), 'utf8')) as Json;
    for (const location of ['westeurope', 'northeurope']) {
      const body = world.serviceTags[location] as Json;
      expect(body, location).toBeDefined();
      expect(body.id).toBe('/subscriptions/{subscriptionId}/providers/Microsoft.Network/serviceTags/Public');
      const tag = (name: string) => (body.values as Json[]).find((v) => v.name === name);
      expect(tag('Sql.WestEurope')!.properties.addressPrefixes.length).toBeGreaterThan(0);
      expect(tag('Storage.NorthEurope')!.properties.addressPrefixes.length).toBeGreaterThan(0);
      expect(tag('Sql.WestEurope')!.properties.addressPrefixes).toEqual(
        (real.values as Json[]).find((v) => v.name === 'Sql.WestEurope')!.properties.addressPrefixes,
      );
    }
    expect(world.serviceTags.westeurope).not.toBe(world.serviceTags.northeurope);
  });

  it('is deterministic for a given now and moves with now', () => {
    expect(demoWorldJson(NOW)).toBe(demoWorldJson(new Date(NOW.getTime())));
    expect(buildDemoWorld(NOW)).toEqual(buildDemoWorld(new Date(NOW.getTime())));
    expect(JSON.stringify(buildDemoWorld(NOW))).not.toBe(JSON.stringify(buildDemoWorld(new Date(NOW.getTime() + 1000))));
    const later = new Date(NOW.getTime() + 3_600_000);
    const laterStatus = buildDemoWorld(later).networkStatus[apimNamed('contoso-prod').id as string] as RegionStatus[];
    const e = laterStatus[0]!.networkStatus.connectivityStatus[0]!;
    expect((later.getTime() - Date.parse(e.lastUpdated)) / 60_000).toBeLessThan(20);
  });

  it('leaves legacy-portal without a VNet', () => {
    const legacy = apimNamed('legacy-portal') as ArmResource & Json;
    expect(legacy.properties.virtualNetworkType).toBe('None');
    expect(legacy.properties.virtualNetworkConfiguration).toBeUndefined();
  });
});
