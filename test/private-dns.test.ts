import { describe, expect, it } from 'vitest';
import { judgePrivateDns, type DnsRecordState } from '../src/analysis/private-dns.js';
import { toInstanceInfo } from '../src/azure/normalise.js';
import { apimServiceFromGraph } from '../src/azure/resource-graph.js';
import type { PrivateDnsConfig, SubnetConfig } from '../src/model/network.js';
import type { InstanceInfo } from '../src/model/snapshot.js';
import { exampleBody } from './helpers/examples.js';

/**
 * Internal mode's DNS: each host name of the instance must map to the region's current private VIP in the
 * private DNS zones linked to the VNet. Instances and records as Azure's examples have them.
 */

type Json = Record<string, any>;

/** The multi-region internal example, its masked VIPs ("172.XX.0.5") replaced by real ones. */
function internalInstance(): InstanceInfo {
  const body = exampleBody<Json>('2024-05-01__ApiManagementServiceGetMultiRegionInternalVnet.json');
  body.properties.privateIPAddresses = ['172.16.0.5'];
  body.properties.additionalLocations[0].privateIPAddresses = ['10.0.1.6'];
  // The REST body through the same flattening as a Resource Graph row (the SDK's shape).
  return toInstanceInfo(apimServiceFromGraph(body as never));
}

const subnet = (privateDns: PrivateDnsConfig, dnsServers: string[] = []): SubnetConfig => ({
  id: '', name: 'snet', addressPrefixes: ['172.16.0.0/24'], serviceEndpoints: [], privateDns,
  vnet: { id: '', addressSpace: ['172.16.0.0/16'], dnsServers },
});

const zone = (name: string, aRecords: Record<string, string[]>) => ({ id: `/zones/${name}`, name, aRecords });

describe('reading an internal instance as ARM returns it', () => {
  it('host names from the URLs and host name configurations; each region\'s private VIPs', () => {
    const info = internalInstance();
    expect(info.hostnames).toEqual([
      'apimservice1.azure-api.net',
      'apimservice1.portal.azure-api.net',
      'apimservice1.developer.azure-api.net',
      'apimservice1.management.azure-api.net',
      'apimservice1.scm.azure-api.net',
      'apimgatewaytest.preview.net',
    ]);
    expect(info.regions.map((region) => region.privateIpAddresses)).toEqual([['172.16.0.5'], ['10.0.1.6']]);
  });
});

describe('judgePrivateDns', () => {
  const info = internalInstance();
  const primary = info.regions[0];
  const all = (ip: string) => Object.fromEntries(['', '.portal', '.developer', '.management', '.scm'].map((part) => [`apimservice1${part}`, [ip]]));
  const states = (config: SubnetConfig) => Object.fromEntries(judgePrivateDns(info, primary, config).map((verdict) => [verdict.hostname, verdict.state]));
  const every = (state: DnsRecordState, custom: DnsRecordState = state) => ({
    'apimservice1.azure-api.net': state,
    'apimservice1.portal.azure-api.net': state,
    'apimservice1.developer.azure-api.net': state,
    'apimservice1.management.azure-api.net': state,
    'apimservice1.scm.azure-api.net': state,
    'apimgatewaytest.preview.net': custom,
  });

  const cases: Array<{ name: string; config: SubnetConfig; expected: Record<string, DnsRecordState> }> = [
    { name: 'an azure-api.net zone mapping every name to the VIP, a preview.net zone for the custom name', config: subnet({ zones: [zone('azure-api.net', all('172.16.0.5')), zone('preview.net', { apimgatewaytest: ['172.16.0.5'] })] }), expected: every('ok') },
    { name: 'the zone still holds the VIP of the subnet the instance left: stale', config: subnet({ zones: [zone('azure-api.net', all('172.16.9.5')), zone('preview.net', { apimgatewaytest: ['172.16.0.5'] })] }), expected: every('stale', 'ok') },
    { name: 'no zone linked, Azure DNS: missing (public DNS has nothing for an internal instance)', config: subnet({ zones: [] }), expected: every('missing') },
    { name: 'no zone linked, custom DNS servers: unknown', config: subnet({ zones: [] }, ['10.0.0.4']), expected: every('unknown') },
    { name: 'a zone per host name (record @) for the gateway; the others missing from it', config: subnet({ zones: [zone('apimservice1.azure-api.net', { '@': ['172.16.0.5'] })] }), expected: { ...every('missing'), 'apimservice1.azure-api.net': 'ok' } },
    { name: 'links not read (Resource Graph off): unknown', config: subnet({ zones: [], unreadable: 'Resource Graph is off' }), expected: every('unknown') },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => expect(states(testCase.config)).toEqual(testCase.expected));
  }

  it('a secondary region is judged against its own VIP', () => {
    const config = subnet({ zones: [zone('azure-api.net', all('10.0.1.6'))] });
    expect(judgePrivateDns(info, info.regions[1], config)[0]).toMatchObject({ state: 'ok', expected: ['10.0.1.6'] });
  });

  it('says which zone, which record, what it holds and what it should', () => {
    const [gateway] = judgePrivateDns(info, primary, subnet({ zones: [zone('azure-api.net', all('172.16.9.5'))] }, ['10.0.0.4']));
    expect(gateway!.detail).toBe(
      'apimservice1.azure-api.net: zone azure-api.net maps "apimservice1" to 172.16.9.5, but the instance\'s private VIP here is 172.16.0.5: clients reach the wrong address (the VNet\'s custom DNS servers 10.0.0.4 must forward azure-api.net to 168.63.129.16 for it to answer)',
    );
  });

  it('an External instance is not judged', () => {
    expect(judgePrivateDns({ ...info, vnetType: 'External' }, primary, subnet({ zones: [] }))).toEqual([]);
  });
});
