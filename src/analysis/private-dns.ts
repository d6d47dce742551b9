import type { PrivateDnsZone, SubnetConfig } from '../model/network.js';
import type { InstanceInfo, RegionInfo } from '../model/snapshot.js';

/**
 * Internal mode: nothing resolves an instance's host names but the VNet's DNS. With Azure-provided DNS,
 * the private DNS zones linked to the VNet answer; each host name must map to the region's current
 * private VIP, which changes when the instance moves to another subnet. A zone left pointing at the old
 * VIP breaks every client while NetworkStatus stays green.
 */

/** `stale`: the record points elsewhere; `unknown`: the configuration cannot tell what clients get. */
export type DnsRecordState = 'ok' | 'missing' | 'stale' | 'unknown';

export interface DnsRecordVerdict {
  hostname: string;
  state: DnsRecordState;
  /** The linked zone that holds (or should hold) the name. */
  zone?: string;
  /** The addresses the record holds. */
  found: string[];
  /** The region's private VIPs. */
  expected: string[];
  detail: string;
}

/** The linked zone with the longest name that the host name is in. */
function zoneFor(hostname: string, zones: readonly PrivateDnsZone[]): PrivateDnsZone | undefined {
  return [...zones].sort((a, b) => b.name.length - a.name.length).find((zone) => hostname === zone.name || hostname.endsWith(`.${zone.name}`));
}

function judgeHostname(hostname: string, expected: string[], subnet: SubnetConfig): DnsRecordVerdict {
  const base = { hostname, found: [] as string[], expected };
  const dns = subnet.privateDns!;
  const custom = subnet.vnet.dnsServers;
  if (dns.unreadable) return { ...base, state: 'unknown', detail: `${hostname}: private DNS not read (${dns.unreadable})` };
  const zone = zoneFor(hostname, dns.zones);
  if (!zone) {
    return custom.length > 0
      ? { ...base, state: 'unknown', detail: `${hostname}: the VNet uses custom DNS servers (${custom.join(', ')}) and no private DNS zone linked to it holds this name; what those servers answer cannot be read` }
      : { ...base, state: 'missing', detail: `${hostname}: no private DNS zone linked to the VNet holds this name, so Azure DNS gives public DNS's answer, which has no address for an internal instance; add an A record to ${expected.join(', ')}` };
  }
  if (zone.unreadable) return { ...base, zone: zone.name, state: 'unknown', detail: `${hostname}: the records of zone ${zone.name} could not be read (${zone.unreadable})` };
  const record = hostname === zone.name ? '@' : hostname.slice(0, -(zone.name.length + 1));
  const found = zone.aRecords[record] ?? [];
  // Custom DNS servers see a linked zone only if they forward to Azure DNS; the zone is judged as if they do.
  const via = custom.length > 0 ? ` (the VNet's custom DNS servers ${custom.join(', ')} must forward ${zone.name} to 168.63.129.16 for it to answer)` : '';
  if (found.length === 0) return { ...base, zone: zone.name, state: 'missing', detail: `${hostname}: zone ${zone.name} has no A record "${record}"; add one to ${expected.join(', ')}${via}` };
  const ok = found.every((ip) => expected.includes(ip));
  return ok
    ? { ...base, zone: zone.name, found, state: 'ok', detail: `${hostname} -> ${found.join(', ')} in zone ${zone.name}${via}` }
    : { ...base, zone: zone.name, found, state: 'stale', detail: `${hostname}: zone ${zone.name} maps "${record}" to ${found.join(', ')}, but the instance's private VIP here is ${expected.join(', ')}: clients reach the wrong address${via}` };
}

/** One verdict per host name of an internal instance, for a region whose subnet's private DNS was read. */
export function judgePrivateDns(instance: InstanceInfo, region: RegionInfo | undefined, subnet: SubnetConfig): DnsRecordVerdict[] {
  const expected = region?.privateIpAddresses ?? [];
  if (instance.vnetType !== 'Internal' || !subnet.privateDns || expected.length === 0) return [];
  return (instance.hostnames ?? []).map((hostname) => judgeHostname(hostname, expected, subnet));
}
