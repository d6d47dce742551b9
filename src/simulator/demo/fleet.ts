import type { DemoInstance } from './instance.js';
import { apimService } from './apim-service.js';
import { SUB_CONTOSO, SUB_FABRIKAM, TENANT_ID } from './identities.js';
import { network, SERVICE_ENDPOINTS_ALL } from './network.js';
import { regionStatus, sqlServer } from './network-status.js';
import { apimRequiredRules, type RuleSpec } from './nsg-rules.js';
import { publicIp } from './public-ip.js';
import { AZURE_DNS, NORTH_EUROPE, WEST_EUROPE } from './regions.js';
import { guid, HOUR, MINUTE } from './seeded.js';
import { contosoHybrid, contosoPayments, fabrikamEdge } from './enterprise.js';
import { privateDnsZone } from './private-dns.js';
import { changeRowFor } from '../handlers/changes.js';

export type { DemoInstance } from './instance.js';

/**
 * The five APIM instances of the demo fleet, each showing one situation the service must recognise:
 *
 * | instance            | sub | VNet     | regions                 | what the demo shows                                     |
 * |---------------------|-----|----------|-------------------------|---------------------------------------------------------|
 * | contoso-prod        | A   | External | West Europe + N. Europe | healthy everywhere                                      |
 * | contoso-internal    | A   | Internal | West Europe             | SQL failing; NSG rule DenyDatabaseEgress (100) denies   |
 * |                     |     |          |                         | Sql:1433 before AllowSqlOutbound (120); its private DNS |
 * |                     |     |          |                         | zone still maps the gateway to its old VIP (stale)      |
 * | fabrikam-api        | B   | External | North Europe            | Key Vault stale (`success`, lastUpdated ~2 h old)       |
 * | fabrikam-partners   | B   | Internal | West Europe             | Entra ID / Graph failing; forced tunnelling: the route  |
 * |                     |     |          |                         | table sends 0.0.0.0/0 to a VirtualAppliance and has no  |
 * |                     |     |          |                         | Internet route for AzureActiveDirectory                 |
 * | legacy-portal       | B   | None     | West Europe             | no VNet: not polled                                     |
 *
 * and the layers enterprise networks add, in enterprise.ts (contoso-payments: a Virtual Network
 * Manager admin rule denies SQL; contoso-hybrid: a hub's ExpressRoute gateway's routes reach the subnet).
 */


/**
 * contoso-prod: Premium, External, West Europe + North Europe, healthy everywhere.
 */
function contosoProd(now: number): DemoInstance {
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
  return {
    id: apim.id,
    resources: [apim, pipWeu, pipNeu, ...weu.resources, ...neu.resources],
    networkStatus: [
      regionStatus(now, { instance: 'contoso-prod', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
      regionStatus(now, { instance: 'contoso-prod', region: NORTH_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
    ],
  };
}

/**
 * contoso-internal: Developer, Internal, West Europe. SQL fails: DenyDatabaseEgress (priority
 * 100) denies Sql:1433 before AllowSqlOutbound (priority 120) can allow it.
 */
function contosoInternal(now: number): DemoInstance {
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
  const sqlHost = `${sqlServer('contoso-internal', WEST_EUROPE)}.database.windows.net`;
  // The zone still maps the gateway to the VIP of the subnet the instance left (10.30.7.0/24): stale.
  const zone = privateDnsZone({
    sub, rg, zone: 'azure-api.net', tags,
    links: { 'link-vnet-integration-weu': net.subnetId.split('/subnets/')[0]! },
    records: { 'contoso-internal': ['10.30.7.4'], ...Object.fromEntries(['portal', 'developer', 'management', 'scm'].map((part) => [`contoso-internal.${part}`, ['10.30.8.4']])) },
  });
  // Resource Graph recorded the write that added the deny a minute before SQL failed.
  const nsg = net.resources.find((resource) => resource.id.endsWith('/nsg-apim-internal-weu'))!;
  const nsgBefore = { ...nsg, properties: { ...(nsg.properties as object), securityRules: ((nsg.properties as { securityRules: Array<{ name: string }> }).securityRules).filter((rule) => rule.name !== 'DenyDatabaseEgress') } };
  const addedDeny = changeRowFor(nsgBefore, nsg, { changedBy: 'secops@contoso.com', changedByType: 'User', clientType: 'Azure Portal' }, TENANT_ID, new Date(now - 48 * MINUTE), {
    name: guid(`change:${nsg.id}`),
    correlationId: guid(`correlation:${nsg.id}`),
  });
  return {
    id: apim.id,
    resourceChanges: [addedDeny],
    resources: [apim, pip, ...net.resources, ...zone],
    networkStatus: [
      regionStatus(now, {
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
    ],
  };
}

/**
 * fabrikam-api: Premium, External, North Europe. Key Vault still says success, but its
 * lastUpdated stopped moving ~2 hours ago (staleness is a failure). The network config is fine.
 */
function fabrikamApi(now: number): DemoInstance {
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
  return {
    id: apim.id,
    resources: [apim, pip, ...net.resources],
    networkStatus: [
      regionStatus(now, {
        instance: 'fabrikam-api', region: NORTH_EUROPE, primary: NORTH_EUROPE, dnsServers: [AZURE_DNS],
        overrides: { AzureKeyVault: { lastUpdatedAgoMs: 2 * HOUR + 4 * MINUTE + 31_207 } },
      }),
    ],
  };
}

/**
 * fabrikam-partners: Developer, Internal, West Europe. Entra ID fails: forced tunnelling sends
 * 0.0.0.0/0 to the firewall; Storage, Sql, Key Vault and Event Hubs leave through service
 * endpoints, ApiManagement and AzureMonitor have Internet routes, AzureActiveDirectory has none.
 */
function fabrikamPartners(now: number): DemoInstance {
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
  const timeout = (host: string) =>
    `Failed to connect to ${host}. A connection attempt failed because the connected party did not properly ` +
    'respond after a period of time, or established connection failed because connected host has failed to ' +
    `respond. (${host.replace(/^https:\/\//, '')}:443)`;
  return {
    id: apim.id,
    resources: [apim, pip, ...net.resources],
    networkStatus: [
      regionStatus(now, {
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
    ],
  };
}

/**
 * legacy-portal: Standard, no VNet. NetworkStatus still answers; the service does not poll it.
 */
function legacyPortal(now: number): DemoInstance {
  const sub = SUB_FABRIKAM;
  const apim = apimService({
    sub, rg: 'rg-fabrikam-legacy', name: 'legacy-portal', sku: 'Standard', capacity: 1, vnetType: 'None',
    tags: { env: 'prod', team: 'legacy' },
    publisherName: 'Fabrikam', publisherEmail: 'legacy@fabrikam.com', createdAtUtc: '2020-09-02T13:55:10.2205341Z',
    primary: { region: WEST_EUROPE, publicIp: '40.114.196.58' },
    additional: [],
  });
  return {
    id: apim.id,
    resources: [apim],
    networkStatus: [
      regionStatus(now, { instance: 'legacy-portal', region: WEST_EUROPE, primary: WEST_EUROPE, dnsServers: [AZURE_DNS] }),
    ],
  };
}

/** The fleet in world order; each builder takes `now` (epoch ms), so the same `now` gives the same instance. */
export const DEMO_FLEET: readonly ((now: number) => DemoInstance)[] = [
  contosoProd,
  contosoInternal,
  fabrikamApi,
  fabrikamPartners,
  legacyPortal,
  contosoPayments,
  contosoHybrid,
  fabrikamEdge,
];
