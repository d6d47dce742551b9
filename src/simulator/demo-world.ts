import { bundledServiceTagsBody } from '../data/bundled-service-tags.js';
import { fnv1a } from '../model/fnv1a.js';
import type { ArmResource, World } from './world.js';

/**
 * The embedded demo fleet (`serve --demo`, `check --demo`): a simulator world (docs/design.md, "Simulator
 * world file") whose bodies imitate what ARM returns, field for field, for two subscriptions and five
 * APIM instances, each showing one situation the service must recognise:
 *
 * | instance            | sub | VNet     | regions                 | what the demo shows                                     |
 * |---------------------|-----|----------|-------------------------|---------------------------------------------------------|
 * | contoso-prod        | A   | External | West Europe + N. Europe | healthy everywhere                                      |
 * | contoso-internal    | A   | Internal | West Europe             | SQL failing; NSG rule DenyDatabaseEgress (100) denies   |
 * |                     |     |          |                         | Sql:1433 before AllowSqlOutbound (120)                  |
 * | fabrikam-api        | B   | External | North Europe            | Key Vault stale (`success`, lastUpdated ~2 h old)       |
 * | fabrikam-partners   | B   | Internal | West Europe             | Entra ID / Graph failing; forced tunnelling: the route  |
 * |                     |     |          |                         | table sends 0.0.0.0/0 to a VirtualAppliance and has no  |
 * |                     |     |          |                         | Internet route for AzureActiveDirectory                 |
 * | legacy-portal       | B   | None     | West Europe             | no VNet: not polled                                     |
 *
 * Everything is derived from `now` and fixed seeds: the same `now` gives the same world.
 */

// The builders below are exported for bench/world.ts, which makes a large fleet of the same shapes.

// ---------------------------------------------------------------------------------------------
// Identities

const SUB_CONTOSO = '3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13';
const SUB_FABRIKAM = 'a7c3e9d1-4f2b-4a86-9e5c-81b6d0f2c947';
const TENANT_ID = '5d2f8b7a-0c4e-4f19-a6b3-e8d1c7f20a95';

/** The two subscriptions of the demo fleet (Contoso, then Fabrikam). */
export const DEMO_SUBSCRIPTIONS: readonly string[] = Object.freeze([SUB_CONTOSO, SUB_FABRIKAM]);

function apimId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;
}

/** The ARM IDs of the demo instances, by role. */
export const DEMO_INSTANCES = Object.freeze({
  healthyMultiRegion: apimId(SUB_CONTOSO, 'rg-apim-prod', 'contoso-prod'),
  sqlFailing: apimId(SUB_CONTOSO, 'rg-apim-internal', 'contoso-internal'),
  keyVaultStale: apimId(SUB_FABRIKAM, 'rg-fabrikam-api', 'fabrikam-api'),
  graphFailing: apimId(SUB_FABRIKAM, 'rg-fabrikam-partners', 'fabrikam-partners'),
  noVnet: apimId(SUB_FABRIKAM, 'rg-fabrikam-legacy', 'legacy-portal'),
});

// ---------------------------------------------------------------------------------------------
// Deterministic helpers (no Math.random, no clock other than `now`)


