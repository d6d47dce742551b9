import type { ArmResource } from '../world.js';
import { rgPrefix } from './identities.js';
import { guid } from './seeded.js';

/**
 * A private DNS zone linked to a VNet, with A record sets, in the shapes of the specification's
 * PrivateZoneGet, VirtualNetworkLinkGet and RecordSetAGet examples (Private DNS 2024-06-01).
 */

export interface PrivateZoneSpec {
  sub: string;
  rg: string;
  zone: string;
  /** The VNets the zone is linked to, by link name. */
  links: Record<string, string>;
  /** Relative record name -> IPv4 addresses. */
  records: Record<string, string[]>;
  tags: Record<string, string>;
}

export function privateDnsZone(spec: PrivateZoneSpec): ArmResource[] {
  const zoneId = `${rgPrefix(spec.sub, spec.rg)}/providers/Microsoft.Network/privateDnsZones/${spec.zone}`;
  const records = Object.entries(spec.records);
  const zone: ArmResource = {
    id: zoneId,
    name: spec.zone,
    type: 'Microsoft.Network/privateDnsZones',
    location: 'global',
    etag: guid(`etag:${zoneId}`),
    properties: {
      maxNumberOfRecordSets: 25000,
      numberOfRecordSets: records.length + 1,
      maxNumberOfVirtualNetworkLinks: 1000,
      numberOfVirtualNetworkLinks: Object.keys(spec.links).length,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfVirtualNetworkLinksWithRegistration: 0,
      provisioningState: 'Succeeded',
    },
    tags: { ...spec.tags },
  };
  const links = Object.entries(spec.links).map(([name, vnetId]): ArmResource => ({
    id: `${zoneId}/virtualNetworkLinks/${name}`,
    name,
    type: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
    location: 'global',
    etag: guid(`etag:${zoneId}/${name}`),
    properties: { virtualNetwork: { id: vnetId }, registrationEnabled: false, virtualNetworkLinkState: 'Completed', provisioningState: 'Succeeded' },
    tags: { ...spec.tags },
  }));
  const sets = records.map(([name, addresses]): ArmResource => ({
    id: `${zoneId}/A/${name}`,
    etag: guid(`etag:${zoneId}/A/${name}`),
    name,
    type: 'Microsoft.Network/privateDnsZones/A',
    properties: { ttl: 3600, fqdn: `${name}.${spec.zone}.`, isAutoRegistered: false, aRecords: addresses.map((ipv4Address) => ({ ipv4Address })) },
  }));
  return [zone, ...links, ...sets];
}
