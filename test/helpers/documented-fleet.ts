import type { ArmResource, World } from '../../src/simulator/world.js';
import { adminRuleBody, type AdminRuleSpec } from '../../src/simulator/demo/admin-rules.js';
import { apimService, type ApimSpec } from '../../src/simulator/demo/apim-service.js';
import { hubNetwork } from '../../src/simulator/demo/hub.js';
import { network, type PeeringSpec, type RouteSpec } from '../../src/simulator/demo/network.js';
import { connectivityEntries, regionStatus, type EntryOverride } from '../../src/simulator/demo/network-status.js';
import { apimRequiredRules, type RuleSpec, type VnetMode } from '../../src/simulator/demo/nsg-rules.js';
import { privateDnsZone } from '../../src/simulator/demo/private-dns.js';
import { publicIp } from '../../src/simulator/demo/public-ip.js';
import { AZURE_DNS, NORTH_EUROPE, WEST_EUROPE, type Region } from '../../src/simulator/demo/regions.js';
import { MINUTE } from '../../src/simulator/demo/seeded.js';
import { serviceTagsBody } from '../../src/simulator/demo/service-tags.js';
import { subscriptionBody } from '../../src/simulator/demo/subscriptions.js';

/**
 * A fleet of 22 APIM instances in three subscriptions, each configured the way Microsoft's documentation says
 * it should be (issue 22's "done when"): the only thing wrong anywhere is what Microsoft marks optional (the Git
 * share, FileStorage on SMB 445, that security baselines block; the SMTP queue). Built with the demo world's
 * builders (src/simulator/demo), so every body has the shape ARM gives.
 *
 * | instance              | sub | tier       | mode     | regions   | the documented pattern it shows                                  |
 * |-----------------------|-----|------------|----------|-----------|------------------------------------------------------------------|
 * | contoso-gateway       | A   | Premium    | External | WEU + NEU | global tags, Traffic Manager inbound                              |
 * | contoso-orders        | A   | Premium    | External | WEU + NEU | regional tags, egress locked (deny Internet): NEU allows NEU+WEU  |
 * | contoso-catalog       | A   | Standard   | External | WEU       | regional tags (Storage.WestEurope, Sql.WestEurope, ...)          |
 * | contoso-core          | A   | Premium    | Internal | WEU + NEU | regional tags, egress locked; azure-api.net zone per region       |
 * | contoso-secure        | A   | Premium    | Internal | WEU + NEU | forced tunnelling done right (hub firewall / own NVA), Sql SE     |
 * |                       |     |            |          |           | in the primary region only                                        |
 * | contoso-ledger        | A   | Premium    | Internal | WEU       | forced tunnelling done right through the hub's firewall           |
 * | contoso-hybrid-ok     | A   | Premium    | Internal | WEU       | spoke of the ExpressRoute hub, useRemoteGateways, route table     |
 * |                       |     |            |          |           | with BGP propagation off; custom DNS (the hub's resolver)         |
 * | contoso-payments-ok   | A   | Premium    | External | WEU       | AVNM: AlwaysAllow 3443/6390, Allow Storage/Sql/KV/Monitor, a Deny |
 * |                       |     |            |          |           | of high-risk inbound ports; the NSG allows what Allow hands on    |
 * | contoso-claims        | A   | Standard   | Internal | WEU       | AVNM (the same rules) on an internal instance; central zone       |
 * | contoso-sandbox       | A   | Developer  | External | WEU       | no inbound AzureLoadBalancer 6390 (not for Developer), deny-all   |
 * | contoso-devportal     | A   | Developer  | Internal | WEU       | no 6390; a private DNS zone per host name                         |
 * | contoso-git           | A   | Premium    | External | WEU       | SMB 445 denied by the baseline: FileStorage (optional) fails      |
 * | fabrikam-public       | B   | Premium    | External | NEU       | global tags                                                       |
 * | fabrikam-billing      | B   | Premium    | External | NEU + WEU | regional tags, egress locked: WEU (secondary) allows WEU+NEU      |
 * | fabrikam-reports      | B   | Standard   | External | NEU       | regional tags                                                     |
 * | fabrikam-partners-ok  | B   | Premium    | Internal | NEU       | Fabrikam's own azure-api.net zone                                 |
 * | fabrikam-vault        | B   | Premium    | Internal | NEU       | forced tunnelling done right (NVA in its own VNet)                |
 * | fabrikam-edge-v2      | B   | StandardV2 | External | NEU       | VNet integration: /27 delegated to Microsoft.Web/serverFarms, NSG |
 * |                       |     |            |          |           | allowing Storage 443 (no NetworkStatus, as the demo's v2)         |
 * | fabrikam-lab          | B   | Developer  | Internal | NEU       | custom DNS servers (on-premises forwarders), no zone linked       |
 * | fabrikam-mail         | B   | Standard   | External | NEU       | SMTP baseline: the SMTP queue (optional) fails                    |
 * | fabrikam-docs         | B   | Premium    | Internal | NEU       | zone per host name; SMB 445 denied: FileStorage fails             |
 * | fabrikam-guarded      | B   | Premium    | External | NEU       | Fabrikam's AVNM AlwaysAllow 6390 under an NSG that denies the     |
 * |                       |     |            |          |           | rest inbound; Allow rules the NSG allows; SMTP queue fails        |
 *
 * Subscription C (connectivity) holds no APIM: the ExpressRoute hub with its firewall and DNS resolver, the
 * corporate network manager and the central private DNS zones (as landing zones do).
 *
 * Microsoft documents VNet injection of the classic tiers for Developer and Premium; the Standard instances are
 * here because the issue's fleet asks for them (the product treats every classic tier alike).
 */