/** A 32-bit avalanche step (murmur3's finaliser), so neighbouring seeds give unrelated output. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The i-th pseudo-random 32-bit number of `seed`. */
function rand(seed: string, i: number): number {
  return mix((fnv1a(seed) + Math.imul(i + 1, 0x9e3779b9)) >>> 0);
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` lower-case alphanumerics derived from `seed` (storage-account style). */
function token(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += ALNUM[rand(seed, i) % ALNUM.length];
  return out;
}

function hex(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += rand(seed, i).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** A version-4-shaped GUID derived from `seed`. */
export function guid(seed: string): string {
  const h = hex(seed, 32).split('');
  h[12] = '4';
  h[16] = '89ab'[parseInt(h[16] ?? '0', 16) % 4] ?? '8';
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** Network resources carry `W/"<guid>"` etags. */
function netEtag(seed: string): string {
  return `W/"${guid(`etag:${seed}`)}"`;
}

/** APIM etags look like `AAAAAADqC0c=` (base64 of an 8-byte version). */
function apimEtag(seed: string): string {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(rand(`apim-etag:${seed}`, 0) & 0x00ffffff, 4);
  return buf.toString('base64');
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** An instant `agoMs` before `now`, ISO with 7 fractional digits like ARM (`…44.6399168Z`). */
function stamp(now: number, agoMs: number, seed: string): string {
  const iso = new Date(now - agoMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const extra = String(rand(`ticks:${seed}`, 0) % 10_000).padStart(4, '0');
  return `${iso.slice(0, 23)}${extra}Z`;
}

// ---------------------------------------------------------------------------------------------
// Regions

export interface Region {
  /** Display name, as APIM writes `location` ("West Europe"). */
  display: string;
  /** Short name, as the Network RP writes `location` ("westeurope"). */
  short: string;
}

export const WEST_EUROPE: Region = { display: 'West Europe', short: 'westeurope' };
export const NORTH_EUROPE: Region = { display: 'North Europe', short: 'northeurope' };

/** Azure's own resolver (the VNet has no custom DNS servers). */
export const AZURE_DNS = '168.63.129.16';

// ---------------------------------------------------------------------------------------------
// Network resources

function rgPrefix(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export interface RuleSpec {
  name: string;
  priority: number;
  direction: 'Inbound' | 'Outbound';
  access: 'Allow' | 'Deny';
  protocol: 'Tcp' | 'Udp' | '*';
  source: string;
  destination: string;
  /** One port: `destinationPortRange`; several: `destinationPortRanges`. */
  ports: string[];
  description?: string;
}

function securityRule(nsgId: string, spec: RuleSpec): Record<string, unknown> {
  const single = spec.ports.length === 1;
  const properties: Record<string, unknown> = { provisioningState: 'Succeeded' };
  if (spec.description !== undefined) properties.description = spec.description;
  properties.protocol = spec.protocol;
  properties.sourcePortRange = '*';
  if (single) properties.destinationPortRange = spec.ports[0];
  properties.sourceAddressPrefix = spec.source;
  properties.destinationAddressPrefix = spec.destination;
  properties.access = spec.access;
  properties.priority = spec.priority;
  properties.direction = spec.direction;
  properties.sourcePortRanges = [];
  properties.destinationPortRanges = single ? [] : [...spec.ports];
  properties.sourceAddressPrefixes = [];
  properties.destinationAddressPrefixes = [];
  return {
    name: spec.name,
    id: `${nsgId}/securityRules/${spec.name}`,
    etag: netEtag(`${nsgId}/${spec.name}`),
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties,
  };
}

/** The six rules Azure puts in every NSG, as the NSG GET returns them. */
function defaultSecurityRules(nsgId: string): Record<string, unknown>[] {
  const rules: [string, string, string, string, 'Allow' | 'Deny', number, 'Inbound' | 'Outbound'][] = [
    ['AllowVnetInBound', 'Allow inbound traffic from all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Inbound'],
    ['AllowAzureLoadBalancerInBound', 'Allow inbound traffic from azure load balancer', 'AzureLoadBalancer', '*', 'Allow', 65001, 'Inbound'],
    ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
    ['AllowVnetOutBound', 'Allow outbound traffic from all VMs to all VMs in VNET', 'VirtualNetwork', 'VirtualNetwork', 'Allow', 65000, 'Outbound'],
    ['AllowInternetOutBound', 'Allow outbound traffic from all VMs to Internet', '*', 'Internet', 'Allow', 65001, 'Outbound'],
    ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
  ];
  return rules.map(([name, description, source, destination, access, priority, direction]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: netEtag(`${nsgId}/default/${name}`),
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

export type VnetMode = 'External' | 'Internal';

/**
 * APIM's rules from the requirements table (docs/design.md, "Requirements") (Microsoft's "virtual network configuration
 * reference"), with the priorities a platform team would typically use.
 */
export function apimRequiredRules(mode: VnetMode, opts: { trafficManager?: boolean } = {}): RuleSpec[] {
  const inbound: RuleSpec[] = [];
  if (mode === 'External') {
    inbound.push({
      name: 'AllowClientHttpInbound', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'Internet', destination: 'VirtualNetwork', ports: ['80', '443'],
      description: 'Client communication to API Management',
    });
  } else {
    inbound.push({
      name: 'AllowVnetHttpsInbound', priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'VirtualNetwork', ports: ['443'],
      description: 'Clients inside the network (Application Gateway, peered spokes)',
    });
  }
  inbound.push(
    {
      name: 'AllowApimManagementInbound', priority: 110, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'ApiManagement', destination: 'VirtualNetwork', ports: ['3443'],
      description: 'Management endpoint for Azure portal and PowerShell',
    },
    {
      name: 'AllowAzureLoadBalancerInbound', priority: 120, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'AzureLoadBalancer', destination: 'VirtualNetwork', ports: ['6390'],
      description: 'Azure Infrastructure Load Balancer',
    },
  );
  if (mode === 'External' && opts.trafficManager) {
    inbound.push({
      name: 'AllowTrafficManagerInbound', priority: 130, direction: 'Inbound', access: 'Allow', protocol: 'Tcp',
      source: 'AzureTrafficManager', destination: 'VirtualNetwork', ports: ['443'],
      description: 'Azure Traffic Manager routing for multi-region deployment',
    });
  }
  const outbound: RuleSpec[] = [
    {
      name: 'AllowStorageOutbound', priority: 100, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'Storage', ports: ['443'],
      description: 'Dependency on Azure Storage',
    },
    {
      name: 'AllowSqlOutbound', priority: 110, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'],
      description: 'Access to Azure SQL endpoints',
    },
    {
      name: 'AllowKeyVaultOutbound', priority: 120, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureKeyVault', ports: ['443'],
      description: 'Access to Azure Key Vault',
    },
    {
      name: 'AllowAzureMonitorOutbound', priority: 130, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureMonitor', ports: ['1886', '443'],
      description: 'Publish diagnostics logs, metrics, resource health and Application Insights',
    },
    {
      name: 'AllowEntraIdOutbound', priority: 140, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'AzureActiveDirectory', ports: ['443'],
      description: 'Microsoft Entra ID, Microsoft Graph and Azure Key Vault dependency',
    },
    {
      name: 'AllowEventHubOutbound', priority: 150, direction: 'Outbound', access: 'Allow', protocol: 'Tcp',
      source: 'VirtualNetwork', destination: 'EventHub', ports: ['5671', '5672', '443'],
      description: 'Log to Event Hubs policy',
    },
  ];
  return [...inbound, ...outbound];
}

interface SubnetSpec {
  sub: string;
  rg: string;
  vnet: string;
  name: string;
  addressPrefix: string;
  nsgId: string;
  routeTableId?: string;
  serviceEndpoints: { service: string; locations: string[] }[];
}

function subnetId(s: { sub: string; rg: string; vnet: string; name: string }): string {
  return `${rgPrefix(s.sub, s.rg)}/providers/Microsoft.Network/virtualNetworks/${s.vnet}/subnets/${s.name}`;
}

function subnetBody(s: SubnetSpec): ArmResource {
  const id = subnetId(s);
  const properties: Record<string, unknown> = {
    provisioningState: 'Succeeded',
    addressPrefix: s.addressPrefix,
    networkSecurityGroup: { id: s.nsgId },
  };
  if (s.routeTableId !== undefined) properties.routeTable = { id: s.routeTableId };
  properties.serviceEndpoints = s.serviceEndpoints.map((e) => ({
    provisioningState: 'Succeeded',
    service: e.service,
    locations: [...e.locations],
  }));
  properties.delegations = [];
  properties.privateEndpointNetworkPolicies = 'Disabled';
  properties.privateLinkServiceNetworkPolicies = 'Enabled';
  return { name: s.name, id, etag: netEtag(id), type: 'Microsoft.Network/virtualNetworks/subnets', properties };
}

export interface NetworkSpec {
  sub: string;
  rg: string;
  region: Region;
  vnet: string;
  addressSpace: string;
  dnsServers: string[];
  subnet: string;
  subnetPrefix: string;
  nsg: string;
  rules: RuleSpec[];
  serviceEndpoints: { service: string; locations: string[] }[];
  routeTable?: { name: string; routes: RouteSpec[]; disableBgpRoutePropagation: boolean };
  tags: Record<string, string>;
}

export interface RouteSpec {
  name: string;
  addressPrefix: string;
  nextHopType: 'VirtualAppliance' | 'VirtualNetworkGateway' | 'Internet' | 'VnetLocal' | 'None';
  nextHopIpAddress?: string;
}

/** VNet (with its subnet embedded), the subnet, its NSG and its route table, as separate resources. */
export function network(spec: NetworkSpec): { resources: ArmResource[]; subnetId: string } {
  const prefix = `${rgPrefix(spec.sub, spec.rg)}/providers/Microsoft.Network`;
  const vnetId = `${prefix}/virtualNetworks/${spec.vnet}`;
  const nsgId = `${prefix}/networkSecurityGroups/${spec.nsg}`;
  const rtId = spec.routeTable ? `${prefix}/routeTables/${spec.routeTable.name}` : undefined;
  const subnetSpec: SubnetSpec = {
    sub: spec.sub,
    rg: spec.rg,
    vnet: spec.vnet,
    name: spec.subnet,
    addressPrefix: spec.subnetPrefix,
    nsgId,
    serviceEndpoints: spec.serviceEndpoints,
  };
  if (rtId !== undefined) subnetSpec.routeTableId = rtId;
  const sid = subnetId(subnetSpec);

  const vnet: ArmResource = {
    name: spec.vnet,
    id: vnetId,
    etag: netEtag(vnetId),
    type: 'Microsoft.Network/virtualNetworks',
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${vnetId}`),
      addressSpace: { addressPrefixes: [spec.addressSpace] },
      dhcpOptions: { dnsServers: [...spec.dnsServers] },
      subnets: [subnetBody(subnetSpec)],
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  };

  const nsg: ArmResource = {
    name: spec.nsg,
    id: nsgId,
    etag: netEtag(nsgId),
    type: 'Microsoft.Network/networkSecurityGroups',
    location: spec.region.short,
    tags: { ...spec.tags },
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${nsgId}`),
      securityRules: spec.rules.map((r) => securityRule(nsgId, r)),
      defaultSecurityRules: defaultSecurityRules(nsgId),
      subnets: [{ id: sid }],
    },
  };

  const resources: ArmResource[] = [vnet, subnetBody(subnetSpec), nsg];
  if (spec.routeTable && rtId !== undefined) {
    resources.push({
      name: spec.routeTable.name,
      id: rtId,
      etag: netEtag(rtId),
      type: 'Microsoft.Network/routeTables',
      location: spec.region.short,
      tags: { ...spec.tags },
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: guid(`guid:${rtId}`),
        disableBgpRoutePropagation: spec.routeTable.disableBgpRoutePropagation,
        routes: spec.routeTable.routes.map((r) => {
          const routeId = `${rtId}/routes/${r.name}`;
          const properties: Record<string, unknown> = {
            provisioningState: 'Succeeded',
            addressPrefix: r.addressPrefix,
            nextHopType: r.nextHopType,
          };
          if (r.nextHopIpAddress !== undefined) properties.nextHopIpAddress = r.nextHopIpAddress;
          properties.hasBgpOverride = false;
          return { name: r.name, id: routeId, etag: netEtag(routeId), type: 'Microsoft.Network/routeTables/routes', properties };
        }),
        subnets: [{ id: sid }],
      },
    });
  }
  return { resources, subnetId: sid };
}

export function publicIp(sub: string, rg: string, name: string, region: Region, ipAddress: string, label: string): ArmResource {
  const id = `${rgPrefix(sub, rg)}/providers/Microsoft.Network/publicIPAddresses/${name}`;
  return {
    name,
    id,
    etag: netEtag(id),
    location: region.short,
    sku: { name: 'Standard', tier: 'Regional' },
    type: 'Microsoft.Network/publicIPAddresses',
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: guid(`guid:${id}`),
      ipAddress,
      publicIPAddressVersion: 'IPv4',
      publicIPAllocationMethod: 'Static',
      idleTimeoutInMinutes: 4,
      dnsSettings: { domainNameLabel: label, fqdn: `${label}.${region.short}.cloudapp.azure.com` },
      ipTags: [],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// APIM service bodies

export interface ApimRegionSpec {
  region: Region;
  subnetId?: string;
  publicIpId?: string;
  publicIp: string;
  privateIp?: string;
}

export interface ApimSpec {
  sub: string;
  rg: string;
  name: string;
  sku: 'Developer' | 'Premium' | 'Standard' | 'Basic';
  capacity: number;
  vnetType: 'None' | 'External' | 'Internal';
  primary: ApimRegionSpec;
  additional: ApimRegionSpec[];
  tags: Record<string, string>;
  publisherName: string;
  publisherEmail: string;
  createdAtUtc: string;
}

function regionalUrl(name: string, region: Region): string {
  return `https://${name}-${region.short}-01.regional.azure-api.net`;
}

