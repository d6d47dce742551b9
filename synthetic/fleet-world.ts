/**
 * A simulated fleet for the benchmark: N APIM instances x 2 regions spread over S subscriptions, made
 * with the demo world's builders (same ARM bodies, field for field), so that the monitor reads it
 * exactly as it reads the demo: discovery, NetworkStatus, subnets, NSGs, route tables, service tags.
 *
 * Per instance and region: a VNet (subnet embedded), the subnet, its NSG with APIM's rules, and for one
 * instance in eight a forced-tunnelling route table. Instances alternate West Europe / North Europe as
 * primary. A few situations recur so that the exposition is not uniformly healthy: one in 25 has an
 * NSG rule denying SQL (and SQL failing), one in 40 a stale Key Vault entry. The layers around the subnet
 * are there too, so that their reads are measured: per subscription a hub VNet with an ExpressRoute gateway
 * (one instance in ten uses it through gateway transit) and, per region, a private DNS zone linked to the
 * internal instances' VNets; one instance in 50 under a Virtual Network Manager admin rule. Deterministic
 * for a given `now` (no Math.random).
 */
import {
  adminRuleBody,
  apimRequiredRules,
  apimService,
  AZURE_DNS,
  guid,
  HOUR,
  MINUTE,
  hubNetwork,
  network,
  NORTH_EUROPE,
  privateDnsZone,
  regionStatus,
  SERVICE_ENDPOINTS_ALL,
  serviceTagsBody,
  subscriptionBody,
  WEST_EUROPE,
  type EntryOverride,
  type Region,
  type RuleSpec,
} from '../src/simulator/demo-world.js';
import type { ArmResource, World } from '../src/simulator/world.js';

/** ARM as the benchmark simulates it: latency per request (uniform) and each subscription's token bucket. */
export const LATENCY = { minMs: 50, maxMs: 200 };
export const THROTTLE = { burst: 250, refillPerSecond: 25 };
/** Resource Graph: 15 queries per 5 seconds per caller (its throttling guidance). */
export const RESOURCE_GRAPH_QUOTA = { queries: 15, windowSeconds: 5 };

export interface FleetWorldOptions {
  instances: number;
  subscriptions: number;
  now?: Date;
}