export const SUB_PLATFORM = '8e1d4c7a-2b3f-4a6e-9d10-5c7b8a9e0f21';
export const SUB_APPS = '2c9f7e15-6a4d-4b83-a1e7-94d0c2b6f358';
export const SUB_CONNECTIVITY = 'd47a0b96-1e2c-4f5d-8b3a-6c9e0f1d2a74';
export const DOCUMENTED_SUBSCRIPTIONS: readonly string[] = [SUB_PLATFORM, SUB_APPS, SUB_CONNECTIVITY];
const TENANT = '0f6e2d1c-9b8a-4c7d-a5e4-3b2a1c0d9e8f';

/** What the fleet is expected to show: the only problems, and where. */
export interface DocumentedFleetExpectations {
  /** Instances (by name) whose Git share (FileStorage, SMB 445) fails, in every region listed. */
  fileStorageFailing: Record<string, string[]>;
  /** Instances whose SMTP queue fails, and where. */
  smtpFailing: Record<string, string[]>;
  /** Every APIM instance of the fleet (all VNet-injected, all monitored). */
  instances: string[];
  /** Instance-regions (`name/location`), 2 per multi-region instance. */
  regions: string[];
  /** The v2 instances (no NetworkStatus: `not-available`). */
  v2: string[];
}

const tagRegion = (region: Region) => region.display.replace(/\s+/g, '');
const HIGH_RISK = 'High-risk ports are closed at the network manager (Microsoft\'s AVNM example)';

// ---------------------------------------------------------------------------------------------------------------
// NSG rules, as Microsoft's "virtual network configuration reference" writes them.

/** Inbound rules of the reference (client traffic, 3443, 6390, Traffic Manager for multi-region External). */
function inboundRules(mode: VnetMode, opts: { trafficManager?: boolean; loadBalancer6390?: boolean } = {}): RuleSpec[] {
  const rules = apimRequiredRules(mode, opts).filter((rule) => rule.direction === 'Inbound');
  return opts.loadBalancer6390 === false ? rules.filter((rule) => rule.name !== 'AllowAzureLoadBalancerInbound') : rules;
}

/** The whole reference written with global service tags (Storage, Sql, AzureKeyVault, ...). */
function globalTagRules(mode: VnetMode, opts: { trafficManager?: boolean } = {}): RuleSpec[] {
  return apimRequiredRules(mode, opts);
}

const REGIONAL_OUTBOUND: Array<[tag: string, ports: string[], what: string]> = [
  ['Storage', ['443'], 'Azure Storage for core service functionality'],
  ['Sql', ['1433'], 'Azure SQL endpoints for core service functionality'],
  ['AzureKeyVault', ['443'], 'Azure Key Vault for core service functionality'],
  ['AzureMonitor', ['1886', '443'], 'diagnostics logs, metrics, Resource Health and Application Insights'],
  ['EventHub', ['5671', '5672', '443'], 'log-to-eventhub policy'],
];

/**
 * The reference written with regional tags (`Storage.WestEurope`, ...): the region's own and, in a secondary
 * region, the primary region's too, as Microsoft requires for multi-region deployments. `lockEgress`: the rest of
 * the Internet is denied after them (what makes regional tags matter), so the Internet 80 that certificate
 * validation needs and Entra ID are allowed explicitly.
 */
function regionalTagRules(mode: VnetMode, regions: Region[], opts: { trafficManager?: boolean; lockEgress?: boolean } = {}): RuleSpec[] {
  const rules = inboundRules(mode, opts);
  let priority = 100;
  for (const [tag, ports, what] of REGIONAL_OUTBOUND) {
    for (const region of new Set(regions)) {
      rules.push({
        name: `Allow${tag}${tagRegion(region)}Outbound`, priority, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
        source: 'VirtualNetwork', destination: `${tag}.${tagRegion(region)}`, ports: [...ports], description: what,
      });
      priority += 10;
    }
  }
  rules.push(
    {
      name: 'AllowEntraIdOutbound', priority, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureActiveDirectory', ports: ['443'], description: 'Microsoft Entra ID and Microsoft Graph',
    },
    {
      name: 'AllowCertificateValidationOutbound', priority: priority + 10, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'Internet', ports: ['80'], description: 'Validation and management of certificates',
    },
  );
  if (opts.lockEgress) {
    rules.push({
      name: 'DenyInternetOutbound', priority: 4000, direction: 'Outbound', access: 'Deny', protocol: '*',
      source: '*', destination: 'Internet', ports: ['*'], description: 'Egress baseline: only what is allowed above',
    });
  }
  return rules;
}

