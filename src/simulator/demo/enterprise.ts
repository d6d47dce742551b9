import { apimService } from './apim-service.js';
import type { DemoInstance } from './instance.js';
import { rgPrefix, SUB_CONTOSO, SUB_FABRIKAM } from './identities.js';
import { adminRuleBody, type AdminRuleSpec } from './admin-rules.js';
import { hubNetwork } from './hub.js';
import { privateDnsZone } from './private-dns.js';
import { network, SERVICE_ENDPOINTS_ALL } from './network.js';
import { connectivityEntries, regionStatus, sqlServer } from './network-status.js';
import { apimRequiredRules, type RuleSpec } from './nsg-rules.js';
import { publicIp } from './public-ip.js';
import { AZURE_DNS, NORTH_EUROPE, WEST_EUROPE } from './regions.js';
import { MINUTE } from './seeded.js';

/**
 * The layers enterprise networks add around APIM's subnet, one demo instance each:
 *
 * | instance          | sub | VNet     | region      | what the demo shows                                           |
 * |-------------------|-----|----------|-------------|---------------------------------------------------------------|
 * | contoso-payments  | A   | External | West Europe | SQL failing: the corporate network manager's security admin   |
 * |                   |     |          |             | rule DenySqlEgress-SEC-3310 (Deny) blocks Sql:1433 although   |
 * |                   |     |          |             | the NSG allows it; its AlwaysAllow rule lets inbound 3443 in  |
 * |                   |     |          |             | although a leftover NSG rule denies it                        |
 * | contoso-hybrid    | A   | Internal | West Europe | Storage and Key Vault failing: the spoke uses the hub's       |
 * |                   |     |          |             | ExpressRoute gateway (useRemoteGateways), no route table, so  |
 * |                   |     |          |             | on-premises' 0.0.0.0/0 reaches the subnet; the NSG and the    |
 * |                   |     |          |             | route table (none) show nothing wrong                         |
 * | fabrikam-edge     | B   | External | North Europe| Standard v2 with VNet integration: NetworkStatus not          |
 * |                   |     | (v2)     |             | available for the tier; its NSG denies outbound Storage 443,  |
 * |                   |     |          |             | the one rule the v2 tiers need                                |
 */

/** The corporate network manager, in Contoso's platform subscription. */
const NETWORK_MANAGER = `${rgPrefix(SUB_CONTOSO, 'rg-corp-network')}/providers/Microsoft.Network/networkManagers/corp-avnm`;
const effectiveAdminRule = (spec: AdminRuleSpec) => adminRuleBody(spec, { manager: NETWORK_MANAGER, configuration: 'corp-baseline', description: 'Contoso corporate security baseline' });

/**
 * contoso-payments: Premium, External, West Europe. The NSG allows everything APIM needs (and, left over
 * from a migration, denies inbound 3443); the network manager's admin rules decide both before it.
 */
