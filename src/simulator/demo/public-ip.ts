import type { ArmResource } from '../world.js';
import { rgPrefix } from './identities.js';
import type { Region } from './regions.js';
import { guid, netEtag } from './seeded.js';

/** A Standard static public IP (the one an stv2 APIM instance in a VNet is deployed with), as ARM returns it. */
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