/** The baseline rule that blocks SMB outbound (which fails the Git share, FileStorage, an optional endpoint). */
const DENY_SMB: RuleSpec = {
  name: 'DenySmbOutbound', priority: 4000, direction: 'Outbound', access: 'Deny', protocol: 'Tcp',
  source: '*', destination: '*', ports: ['445'], description: 'Security baseline SEC-0445: no SMB egress',
};
const DENY_SMTP: RuleSpec = {
  name: 'DenySmtpOutbound', priority: 4010, direction: 'Outbound', access: 'Deny', protocol: 'Tcp',
  source: '*', destination: 'Internet', ports: ['25', '587'], description: 'Security baseline SEC-0025: no direct mail egress',
};
const DENY_ALL_INBOUND: RuleSpec = {
  name: 'DenyAllInboundBaseline', priority: 4096, direction: 'Inbound', access: 'Deny', protocol: '*',
  source: '*', destination: '*', ports: ['*'], description: 'Inbound baseline: only what is allowed above',
};

// ---------------------------------------------------------------------------------------------------------------
// Instances.

interface RegionPlan {
  region: Region;
  /** The second octet of the region's VNet (10.N.0.0/16); the APIM subnet is 10.N.1.0/<subnetBits>. */
  octet: number;
  subnetBits?: number;
  rules: RuleSpec[];
  serviceEndpoints?: Array<{ service: string; locations: string[] }>;
  routeTable?: { name: string; routes: RouteSpec[]; disableBgpRoutePropagation: boolean };
  peerings?: PeeringSpec[];
  dnsServers?: string[];
  delegation?: string;
  overrides?: Record<string, EntryOverride>;
}

interface InstancePlan {
  sub: string;
  name: string;
  sku: ApimSpec['sku'];
  capacity: number;
  vnetType: 'External' | 'Internal';
  team: string;
  regions: RegionPlan[];
  /** v2 tiers: the world holds no NetworkStatus for them (the demo's fabrikam-edge does the same). */
  noNetworkStatus?: boolean;
  /**
   * Internal mode's DNS: `zone`, an azure-api.net zone linked to the VNet (Azure-provided DNS); `zone-per-hostname`,
   * a zone per host name; `resolver`, custom DNS servers (the hub's DNS resolver) forwarding to Azure DNS, which
   * answers from the zone linked to the hub; `custom`, on-premises DNS servers the monitor cannot read.
   */
  dns?: 'zone' | 'zone-per-hostname' | 'resolver' | 'custom';
}

interface BuiltRegion {
  region: Region;
  vnetId: string;
  subnetId: string;
  privateIp?: string;
}

interface Built {
  id: string;
  resources: ArmResource[];
  networkStatus?: Record<string, unknown>[];
  regions: BuiltRegion[];
}

const PUBLISHER: Record<string, [string, string]> = {
  [SUB_PLATFORM]: ['Contoso', 'contoso.com'],
  [SUB_APPS]: ['Fabrikam', 'fabrikam.com'],
};

/** 20.<a>.<b>.<c>, distinct per instance and region. */
function publicAddress(octet: number): string {
  return `20.${50 + (octet % 150)}.${(octet * 37) % 250}.${10 + ((octet * 11) % 200)}`;
}