const CUSTOM_PROPERTIES = {
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Ssl30': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30': 'False',
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Protocols.Server.Http2': 'False',
};

export function apimService(spec: ApimSpec): ArmResource {
  const id = apimId(spec.sub, spec.rg, spec.name);
  const n = spec.name;
  const internal = spec.vnetType === 'Internal';
  const properties: Record<string, unknown> = {
    publisherEmail: spec.publisherEmail,
    publisherName: spec.publisherName,
    notificationSenderEmail: 'apimgmt-noreply@mail.windowsazure.com',
    provisioningState: 'Succeeded',
    targetProvisioningState: '',
    createdAtUtc: spec.createdAtUtc,
    gatewayUrl: `https://${n}.azure-api.net`,
    gatewayRegionalUrl: regionalUrl(n, spec.primary.region),
    portalUrl: `https://${n}.portal.azure-api.net`,
    developerPortalUrl: `https://${n}.developer.azure-api.net`,
    managementApiUrl: `https://${n}.management.azure-api.net`,
    scmUrl: `https://${n}.scm.azure-api.net`,
    hostnameConfigurations: [
      {
        type: 'Proxy',
        hostName: `${n}.azure-api.net`,
        negotiateClientCertificate: false,
        defaultSslBinding: true,
        certificateSource: 'BuiltIn',
      },
    ],
    publicIPAddresses: [spec.primary.publicIp],
  };
  if (internal && spec.primary.privateIp !== undefined) properties.privateIPAddresses = [spec.primary.privateIp];
  if (spec.primary.publicIpId !== undefined) properties.publicIpAddressId = spec.primary.publicIpId;
  if (spec.additional.length > 0) {
    properties.additionalLocations = spec.additional.map((a) => {
      const loc: Record<string, unknown> = {
        location: a.region.display,
        sku: { name: spec.sku, capacity: 1 },
        zones: [],
        publicIPAddresses: [a.publicIp],
      };
      if (internal && a.privateIp !== undefined) loc.privateIPAddresses = [a.privateIp];
      if (a.publicIpId !== undefined) loc.publicIpAddressId = a.publicIpId;
      if (a.subnetId !== undefined) loc.virtualNetworkConfiguration = { subnetResourceId: a.subnetId };
      loc.gatewayRegionalUrl = regionalUrl(n, a.region);
      loc.disableGateway = false;
      loc.platformVersion = 'stv2';
      return loc;
    });
  }
  if (spec.primary.subnetId !== undefined) {
    properties.virtualNetworkConfiguration = { subnetResourceId: spec.primary.subnetId };
  }
  properties.customProperties = { ...CUSTOM_PROPERTIES };
  properties.virtualNetworkType = spec.vnetType;
  properties.certificates = [];
  properties.disableGateway = false;
  properties.apiVersionConstraint = { minApiVersion: '2021-08-01' };
  properties.publicNetworkAccess = 'Enabled';
  properties.platformVersion = 'stv2';

  return {
    id,
    name: n,
    type: 'Microsoft.ApiManagement/service',
    tags: { ...spec.tags },
    location: spec.primary.region.display,
    etag: apimEtag(id),
    properties,
    sku: { name: spec.sku, capacity: spec.capacity },
    identity: { type: 'SystemAssigned', principalId: guid(`principal:${id}`), tenantId: TENANT_ID },
    systemData: {
      createdBy: spec.publisherEmail,
      createdByType: 'User',
      createdAt: spec.createdAtUtc,
      lastModifiedBy: spec.publisherEmail,
      lastModifiedByType: 'User',
      lastModifiedAt: spec.createdAtUtc,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// NetworkStatus bodies

export type Status = 'success' | 'failure' | 'initializing';

/** What differs from "fresh and healthy" for one resourceType of one region. */
export interface EntryOverride {
  status?: Status;
  error?: string;
  lastUpdatedAgoMs?: number;
  lastStatusChangeAgoMs?: number;
}

export interface StatusRegionSpec {
  instance: string;
  region: Region;
  primary: Region;
  dnsServers: string[];
  overrides?: Record<string, EntryOverride>;
}

/** The instance's configuration database server (`apirpsql…`), in its primary region. */
export function sqlServer(instance: string, primary: Region): string {
  return `apirpsql${token(`${instance}/${primary.short}/sql`, 12)}`;
}

/**
 * The 17 entries of one region as [host, resourceType, isOptional], modelled on the 2024-05-01 NetworkStatus
 * example (same resourceTypes, host shapes, `isOptional` values and order); hosts derive from the instance.
 */
export function connectivityEntries(instance: string, region: string, primaryRegion: string): Array<[string, string, boolean]> {
  const storage = `apimst${token(`${instance}/${region}/st`, 12)}`;
  const smtpStorage = `apimst${token(`${instance}/${region}/smtp`, 10)}`;
  // The instance's configuration database and vault live with the primary region.
  const sql = `apirpsql${token(`${instance}/${primaryRegion}/sql`, 12)}`;
  const vault = `apikv-${token(`${instance}/kv`, 12)}`;
  return [
    [`${smtpStorage}.queue.core.windows.net`, 'SmtpQueue', true],
    [`${storage}.blob.core.windows.net`, 'BlobStorage', false],
    [`${storage}.file.core.windows.net`, 'FileStorage', true],
    [`${storage}.queue.core.windows.net`, 'Queue', true],
    [`${storage}.table.core.windows.net`, 'TableStorage', false],
    [`${sql}.database.windows.net`, 'SQLDatabase', false],
    ['gcs.prod.monitoring.core.windows.net', 'Monitoring', false],
    [`https://${vault}.vault.azure.net`, 'AzureKeyVault', false],
    [`https://${region}.login.microsoft.com`, 'RegionalAzureActiveDirectory', true],
    ['https://gcs.prod.warm.ingestion.monitoring.azure.com', 'Monitoring', true],
    ['https://global.prod.microsoftmetrics.com/', 'Monitoring', true],
    ['https://login.windows.net', 'AzureActiveDirectory', true],
    ['https://partner.prod.repmap.microsoft.com', 'CaptchaEndpoint', true],
    ['https://shoebox3.prod.microsoftmetrics.com:1886/RecoveryService', 'Metrics', true],
    [`https://${instance}.management.azure-api.net:3443/servicestatus?api-version=2018-01-01`, 'ApiManagement Control Plane - inbound', false],
    ['LocalGatewayRedis', 'InternalCache', true],
    ['Scm', 'SourceControl', true],
  ];
}

/**
 * One region's `connectivityStatus`, modelled on the 2024-05-01 NetworkStatus example (same
 * resourceTypes, host shapes, `isOptional` values and order).
 */
export function regionStatus(now: number, spec: StatusRegionSpec): Record<string, unknown> {
  const n = spec.instance;
  const entries = connectivityEntries(n, spec.region.short, spec.primary.short);
  // All healthy entries changed status when the instance last came up (same few seconds).
  const upSeed = `${n}/${spec.region.short}/up`;
  const upAgo = (9 + (rand(upSeed, 0) % 12)) * DAY + (rand(upSeed, 1) % (20 * HOUR));
  const connectivityStatus = entries.map(([name, resourceType, isOptional]) => {
    const seed = `${n}/${spec.region.short}/${name}`;
    const o = spec.overrides?.[resourceType] ?? {};
    // Fresh: refreshed 1 to 12 minutes ago (the platform re-checks about every 15 minutes).
    const updatedAgo = o.lastUpdatedAgoMs ?? MINUTE + (rand(`upd:${seed}`, 0) % (11 * MINUTE));
    let changedAgo = o.lastStatusChangeAgoMs ?? upAgo - (rand(`chg:${seed}`, 0) % 900);
    // Azure reports the control-plane check's status change at its last update (see the example).
    if (resourceType === 'ApiManagement Control Plane - inbound' && o.lastStatusChangeAgoMs === undefined) {
      changedAgo = updatedAgo;
    }
    changedAgo = Math.max(changedAgo, updatedAgo);
    const lastUpdated = stamp(now, updatedAgo, `u:${seed}`);
    return {
      name,
      status: o.status ?? 'success',
      error: o.error ?? '',
      lastUpdated,
      lastStatusChange: changedAgo === updatedAgo ? lastUpdated : stamp(now, changedAgo, `c:${seed}`),
      resourceType,
      isOptional,
    };
  });
  return {
    location: spec.region.display,
    networkStatus: { dnsServers: [...spec.dnsServers], connectivityStatus },
  };
}

// ---------------------------------------------------------------------------------------------
// Service tags (real data, see src/data/README.md)

/** The `serviceTags.list` body; the envelope `id` keeps `{subscriptionId}` for the simulator. */
export function serviceTagsBody(): unknown {
  // A fresh object per call: callers may mutate the world they were given.
  return bundledServiceTagsBody();
}

// ---------------------------------------------------------------------------------------------
// The fleet

export const SERVICE_ENDPOINTS_ALL = (region: Region, pair: Region) => [
  { service: 'Microsoft.Storage', locations: [region.short, pair.short] },
  { service: 'Microsoft.Sql', locations: [region.short] },
  { service: 'Microsoft.KeyVault', locations: ['*'] },
  { service: 'Microsoft.EventHub', locations: ['*'] },
];

/** Builds the demo world; every timestamp is relative to `now`, so the same `now` gives the same world. */
export function buildDemoWorld(now: Date = new Date()): World {
  const t = now.getTime();
  if (!Number.isFinite(t)) throw new Error('buildDemoWorld: `now` is not a valid date');
  const resources: ArmResource[] = [];
  const networkStatus: Record<string, unknown> = {};

  // 1. contoso-prod: Premium, External, West Europe + North Europe, healthy everywhere.
  {
    const sub = SUB_CONTOSO;
    const tags = { env: 'prod', team: 'platform', costCenter: 'CC-1042' };
    const weu = network({
      sub, rg: 'rg-network-prod', region: WEST_EUROPE, tags,
      vnet: 'vnet-apim-prod-weu', addressSpace: '10.10.0.0/16', dnsServers: [],
      subnet: 'snet-apim', subnetPrefix: '10.10.1.0/24', nsg: 'nsg-apim-prod-weu',
      rules: apimRequiredRules('External', { trafficManager: true }),
      serviceEndpoints: SERVICE_ENDPOINTS_ALL(WEST_EUROPE, NORTH_EUROPE),
    });
    const neu = network({
      sub, rg: 'rg-network-prod', region: NORTH_EUROPE, tags,
      vnet: 'vnet-apim-prod-neu', addressSpace: '10.20.0.0/16', dnsServers: [],
      subnet: 'snet-apim', subnetPrefix: '10.20.1.0/24', nsg: 'nsg-apim-prod-neu',
      rules: apimRequiredRules('External', { trafficManager: true }),
      serviceEndpoints: SERVICE_ENDPOINTS_ALL(NORTH_EUROPE, WEST_EUROPE),
    });
    const pipWeu = publicIp(sub, 'rg-apim-prod', 'pip-contoso-prod-weu', WEST_EUROPE, '20.103.214.37', 'contoso-prod-weu');
    const pipNeu = publicIp(sub, 'rg-apim-prod', 'pip-contoso-prod-neu', NORTH_EUROPE, '20.166.42.118', 'contoso-prod-neu');
    const apim = apimService({
      sub, rg: 'rg-apim-prod', name: 'contoso-prod', sku: 'Premium', capacity: 2, vnetType: 'External', tags,
      publisherName: 'Contoso', publisherEmail: 'api-platform@contoso.com', createdAtUtc: '2022-03-14T09:12:41.3385274Z',
      primary: { region: WEST_EUROPE, subnetId: weu.subnetId, publicIpId: pipWeu.id, publicIp: '20.103.214.37' },
      additional: [{ region: NORTH_EUROPE, subnetId: neu.subnetId, publicIpId: pipNeu.id, publicIp: '20.166.42.118' }],
    });
    resources.push(apim, pipWeu, pipNeu, ...weu.resources, ...neu.resources);
    networkStatus[apim.id] = [
      regionStatus(t, { instance: 'contoso-prod', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
      regionStatus(t, { instance: 'contoso-prod', region: NORTH_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
    ];
  }

  // 2. contoso-internal: Developer, Internal, West Europe. SQL fails: DenyDatabaseEgress (priority
  //    100) denies Sql:1433 before AllowSqlOutbound (priority 120) can allow it.
  {
    const sub = SUB_CONTOSO;
    const rg = 'rg-apim-internal';
    const tags = { env: 'prod', team: 'integration' };
    const dns = ['10.30.0.4', '10.30.0.5'];
    // The team's deny comes first; the required allows were shifted down by 10 to make room.
    const rules: RuleSpec[] = [
      ...apimRequiredRules('Internal').map((r) => (r.direction === 'Outbound' ? { ...r, priority: r.priority + 10 } : r)),
      {
        name: 'DenyDatabaseEgress', priority: 100, direction: 'Outbound', access: 'Deny', protocol: 'Tcp',
        source: 'VirtualNetwork', destination: 'Sql', ports: ['1433'],
        description: 'SEC-2291: no direct database egress from shared subnets',
      },
    ];
    const net = network({
      sub, rg, region: WEST_EUROPE, tags,
      vnet: 'vnet-integration-weu', addressSpace: '10.30.0.0/16', dnsServers: dns,
      subnet: 'snet-apim-internal', subnetPrefix: '10.30.8.0/24', nsg: 'nsg-apim-internal-weu',
      rules,
      serviceEndpoints: [
        { service: 'Microsoft.Storage', locations: ['westeurope', 'northeurope'] },
        { service: 'Microsoft.KeyVault', locations: ['*'] },
      ],
    });
    const pip = publicIp(sub, rg, 'pip-contoso-internal-weu', WEST_EUROPE, '20.86.181.9', 'contoso-internal-weu');
    const apim = apimService({
      sub, rg, name: 'contoso-internal', sku: 'Developer', capacity: 1, vnetType: 'Internal', tags,
      publisherName: 'Contoso', publisherEmail: 'integration@contoso.com', createdAtUtc: '2023-01-23T15:47:02.0916633Z',
      primary: { region: WEST_EUROPE, subnetId: net.subnetId, publicIpId: pip.id, publicIp: '20.86.181.9', privateIp: '10.30.8.4' },
      additional: [],
    });
    resources.push(apim, pip, ...net.resources);
    const sqlHost = `${sqlServer('contoso-internal', WEST_EUROPE)}.database.windows.net`;
    networkStatus[apim.id] = [
      regionStatus(t, {
        instance: 'contoso-internal', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: dns,
        overrides: {
          SQLDatabase: {
            status: 'failure',
            error:
              `Failed to connect to ${sqlHost}:1433. A network-related or instance-specific error occurred while ` +
              'establishing a connection to SQL Server. The server was not found or was not accessible. Verify that ' +
              'the instance name is correct and that SQL Server is configured to allow remote connections. ' +
              '(provider: TCP Provider, error: 0 - The wait operation timed out.)',
            lastUpdatedAgoMs: 3 * MINUTE + 17_482,
            lastStatusChangeAgoMs: 47 * MINUTE + 9_316,
          },
        },
      }),
    ];
  }

  // 3. fabrikam-api: Premium, External, North Europe. Key Vault still says success, but its
  //    lastUpdated stopped moving ~2 hours ago (staleness is a failure). The network config is fine.
  {
    const sub = SUB_FABRIKAM;
    const rg = 'rg-fabrikam-api';
    const tags = { env: 'prod', team: 'api' };
    const net = network({
      sub, rg, region: NORTH_EUROPE, tags,
      vnet: 'vnet-fabrikam-neu', addressSpace: '10.40.0.0/16', dnsServers: [],
      subnet: 'snet-apim-api', subnetPrefix: '10.40.1.0/27', nsg: 'nsg-apim-fabrikam-api',
      rules: apimRequiredRules('External'),
      serviceEndpoints: SERVICE_ENDPOINTS_ALL(NORTH_EUROPE, WEST_EUROPE),
    });
    const pip = publicIp(sub, rg, 'pip-fabrikam-api-neu', NORTH_EUROPE, '20.107.96.201', 'fabrikam-api-neu');
    const apim = apimService({
      sub, rg, name: 'fabrikam-api', sku: 'Premium', capacity: 1, vnetType: 'External', tags,
      publisherName: 'Fabrikam', publisherEmail: 'apiteam@fabrikam.com', createdAtUtc: '2022-10-05T11:20:58.7741209Z',
      primary: { region: NORTH_EUROPE, subnetId: net.subnetId, publicIpId: pip.id, publicIp: '20.107.96.201' },
      additional: [],
    });
    resources.push(apim, pip, ...net.resources);
    networkStatus[apim.id] = [
      regionStatus(t, {
        instance: 'fabrikam-api', region: NORTH_EUROPE, primary: NORTH_EUROPE, dnsServers: [AZURE_DNS],
        overrides: { AzureKeyVault: { lastUpdatedAgoMs: 2 * HOUR + 4 * MINUTE + 31_207 } },
      }),
    ];
  }

  // 4. fabrikam-partners: Developer, Internal, West Europe. Entra ID fails: forced tunnelling sends
  //    0.0.0.0/0 to the firewall; Storage, Sql, Key Vault and Event Hubs leave through service
  //    endpoints, ApiManagement and AzureMonitor have Internet routes, AzureActiveDirectory has none.
  {
    const sub = SUB_FABRIKAM;
    const tags = { env: 'prod', team: 'partners' };
    const dns = ['10.50.2.4', '10.50.2.5'];
    const net = network({
      sub, rg: 'rg-fabrikam-network', region: WEST_EUROPE, tags,
      vnet: 'vnet-fabrikam-hub-weu', addressSpace: '10.50.0.0/16', dnsServers: dns,
      subnet: 'snet-apim-partners', subnetPrefix: '10.50.4.0/24', nsg: 'nsg-apim-partners-weu',
      rules: apimRequiredRules('Internal'),
      serviceEndpoints: SERVICE_ENDPOINTS_ALL(WEST_EUROPE, NORTH_EUROPE),
      routeTable: {
        name: 'rt-apim-partners-weu',
        disableBgpRoutePropagation: true,
        routes: [
          { name: 'default-via-firewall', addressPrefix: '0.0.0.0/0', nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.50.0.4' },
          { name: 'apim-control-plane', addressPrefix: 'ApiManagement', nextHopType: 'Internet' },
          { name: 'azure-monitor', addressPrefix: 'AzureMonitor', nextHopType: 'Internet' },
        ],
      },
    });
    const rg = 'rg-fabrikam-partners';
    const pip = publicIp(sub, rg, 'pip-fabrikam-partners-weu', WEST_EUROPE, '20.101.37.164', 'fabrikam-partners-weu');
    const apim = apimService({
      sub, rg, name: 'fabrikam-partners', sku: 'Developer', capacity: 1, vnetType: 'Internal', tags,
      publisherName: 'Fabrikam', publisherEmail: 'partners@fabrikam.com', createdAtUtc: '2023-07-18T08:03:27.4402183Z',
      primary: { region: WEST_EUROPE, subnetId: net.subnetId, publicIpId: pip.id, publicIp: '20.101.37.164', privateIp: '10.50.4.4' },
      additional: [],
    });
    resources.push(apim, pip, ...net.resources);
    const timeout = (host: string) =>
      `Failed to connect to ${host}. A connection attempt failed because the connected party did not properly ` +
      'respond after a period of time, or established connection failed because connected host has failed to ' +
      `respond. (${host.replace(/^https:\/\//, '')}:443)`;
    networkStatus[apim.id] = [
      regionStatus(t, {
        instance: 'fabrikam-partners', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: dns,
        overrides: {
          AzureActiveDirectory: {
            status: 'failure',
            error: timeout('https://login.windows.net'),
            lastUpdatedAgoMs: 2 * MINUTE + 44_613,
            lastStatusChangeAgoMs: 26 * MINUTE + 12_095,
          },
          RegionalAzureActiveDirectory: {
            status: 'failure',
            error: timeout('https://westeurope.login.microsoft.com'),
            lastUpdatedAgoMs: 4 * MINUTE + 3_771,
            lastStatusChangeAgoMs: 27 * MINUTE + 40_538,
          },
        },
      }),
    ];
  }

  // 5. legacy-portal: Standard, no VNet. NetworkStatus still answers; the service does not poll it.
  {
    const sub = SUB_FABRIKAM;
    const apim = apimService({
      sub, rg: 'rg-fabrikam-legacy', name: 'legacy-portal', sku: 'Standard', capacity: 1, vnetType: 'None',
      tags: { env: 'prod', team: 'legacy' },
      publisherName: 'Fabrikam', publisherEmail: 'legacy@fabrikam.com', createdAtUtc: '2020-09-02T13:55:10.2205341Z',
      primary: { region: WEST_EUROPE, publicIp: '40.114.196.58' },
      additional: [],
    });
    resources.push(apim);
    networkStatus[apim.id] = [
      regionStatus(t, { instance: 'legacy-portal', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
    ];
  }

  return {
    resources,
    networkStatus,
    serviceTags: {
      [WEST_EUROPE.short]: serviceTagsBody(),
      [NORTH_EUROPE.short]: serviceTagsBody(),
    },
    faults: [],
    // Bodies of the subscriptions list (Microsoft.Subscription, 2022-12-01).
    subscriptions: [
      subscriptionBody(SUB_CONTOSO, 'Contoso Platform Production', { owner: 'platform' }),
      subscriptionBody(SUB_FABRIKAM, 'Fabrikam APIs', { owner: 'fabrikam-api' }),
    ],
  };
}

export function subscriptionBody(id: string, displayName: string, tags: Record<string, string>): Record<string, unknown> {
  return {
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    tenantId: TENANT_ID,
    displayName,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'EnterpriseAgreement_2014-09-01',
      spendingLimit: 'Off',
    },
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    tags,
  };
}

/** The demo world as pretty JSON, for a CLI to write to a file (`simulate --world FILE`). */
export function demoWorldJson(now: Date = new Date()): string {
  return `${JSON.stringify(buildDemoWorld(now), null, 2)}\n`;
}