export function contosoPayments(now: number): DemoInstance & { effectiveSecurityAdminRules: Record<string, unknown> } {
  const sub = SUB_CONTOSO;
  const tags = { env: 'prod', team: 'payments' };
  const rules: RuleSpec[] = [
    {
      name: 'DenyLegacyManagementInbound', priority: 105, direction: 'Inbound', access: 'Deny', protocol: 'Tcp',
      source: 'ApiManagement', destination: 'VirtualNetwork', ports: ['3443'],
      description: 'CHG-1187: left over from the stv1 migration',
    },
    ...apimRequiredRules('External'),
  ];
  const net = network({
    sub, rg: 'rg-network-payments', region: WEST_EUROPE, tags,
    vnet: 'vnet-payments-weu', addressSpace: '10.60.0.0/16', dnsServers: [],
    subnet: 'snet-apim', subnetPrefix: '10.60.1.0/24', nsg: 'nsg-apim-payments-weu',
    rules,
    serviceEndpoints: SERVICE_ENDPOINTS_ALL(WEST_EUROPE, NORTH_EUROPE),
  });
  const vnetId = net.subnetId.split('/subnets/')[0]!;
  const pip = publicIp(sub, 'rg-apim-payments', 'pip-contoso-payments-weu', WEST_EUROPE, '20.61.14.202', 'contoso-payments-weu');
  const apim = apimService({
    sub, rg: 'rg-apim-payments', name: 'contoso-payments', sku: 'Premium', capacity: 1, vnetType: 'External', tags,
    publisherName: 'Contoso', publisherEmail: 'payments@contoso.com', createdAtUtc: '2024-02-19T10:41:07.5521904Z',
    primary: { region: WEST_EUROPE, subnetId: net.subnetId, publicIpId: pip.id, publicIp: '20.61.14.202' },
    additional: [],
  });
  const sqlHost = `${sqlServer('contoso-payments', WEST_EUROPE)}.database.windows.net`;
  return {
    id: apim.id,
    resources: [apim, pip, ...net.resources],
    networkStatus: [
      regionStatus(now, {
        instance: 'contoso-payments', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS],
        overrides: {
          SQLDatabase: {
            status: 'failure',
            error: `Failed to connect to ${sqlHost}:1433. A connection attempt failed because the connected party did not properly respond after a period of time. (provider: TCP Provider, error: 0 - The wait operation timed out.)`,
            lastUpdatedAgoMs: 1 * MINUTE + 52_118,
            lastStatusChangeAgoMs: 38 * MINUTE + 4_906,
          },
        },
      }),
    ],
    effectiveSecurityAdminRules: {
      [vnetId]: {
        value: [
          effectiveAdminRule({
            collection: 'platform-access', name: 'AlwaysAllowApimManagement', description: 'APIM control plane must always reach its gateways',
            access: 'AlwaysAllow', direction: 'Inbound', priority: 100, remote: { addressPrefix: 'ApiManagement', addressPrefixType: 'ServiceTag' }, ports: ['3443'],
          }),
          effectiveAdminRule({
            collection: 'data-egress', name: 'DenySqlEgress-SEC-3310', description: 'SEC-3310: databases only through private endpoints',
            access: 'Deny', direction: 'Outbound', priority: 200, remote: { addressPrefix: 'Sql', addressPrefixType: 'ServiceTag' }, ports: ['1433'],
          }),
        ],
      },
    },
  };
}

/**
 * contoso-hybrid: Premium, Internal, West Europe, in a spoke of Contoso's hub-and-spoke network. The spoke
 * uses the hub's ExpressRoute gateway; its APIM subnet has no route table, so the routes on-premises
 * advertises (0.0.0.0/0 among them) reach it. Storage and Key Vault time out; the NSG allows them.
 */
