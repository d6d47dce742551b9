import type { ArmResource } from '../world.js';
import { apimId, TENANT_ID } from './identities.js';
import type { Region } from './regions.js';
import { apimEtag, guid } from './seeded.js';
import { tierOf } from '../../model/tier.js';

/** The body of one APIM instance (`Microsoft.ApiManagement/service`), as ARM returns it. */

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
  sku: 'Developer' | 'Premium' | 'Standard' | 'Basic' | 'StandardV2' | 'PremiumV2';
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

/** One entry of `additionalLocations` (a Premium instance's secondary region). */
function additionalLocation(spec: ApimSpec, a: ApimRegionSpec): Record<string, unknown> {
  const loc: Record<string, unknown> = {
    location: a.region.display,
    sku: { name: spec.sku, capacity: 1 },
    zones: [],
    publicIPAddresses: [a.publicIp],
  };
  if (spec.vnetType === 'Internal' && a.privateIp !== undefined) loc.privateIPAddresses = [a.privateIp];
  if (a.publicIpId !== undefined) loc.publicIpAddressId = a.publicIpId;
  if (a.subnetId !== undefined) loc.virtualNetworkConfiguration = { subnetResourceId: a.subnetId };
  loc.gatewayRegionalUrl = regionalUrl(spec.name, a.region);
  loc.disableGateway = false;
  loc.platformVersion = 'stv2';
  return loc;
}

/** The URLs, host name and primary-region addresses that open the instance's `properties`. */
function endpointProperties(spec: ApimSpec): Record<string, unknown> {
  const n = spec.name;
  return {
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
}

function apimProperties(spec: ApimSpec): Record<string, unknown> {
  const properties = endpointProperties(spec);
  if (spec.vnetType === 'Internal' && spec.primary.privateIp !== undefined) properties.privateIPAddresses = [spec.primary.privateIp];
  if (spec.primary.publicIpId !== undefined) properties.publicIpAddressId = spec.primary.publicIpId;
  if (spec.additional.length > 0) properties.additionalLocations = spec.additional.map((a) => additionalLocation(spec, a));
  if (spec.primary.subnetId !== undefined) {
    properties.virtualNetworkConfiguration = { subnetResourceId: spec.primary.subnetId };
  }
  properties.customProperties = { ...CUSTOM_PROPERTIES };
  properties.virtualNetworkType = spec.vnetType;
  properties.certificates = [];
  properties.disableGateway = false;
  properties.apiVersionConstraint = { minApiVersion: '2021-08-01' };
  properties.publicNetworkAccess = 'Enabled';
  // The v2 tiers report no classic compute platform (the specification's StandardV2 example says `undetermined`).
  properties.platformVersion = tierOf(spec.sku) === 'v2' ? 'undetermined' : 'stv2';
  return properties;
}

export function apimService(spec: ApimSpec): ArmResource {
  const id = apimId(spec.sub, spec.rg, spec.name);
  return {
    id,
    name: spec.name,
    type: 'Microsoft.ApiManagement/service',
    tags: { ...spec.tags },
    location: spec.primary.region.display,
    etag: apimEtag(id),
    properties: apimProperties(spec),
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