export interface FleetWorld {
  world: World;
  subscriptionIds: string[];
  /** Regions per instance (always 2 here). */
  regions: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A harmless security admin rule: an Allow hands the traffic on to the NSG. */
function adminAllowRule(sub: string): Record<string, unknown> {
  const manager = `/subscriptions/${sub}/resourceGroups/rg-hub/providers/Microsoft.Network/networkManagers/avnm`;
  return adminRuleBody(
    { collection: 'ssh', name: 'AllowSsh', description: 'bench baseline', access: 'Allow', direction: 'Inbound', priority: 10, remote: { addressPrefix: '*', addressPrefixType: 'IPPrefix' }, ports: ['22'] },
    { manager, configuration: 'baseline', description: 'bench baseline' },
  );
}

export function buildFleetWorld(options: FleetWorldOptions): FleetWorld {
  const now = (options.now ?? new Date()).getTime();
  const subscriptionCount = Math.max(1, Math.min(options.subscriptions, options.instances));
  const subscriptionIds = Array.from({ length: subscriptionCount }, (_, i) => guid(`bench-subscription-${i}`));
  const resources: ArmResource[] = [];
  const networkStatus: Record<string, unknown> = {};
  const effectiveSecurityAdminRules: Record<string, unknown> = {};
  const layers = subscriptionIds.map((sub) => ({
    hub: `/subscriptions/${sub}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub`,
    spokes: [] as Array<{ name: string; remoteVnetId: string; remoteAddressSpace: string }>,
    /** Per region: the VNets to link and the records of the zone. */
    dns: new Map<string, { links: Record<string, string>; records: Record<string, string[]> }>(),
  }));

  for (let i = 0; i < options.instances; i++) {
    const sub = subscriptionIds[i % subscriptionCount]!;
    const name = `apim-bench-${pad(i, 5)}`;
    const rg = `rg-${name}`;
    const mode = i % 3 === 0 ? 'Internal' : 'External';
    const [primary, secondary]: [Region, Region] = i % 2 === 0 ? [WEST_EUROPE, NORTH_EUROPE] : [NORTH_EUROPE, WEST_EUROPE];
    const denySql = i % 25 === 7;
    const staleKeyVault = i % 40 === 11;
    const forcedTunnel = i % 8 === 5;
    const tags = { env: i % 5 === 0 ? 'test' : 'prod', team: `team-${i % 12}` };
    const layer = layers[i % subscriptionCount]!;
    const spoke = i % 10 === 3;
    // 10.<a>.<b>.0/24 per instance and region: unique within the fleet for up to 32k instances.
    const octets = (region: number) => {
      const n = i * 2 + region;
      return `${10 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
    };

    const rules: RuleSpec[] = apimRequiredRules(mode, { trafficManager: mode === 'External' });
    if (denySql) {
      rules.push({
        name: 'DenyDatabaseEgress', priority: 95, direction: 'Outbound', access: 'Deny', protocol: 'Tcp',
        source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'], description: 'no direct database egress',
      });
    }
    const regionNetwork = (region: Region, pair: Region, index: number) =>
      network({
        sub, rg, region, tags,
        vnet: `vnet-${name}-${region.short}`, addressSpace: `${octets(index)}.0/24`, dnsServers: [],
        subnet: 'snet-apim', subnetPrefix: `${octets(index)}.0/26`, nsg: `nsg-${name}-${region.short}`,
        rules,
        serviceEndpoints: SERVICE_ENDPOINTS_ALL(region, pair),
        ...(spoke ? { peerings: [{ name: 'to-hub', remoteVnetId: layer.hub, remoteAddressSpace: '172.16.0.0/16', useRemoteGateways: true, allowGatewayTransit: false }] } : {}),
        ...(forcedTunnel
          ? {
              routeTable: {
                name: `rt-${name}-${region.short}`,
                disableBgpRoutePropagation: true,
                routes: [
                  { name: 'default-via-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' as const, nextHopIpAddress: `${octets(index)}.4` },
                  { name: 'apim-control-plane', addressPrefix: 'ApiManagement', nextHopType: 'Internet' as const },
                  { name: 'azure-monitor', addressPrefix: 'AzureMonitor', nextHopType: 'Internet' as const },
                  { name: 'entra-id', addressPrefix: 'AzureActiveDirectory', nextHopType: 'Internet' as const },
                ],
              },
            }
          : {}),
      });
    const first = regionNetwork(primary, secondary, 0);
    const second = regionNetwork(secondary, primary, 1);
    const ip = (index: number) => `20.${(i >> 8) & 0xff}.${i & 0xff}.${10 + index}`;
    const apim = apimService({
      sub, rg, name, sku: 'Premium', capacity: 1, vnetType: mode, tags,
      publisherName: 'Bench', publisherEmail: 'bench@example.com', createdAtUtc: '2024-01-01T00:00:00.0000000Z',
      primary: { region: primary, subnetId: first.subnetId, publicIp: ip(0), ...(mode === 'Internal' ? { privateIp: `${octets(0)}.5` } : {}) },
      additional: [{ region: secondary, subnetId: second.subnetId, publicIp: ip(1), ...(mode === 'Internal' ? { privateIp: `${octets(1)}.5` } : {}) }],
    });
    resources.push(apim, ...first.resources, ...second.resources);
    for (const [index, region] of [primary, secondary].entries()) {
      const vnetId = (index === 0 ? first : second).subnetId.split('/subnets/')[0]!;
      if (spoke) layer.spokes.push({ name: `to-${name}-${region.short}`, remoteVnetId: vnetId, remoteAddressSpace: `${octets(index)}.0/24` });
      if (i % 50 === 9) effectiveSecurityAdminRules[vnetId] = { value: [adminAllowRule(sub)] };
      if (mode !== 'Internal') continue;
      const zone = layer.dns.get(region.short) ?? { links: {}, records: {} };
      zone.links[`link-${name}`] = vnetId;
      for (const part of ['', '.portal', '.developer', '.management', '.scm']) zone.records[`${name}${part}`] = [`${octets(index)}.5`];
      layer.dns.set(region.short, zone);
    }

    const overrides: Record<string, EntryOverride> = {};
    if (denySql) {
      overrides.SQLDatabase = { status: 'failure', error: 'Failed to connect to the SQL server on port 1433 (timeout).', lastUpdatedAgoMs: 3 * MINUTE, lastStatusChangeAgoMs: 40 * MINUTE };
    }
    if (staleKeyVault) overrides.AzureKeyVault = { lastUpdatedAgoMs: 2 * HOUR };
    networkStatus[apim.id] = [
      regionStatus(now, { instance: name, region: primary, primary, dnsServers: [AZURE_DNS], overrides }),
      regionStatus(now, { instance: name, region: secondary, primary, dnsServers: [AZURE_DNS], overrides }),
    ];
  }

  subscriptionIds.forEach((sub, s) => {
    const layer = layers[s]!;
    const hub = hubNetwork({ sub, rg: 'rg-hub', region: WEST_EUROPE, vnet: 'vnet-hub', addressSpace: '172.16.0.0/16', gatewaySubnetPrefix: '172.16.255.0/27', gateway: 'vgw-er', spokes: layer.spokes, tags: {} });
    resources.push(...hub.resources);
    for (const [region, zone] of layer.dns) resources.push(...privateDnsZone({ sub, rg: `rg-dns-${region}`, zone: 'azure-api.net', tags: {}, ...zone }));
  });

  return {
    world: {
      resources,
      networkStatus,
      effectiveSecurityAdminRules,
      serviceTags: { [WEST_EUROPE.short]: serviceTagsBody(), [NORTH_EUROPE.short]: serviceTagsBody() },
      faults: [],
      // Resource Graph's documented per-caller quota: the polls and the watch pace by it, as against Azure.
      resourceGraphQuota: RESOURCE_GRAPH_QUOTA,
      subscriptions: subscriptionIds.map((id, i) => subscriptionBody(id, `Bench subscription ${i}`, { owner: 'bench' })),
    },
    subscriptionIds,
    regions: 2,
  };
}