export function contosoHybrid(now: number): DemoInstance {
  const sub = SUB_CONTOSO;
  const tags = { env: 'prod', team: 'hybrid-integration' };
  const spokeVnetId = `${rgPrefix(sub, 'rg-network-hybrid')}/providers/Microsoft.Network/virtualNetworks/vnet-hybrid-weu`;
  const hub = hubNetwork({
    sub, rg: 'rg-corp-hub', region: WEST_EUROPE, vnet: 'vnet-hub-weu', addressSpace: '10.0.0.0/16', gatewaySubnetPrefix: '10.0.255.0/27',
    gateway: 'vgw-er-hub-weu', spokes: [{ name: 'hub-to-hybrid', remoteVnetId: spokeVnetId, remoteAddressSpace: '10.70.0.0/16' }],
    tags: { env: 'prod', team: 'network' },
  });
  const net = network({
    sub, rg: 'rg-network-hybrid', region: WEST_EUROPE, tags,
    vnet: 'vnet-hybrid-weu', addressSpace: '10.70.0.0/16', dnsServers: [],
    subnet: 'snet-apim', subnetPrefix: '10.70.1.0/24', nsg: 'nsg-apim-hybrid-weu',
    rules: apimRequiredRules('Internal'),
    serviceEndpoints: [],
    peerings: [{ name: 'hybrid-to-hub', remoteVnetId: hub.vnetId, remoteAddressSpace: '10.0.0.0/16', useRemoteGateways: true, allowGatewayTransit: false }],
  });
  const pip = publicIp(sub, 'rg-apim-hybrid', 'pip-contoso-hybrid-weu', WEST_EUROPE, '20.71.88.140', 'contoso-hybrid-weu');
  const apim = apimService({
    sub, rg: 'rg-apim-hybrid', name: 'contoso-hybrid', sku: 'Premium', capacity: 1, vnetType: 'Internal', tags,
    publisherName: 'Contoso', publisherEmail: 'hybrid@contoso.com', createdAtUtc: '2024-09-30T07:18:44.1093355Z',
    primary: { region: WEST_EUROPE, subnetId: net.subnetId, publicIpId: pip.id, publicIp: '20.71.88.140', privateIp: '10.70.1.4' },
    additional: [],
  });
  const timeout = (host: string, port: number) =>
    `Failed to connect to ${host}:${port}. A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.`;
  const host = (resourceType: string) => connectivityEntries('contoso-hybrid', WEST_EUROPE.short, WEST_EUROPE.short).find(([, type]) => type === resourceType)![0];
  // The hub team's zone, linked to the spoke, maps every name to the instance's VIP.
  const zone = privateDnsZone({
    sub, rg: 'rg-corp-hub', zone: 'azure-api.net', tags: { env: 'prod', team: 'network' },
    links: { 'link-vnet-hybrid-weu': spokeVnetId },
    records: Object.fromEntries(['', '.portal', '.developer', '.management', '.scm'].map((part) => [`contoso-hybrid${part}`, ['10.70.1.4']])),
  });
  return {
    id: apim.id,
    resources: [apim, pip, ...net.resources, ...hub.resources, ...zone],
    networkStatus: [
      regionStatus(now, {
        instance: 'contoso-hybrid', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS],
        overrides: {
          BlobStorage: { status: 'failure', error: timeout(host('BlobStorage'), 443), lastUpdatedAgoMs: 2 * MINUTE + 9_402, lastStatusChangeAgoMs: 19 * MINUTE + 40_117 },
          TableStorage: { status: 'failure', error: timeout(host('TableStorage'), 443), lastUpdatedAgoMs: 2 * MINUTE + 11_875, lastStatusChangeAgoMs: 19 * MINUTE + 38_006 },
          AzureKeyVault: { status: 'failure', error: timeout(host('AzureKeyVault'), 443), lastUpdatedAgoMs: 3 * MINUTE + 1_244, lastStatusChangeAgoMs: 18 * MINUTE + 55_731 },
        },
      }),
    ],
  };
}

/**
 * fabrikam-edge: Standard v2, VNet integration (outbound) in North Europe: the subnet delegated to
 * Microsoft.Web/serverFarms, /27, an NSG whose outbound baseline denies the Internet, Storage included.
 * The world has no NetworkStatus for it (the docs do not say the v2 tiers have one).
 */
export function fabrikamEdge(): DemoInstance {
  const sub = SUB_FABRIKAM;
  const tags = { env: 'prod', team: 'edge' };
  const rules: RuleSpec[] = [
    {
      name: 'AllowVnetOutbound', priority: 100, direction: 'Outbound', access: 'Allow', protocol: '*',
      source: 'VirtualNetwork', destination: 'VirtualNetwork', ports: ['*'], description: 'backends in the spoke',
    },
    {
      name: 'DenyInternetOutbound', priority: 4000, direction: 'Outbound', access: 'Deny', protocol: '*',
      source: '*', destination: 'Internet', ports: ['*'], description: 'SEC-1022 egress baseline',
    },
  ];
  const net = network({
    sub, rg: 'rg-fabrikam-edge', region: NORTH_EUROPE, tags,
    vnet: 'vnet-fabrikam-edge-neu', addressSpace: '10.80.0.0/16', dnsServers: [],
    subnet: 'snet-apim-integration', subnetPrefix: '10.80.2.0/27', nsg: 'nsg-apim-edge-neu',
    rules, serviceEndpoints: [], delegation: 'Microsoft.Web/serverFarms',
  });
  const apim = apimService({
    sub, rg: 'rg-fabrikam-edge', name: 'fabrikam-edge', sku: 'StandardV2', capacity: 1, vnetType: 'External', tags,
    publisherName: 'Fabrikam', publisherEmail: 'edge@fabrikam.com', createdAtUtc: '2025-05-12T13:26:09.8841327Z',
    primary: { region: NORTH_EUROPE, subnetId: net.subnetId, publicIp: '20.123.40.17' },
    additional: [],
  });
  return { id: apim.id, resources: [apim, ...net.resources] };
}