function vnetIdOf(sub: string, rg: string, vnet: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`;
}

function buildInstance(now: number, plan: InstancePlan): Built {
  const [publisherName, domain] = PUBLISHER[plan.sub]!;
  const tags = { env: 'prod', team: plan.team };
  const rgApim = `rg-apim-${plan.name}`;
  const resources: ArmResource[] = [];
  const regions: BuiltRegion[] = [];
  const specs: Array<ApimSpec['primary']> = [];
  for (const r of plan.regions) {
    const rgNet = `rg-network-${plan.name}-${r.region.short}`;
    const vnet = `vnet-${plan.name}-${r.region.short}`;
    const net = network({
      sub: plan.sub, rg: rgNet, region: r.region, tags,
      vnet, addressSpace: `10.${r.octet}.0.0/16`, dnsServers: r.dnsServers ?? [],
      subnet: 'snet-apim', subnetPrefix: `10.${r.octet}.1.0/${r.subnetBits ?? 24}`, nsg: `nsg-apim-${plan.name}-${r.region.short}`,
      rules: r.rules,
      serviceEndpoints: r.serviceEndpoints ?? [],
      ...(r.routeTable ? { routeTable: r.routeTable } : {}),
      ...(r.peerings ? { peerings: r.peerings } : {}),
      ...(r.delegation ? { delegation: r.delegation } : {}),
    });
    resources.push(...net.resources);
    const address = publicAddress(r.octet);
    const v2 = plan.sku.endsWith('V2');
    const pip = v2 ? undefined : publicIp(plan.sub, rgApim, `pip-${plan.name}-${r.region.short}`, r.region, address, `${plan.name}-${r.region.short}`);
    if (pip) resources.push(pip);
    const privateIp = plan.vnetType === 'Internal' ? `10.${r.octet}.1.4` : undefined;
    specs.push({ region: r.region, subnetId: net.subnetId, publicIp: address, ...(pip ? { publicIpId: pip.id } : {}), ...(privateIp ? { privateIp } : {}) });
    regions.push({ region: r.region, vnetId: vnetIdOf(plan.sub, rgNet, vnet), subnetId: net.subnetId, ...(privateIp ? { privateIp } : {}) });
  }
  const apim = apimService({
    sub: plan.sub, rg: rgApim, name: plan.name, sku: plan.sku, capacity: plan.capacity, vnetType: plan.vnetType, tags,
    publisherName, publisherEmail: `${plan.team}@${domain}`, createdAtUtc: '2024-04-11T08:15:27.1937463Z',
    primary: specs[0]!, additional: specs.slice(1),
  });
  resources.unshift(apim);
  const primary = plan.regions[0]!.region;
  const networkStatus = plan.noNetworkStatus
    ? undefined
    : plan.regions.map((r) =>
        regionStatus(now, {
          instance: plan.name, region: r.region, primary,
          dnsServers: r.dnsServers && r.dnsServers.length > 0 ? r.dnsServers : [AZURE_DNS],
          ...(r.overrides ? { overrides: r.overrides } : {}),
        }),
      );
  return { id: apim.id, resources, ...(networkStatus ? { networkStatus } : {}), regions };
}

/** FileStorage (the Git share, optional) failing on SMB 445, as NetworkStatus reports it. */
function gitShareFailing(name: string, region: Region, primary: Region): Record<string, EntryOverride> {
  const host = connectivityEntries(name, region.short, primary.short).find(([, type]) => type === 'FileStorage')![0];
  return {
    FileStorage: {
      status: 'failure',
      error: `Failed to connect to ${host}:445. A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.`,
      lastUpdatedAgoMs: 4 * MINUTE + 12_345,
      lastStatusChangeAgoMs: 9 * 24 * 60 * MINUTE,
    },
  };
}

/** The SMTP queue (optional) failing. */
function smtpQueueFailing(name: string, region: Region, primary: Region): Record<string, EntryOverride> {
  const host = connectivityEntries(name, region.short, primary.short).find(([, type]) => type === 'SmtpQueue')![0];
  return {
    SmtpQueue: {
      status: 'failure',
      error: `Failed to connect to ${host}. The operation has timed out.`,
      lastUpdatedAgoMs: 6 * MINUTE + 2_468,
      lastStatusChangeAgoMs: 3 * 24 * 60 * MINUTE,
    },
  };
}

/**
 * The service endpoints Microsoft's forced-tunnelling guidance asks for; Microsoft.Sql in the primary region only.
 * Azure writes Microsoft.Storage's locations as the VNet's region and its pair (West and North Europe are a pair).
 */
function tunnellingEndpoints(region: Region, primary: boolean) {
  const pair = region.short === WEST_EUROPE.short ? NORTH_EUROPE : WEST_EUROPE;
  return [
    { service: 'Microsoft.Storage', locations: [region.short, pair.short] },
    ...(primary ? [{ service: 'Microsoft.Sql', locations: [region.short] }] : []),
    { service: 'Microsoft.KeyVault', locations: ['*'] },
    { service: 'Microsoft.EventHub', locations: ['*'] },
  ];
}

/** 0.0.0.0/0 to the firewall, and the control plane's return path straight to Internet (Microsoft's guidance). */
function forcedTunnelRoutes(name: string, firewallIp: string, opts: { propagation: boolean } = { propagation: false }) {
  return {
    name: `rt-apim-${name}`,
    disableBgpRoutePropagation: !opts.propagation,
    routes: [
      { name: 'default-via-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance' as const, nextHopIpAddress: firewallIp },
      { name: 'apim-control-plane', addressPrefix: 'ApiManagement', nextHopType: 'Internet' as const },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Network managers (Azure Virtual Network Manager).

const CORP_AVNM = `/subscriptions/${SUB_CONNECTIVITY}/resourceGroups/rg-avnm/providers/Microsoft.Network/networkManagers/corp-avnm`;
const FABRIKAM_AVNM = `/subscriptions/${SUB_APPS}/resourceGroups/rg-fabrikam-avnm/providers/Microsoft.Network/networkManagers/fabrikam-avnm`;

function corpAdminRules(): Record<string, unknown> {
  const rule = (spec: AdminRuleSpec) => adminRuleBody(spec, { manager: CORP_AVNM, configuration: 'apim-guardrails', description: 'Contoso guardrails for API Management spokes' });
  return {
    value: [
      rule({ collection: 'apim-platform', name: 'AlwaysAllowApimManagement', description: 'The APIM control plane always reaches its gateways', access: 'AlwaysAllow', direction: 'Inbound', priority: 100, remote: { addressPrefix: 'ApiManagement', addressPrefixType: 'ServiceTag' }, ports: ['3443'] }),
      rule({ collection: 'apim-platform', name: 'AlwaysAllowLoadBalancerProbe', description: 'The infrastructure load balancer always probes the gateways', access: 'AlwaysAllow', direction: 'Inbound', priority: 110, remote: { addressPrefix: 'AzureLoadBalancer', addressPrefixType: 'ServiceTag' }, ports: ['6390'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimStorage', description: 'Hand Storage to the NSG', access: 'Allow', direction: 'Outbound', priority: 200, remote: { addressPrefix: 'Storage', addressPrefixType: 'ServiceTag' }, ports: ['443'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimSql', description: 'Hand SQL to the NSG', access: 'Allow', direction: 'Outbound', priority: 210, remote: { addressPrefix: 'Sql', addressPrefixType: 'ServiceTag' }, ports: ['1433'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimKeyVault', description: 'Hand Key Vault to the NSG', access: 'Allow', direction: 'Outbound', priority: 220, remote: { addressPrefix: 'AzureKeyVault', addressPrefixType: 'ServiceTag' }, ports: ['443'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimMonitor', description: 'Hand Azure Monitor to the NSG', access: 'Allow', direction: 'Outbound', priority: 230, remote: { addressPrefix: 'AzureMonitor', addressPrefixType: 'ServiceTag' }, ports: ['1886', '443'] }),
      rule({ collection: 'high-risk', name: 'DenyHighRiskInbound', description: HIGH_RISK, access: 'Deny', direction: 'Inbound', priority: 1000, remote: { addressPrefix: 'Internet', addressPrefixType: 'ServiceTag' }, ports: ['20', '21', '22', '23', '135', '445', '3389', '5800', '5900'] }),
    ],
  };
}

function fabrikamAdminRules(): Record<string, unknown> {
  const rule = (spec: AdminRuleSpec) => adminRuleBody(spec, { manager: FABRIKAM_AVNM, configuration: 'fabrikam-baseline', description: 'Fabrikam network baseline' });
  return {
    value: [
      rule({ collection: 'apim-platform', name: 'AlwaysAllowLoadBalancerProbe', description: 'The infrastructure load balancer always probes the gateways', access: 'AlwaysAllow', direction: 'Inbound', priority: 100, remote: { addressPrefix: 'AzureLoadBalancer', addressPrefixType: 'ServiceTag' }, ports: ['6390'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimSql', description: 'Hand SQL to the NSG', access: 'Allow', direction: 'Outbound', priority: 200, remote: { addressPrefix: 'Sql', addressPrefixType: 'ServiceTag' }, ports: ['1433'] }),
      rule({ collection: 'apim-dependencies', name: 'AllowApimStorage', description: 'Hand Storage to the NSG', access: 'Allow', direction: 'Outbound', priority: 210, remote: { addressPrefix: 'Storage', addressPrefixType: 'ServiceTag' }, ports: ['443'] }),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The world.

const ONPREM_DNS = ['192.168.10.4', '192.168.10.5'];
const HUB_RESOLVER = ['10.0.2.4'];
const HUB_FIREWALL = '10.0.1.4';
const HUB_ADDRESS_SPACE = '10.0.0.0/16';

export function documentedFleetWorld(now: Date): World {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new Error('documentedFleetWorld: `now` is not a valid date');
  const hubVnetId = vnetIdOf(SUB_CONNECTIVITY, 'rg-connectivity-weu', 'vnet-hub-weu');
  const toHub = (name: string): PeeringSpec => ({ name: `${name}-to-hub`, remoteVnetId: hubVnetId, remoteAddressSpace: HUB_ADDRESS_SPACE, useRemoteGateways: true, allowGatewayTransit: false });

  const weu = WEST_EUROPE;
  const neu = NORTH_EUROPE;
  const plans: InstancePlan[] = [
    // --- Contoso platform (A)
    {
      sub: SUB_PLATFORM, name: 'contoso-gateway', sku: 'Premium', capacity: 2, vnetType: 'External', team: 'platform',
      regions: [
        { region: weu, octet: 101, rules: globalTagRules('External', { trafficManager: true }) },
        { region: neu, octet: 102, rules: globalTagRules('External', { trafficManager: true }) },
      ],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-orders', sku: 'Premium', capacity: 2, vnetType: 'External', team: 'orders',
      regions: [
        { region: weu, octet: 103, rules: regionalTagRules('External', [weu], { trafficManager: true, lockEgress: true }), overrides: gitShareFailing('contoso-orders', weu, weu) },
        { region: neu, octet: 104, rules: regionalTagRules('External', [neu, weu], { trafficManager: true, lockEgress: true }), overrides: gitShareFailing('contoso-orders', neu, weu) },
      ],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-catalog', sku: 'Standard', capacity: 1, vnetType: 'External', team: 'catalog',
      regions: [{ region: weu, octet: 105, subnetBits: 27, rules: regionalTagRules('External', [weu]) }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-core', sku: 'Premium', capacity: 2, vnetType: 'Internal', team: 'core', dns: 'zone',
      regions: [
        { region: weu, octet: 106, rules: regionalTagRules('Internal', [weu], { lockEgress: true }), overrides: gitShareFailing('contoso-core', weu, weu) },
        { region: neu, octet: 107, rules: regionalTagRules('Internal', [neu, weu], { lockEgress: true }), overrides: gitShareFailing('contoso-core', neu, weu) },
      ],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-secure', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'security', dns: 'zone',
      regions: [
        {
          region: weu, octet: 108, rules: globalTagRules('Internal'), serviceEndpoints: tunnellingEndpoints(weu, true),
          routeTable: forcedTunnelRoutes('contoso-secure-weu', HUB_FIREWALL), peerings: [toHub('contoso-secure')],
        },
        // North Europe has no hub: the VNet's own appliance (10.109.0.4, its AzureFirewallSubnet).
        { region: neu, octet: 109, rules: globalTagRules('Internal'), serviceEndpoints: tunnellingEndpoints(neu, false), routeTable: forcedTunnelRoutes('contoso-secure-neu', '10.109.0.4') },
      ],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-ledger', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'finance', dns: 'zone',
      regions: [{ region: weu, octet: 110, subnetBits: 27, rules: globalTagRules('Internal'), serviceEndpoints: tunnellingEndpoints(weu, true), routeTable: forcedTunnelRoutes('contoso-ledger', HUB_FIREWALL), peerings: [toHub('contoso-ledger')] }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-hybrid-ok', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'hybrid-integration', dns: 'resolver',
      regions: [
        {
          region: weu, octet: 111, rules: globalTagRules('Internal'), dnsServers: HUB_RESOLVER, peerings: [toHub('contoso-hybrid-ok')],
          // Gateway routes stop here; on-premises backends are reached by a route of its own.
          routeTable: { name: 'rt-apim-contoso-hybrid-ok', disableBgpRoutePropagation: true, routes: [{ name: 'onprem-backends', addressPrefix: '192.168.0.0/16', nextHopType: 'VirtualNetworkGateway' }] },
        },
      ],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-payments-ok', sku: 'Premium', capacity: 1, vnetType: 'External', team: 'payments',
      regions: [{ region: weu, octet: 112, rules: globalTagRules('External') }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-claims', sku: 'Standard', capacity: 1, vnetType: 'Internal', team: 'claims', dns: 'zone',
      regions: [{ region: weu, octet: 113, rules: globalTagRules('Internal') }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-sandbox', sku: 'Developer', capacity: 1, vnetType: 'External', team: 'developers',
      regions: [{ region: weu, octet: 114, subnetBits: 27, rules: [...inboundRules('External', { loadBalancer6390: false }), DENY_ALL_INBOUND, ...apimRequiredRules('External').filter((rule) => rule.direction === 'Outbound')] }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-devportal', sku: 'Developer', capacity: 1, vnetType: 'Internal', team: 'developers', dns: 'zone-per-hostname',
      regions: [{ region: weu, octet: 115, subnetBits: 27, rules: [...inboundRules('Internal', { loadBalancer6390: false }), DENY_ALL_INBOUND, ...apimRequiredRules('Internal').filter((rule) => rule.direction === 'Outbound')] }],
    },
    {
      sub: SUB_PLATFORM, name: 'contoso-git', sku: 'Premium', capacity: 1, vnetType: 'External', team: 'devops',
      regions: [{ region: weu, octet: 116, rules: [...globalTagRules('External'), DENY_SMB], overrides: gitShareFailing('contoso-git', weu, weu) }],
    },
    // --- Fabrikam (B)
    {
      sub: SUB_APPS, name: 'fabrikam-public', sku: 'Premium', capacity: 1, vnetType: 'External', team: 'api',
      regions: [{ region: neu, octet: 131, rules: globalTagRules('External') }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-billing', sku: 'Premium', capacity: 1, vnetType: 'External', team: 'billing',
      regions: [
        { region: neu, octet: 132, rules: regionalTagRules('External', [neu], { trafficManager: true, lockEgress: true }), overrides: gitShareFailing('fabrikam-billing', neu, neu) },
        { region: weu, octet: 133, rules: regionalTagRules('External', [weu, neu], { trafficManager: true, lockEgress: true }), overrides: gitShareFailing('fabrikam-billing', weu, neu) },
      ],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-reports', sku: 'Standard', capacity: 1, vnetType: 'External', team: 'reporting',
      regions: [{ region: neu, octet: 134, subnetBits: 27, rules: regionalTagRules('External', [neu]) }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-partners-ok', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'partners', dns: 'zone',
      regions: [{ region: neu, octet: 135, rules: globalTagRules('Internal') }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-vault', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'secrets', dns: 'zone',
      regions: [{ region: neu, octet: 136, rules: globalTagRules('Internal'), serviceEndpoints: tunnellingEndpoints(neu, true), routeTable: forcedTunnelRoutes('fabrikam-vault', '10.136.0.4') }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-edge-v2', sku: 'StandardV2', capacity: 1, vnetType: 'External', team: 'edge', noNetworkStatus: true,
      regions: [
        {
          region: neu, octet: 137, subnetBits: 27, delegation: 'Microsoft.Web/serverFarms',
          rules: [
            { name: 'AllowStorageOutbound', priority: 100, direction: 'Outbound', access: 'Allow', protocol: 'Tcp', source: 'VirtualNetwork', destination: 'Storage', ports: ['443'], description: 'API Management v2 dependency on Azure Storage' },
            { name: 'AllowVnetOutbound', priority: 110, direction: 'Outbound', access: 'Allow', protocol: '*', source: 'VirtualNetwork', destination: 'VirtualNetwork', ports: ['*'], description: 'backends in the spoke' },
          ],
        },
      ],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-lab', sku: 'Developer', capacity: 1, vnetType: 'Internal', team: 'lab', dns: 'custom',
      regions: [{ region: neu, octet: 138, subnetBits: 27, rules: globalTagRules('Internal'), dnsServers: ONPREM_DNS }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-mail', sku: 'Standard', capacity: 1, vnetType: 'External', team: 'notifications',
      regions: [{ region: neu, octet: 139, rules: [...globalTagRules('External'), DENY_SMTP], overrides: smtpQueueFailing('fabrikam-mail', neu, neu) }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-docs', sku: 'Premium', capacity: 1, vnetType: 'Internal', team: 'docs', dns: 'zone-per-hostname',
      regions: [{ region: neu, octet: 140, rules: [...globalTagRules('Internal'), DENY_SMB], overrides: gitShareFailing('fabrikam-docs', neu, neu) }],
    },
    {
      sub: SUB_APPS, name: 'fabrikam-guarded', sku: 'Premium', capacity: 1, vnetType: 'External', team: 'guarded',
      regions: [
        {
          region: neu, octet: 141,
          rules: [...inboundRules('External', { loadBalancer6390: false }), DENY_ALL_INBOUND, ...apimRequiredRules('External').filter((rule) => rule.direction === 'Outbound'), DENY_SMTP],
          overrides: smtpQueueFailing('fabrikam-guarded', neu, neu),
        },
      ],
    },
  ];

  const resources: ArmResource[] = [];
  const networkStatus: Record<string, unknown> = {};
  const built = new Map<string, Built>();
  for (const plan of plans) {
    const instance = buildInstance(t, plan);
    built.set(plan.name, instance);
    resources.push(...instance.resources);
    if (instance.networkStatus) networkStatus[instance.id] = instance.networkStatus;
  }
  const vnetOf = (name: string, index = 0) => built.get(name)!.regions[index]!.vnetId;

  // --- The connectivity hub: ExpressRoute gateway, firewall, DNS resolver; its spokes use its gateway.
  const hubSpokes = ['contoso-secure', 'contoso-ledger', 'contoso-hybrid-ok'].map((name) => {
    const plan = plans.find((candidate) => candidate.name === name)!;
    return { name: `hub-to-${name}`, remoteVnetId: vnetOf(name), remoteAddressSpace: `10.${plan.regions[0]!.octet}.0.0/16` };
  });
  const hub = hubNetwork({
    sub: SUB_CONNECTIVITY, rg: 'rg-connectivity-weu', region: weu, vnet: 'vnet-hub-weu', addressSpace: HUB_ADDRESS_SPACE,
    gatewaySubnetPrefix: '10.0.255.0/27', gateway: 'vgw-er-hub-weu', spokes: hubSpokes, tags: { env: 'prod', team: 'network' },
  });
  // The firewall's and the DNS resolver's subnets beside the GatewaySubnet.
  const hubVnet = hub.resources.find((resource) => resource.id === hubVnetId)!;
  const subnets = (hubVnet.properties as { subnets: ArmResource[] }).subnets;
  for (const [name, prefix] of [['AzureFirewallSubnet', '10.0.1.0/26'], ['snet-dns-inbound', '10.0.2.0/28']] as const) {
    subnets.push({
      name, id: `${hubVnetId}/subnets/${name}`, type: 'Microsoft.Network/virtualNetworks/subnets',
      properties: { provisioningState: 'Succeeded', addressPrefix: prefix, delegations: [], privateEndpointNetworkPolicies: 'Disabled', privateLinkServiceNetworkPolicies: 'Enabled' },
    });
  }
  resources.push(...hub.resources);

  // --- Private DNS for the internal instances.
  const hostParts = ['', '.portal', '.developer', '.management', '.scm'];
  const centralRecords: Record<string, Record<string, string[]>> = { [weu.short]: {}, [neu.short]: {} };
  const centralLinks: Record<string, Record<string, string>> = { [weu.short]: { 'link-vnet-hub-weu': hubVnetId }, [neu.short]: {} };
  const fabrikamRecords: Record<string, string[]> = {};
  const fabrikamLinks: Record<string, string> = {};
  for (const plan of plans) {
    if (plan.vnetType !== 'Internal' || plan.dns === 'custom' || !plan.dns) continue;
    const instance = built.get(plan.name)!;
    for (const region of instance.regions) {
      const vnetName = region.vnetId.split('/').pop()!;
      if (plan.dns === 'zone-per-hostname') {
        // One zone per host name, its apex record the region's private VIP.
        for (const part of hostParts) {
          const zone = `${plan.name}${part}.azure-api.net`;
          const zoneResources = privateDnsZone({
            sub: plan.sub, rg: `rg-dns-${plan.name}`, zone, tags: { env: 'prod', team: plan.team },
            links: { [`link-${vnetName}`]: region.vnetId }, records: { '@': [region.privateIp!] },
          });
          for (const resource of zoneResources) {
            const props = resource.properties as { fqdn?: string };
            if (resource.id.endsWith('/A/@') && props.fqdn) props.fqdn = `${zone}.`;
          }
          resources.push(...zoneResources);
        }
      } else if (plan.sub === SUB_APPS) {
        for (const part of hostParts) fabrikamRecords[`${plan.name}${part}`] = [region.privateIp!];
        fabrikamLinks[`link-${vnetName}`] = region.vnetId;
      } else {
        // The central azure-api.net zone of the region (a VNet links one zone of a name, so one per region); behind
        // the hub's resolver, the zone linked to the hub answers.
        for (const part of hostParts) centralRecords[region.region.short]![`${plan.name}${part}`] = [region.privateIp!];
        if (plan.dns === 'zone') centralLinks[region.region.short]![`link-${vnetName}`] = region.vnetId;
      }
    }
  }
  for (const region of [weu, neu]) {
    resources.push(
      ...privateDnsZone({
        sub: SUB_CONNECTIVITY, rg: `rg-private-dns-${region.short}`, zone: 'azure-api.net', tags: { env: 'prod', team: 'network' },
        links: centralLinks[region.short]!, records: centralRecords[region.short]!,
      }),
    );
  }
  resources.push(
    ...privateDnsZone({ sub: SUB_APPS, rg: 'rg-fabrikam-dns', zone: 'azure-api.net', tags: { env: 'prod', team: 'network' }, links: fabrikamLinks, records: fabrikamRecords }),
  );

  // --- Security admin rules in force, per VNet.
  const effectiveSecurityAdminRules: Record<string, unknown> = {
    [vnetOf('contoso-payments-ok')]: corpAdminRules(),
    [vnetOf('contoso-claims')]: corpAdminRules(),
    [vnetOf('fabrikam-guarded')]: fabrikamAdminRules(),
  };

  return {
    resources,
    networkStatus,
    serviceTags: { [weu.short]: serviceTagsBody(), [neu.short]: serviceTagsBody() },
    faults: [],
    effectiveSecurityAdminRules,
    resourceChanges: [],
    tenantId: TENANT,
    subscriptions: [
      { ...subscriptionBody(SUB_PLATFORM, 'Contoso Platform Production', { owner: 'platform' }), tenantId: TENANT },
      { ...subscriptionBody(SUB_APPS, 'Fabrikam APIs', { owner: 'fabrikam-api' }), tenantId: TENANT },
      { ...subscriptionBody(SUB_CONNECTIVITY, 'Contoso Connectivity', { owner: 'network' }), tenantId: TENANT },
    ],
  };
}

/** What `documentedFleetWorld` holds and the only problems it should show. */
export function documentedFleetExpectations(now: Date): DocumentedFleetExpectations {
  const world = documentedFleetWorld(now);
  const apims = world.resources.filter((resource) => resource.type === 'Microsoft.ApiManagement/service') as Array<ArmResource & { name: string; sku: { name: string }; properties: { additionalLocations?: Array<{ location: string }> }; location: string }>;
  const short = (display: string) => display.replace(/\s+/g, '').toLowerCase();
  return {
    instances: apims.map((apim) => apim.name),
    regions: apims.flatMap((apim) => [apim.location, ...(apim.properties.additionalLocations ?? []).map((location) => location.location)].map((location) => `${apim.name}/${short(location)}`)),
    v2: apims.filter((apim) => apim.sku.name.endsWith('V2')).map((apim) => apim.name),
    fileStorageFailing: {
      'contoso-orders': ['westeurope', 'northeurope'],
      'contoso-core': ['westeurope', 'northeurope'],
      'contoso-git': ['westeurope'],
      'fabrikam-billing': ['northeurope', 'westeurope'],
      'fabrikam-docs': ['northeurope'],
    },
    smtpFailing: { 'fabrikam-mail': ['northeurope'], 'fabrikam-guarded': ['northeurope'] },
  };
}
