import type { World } from '../../src/simulator/world.js';
import { exampleBody } from './examples.js';

export const SUB_A = '11111111-2222-4333-8444-555555555555';
export const SUB_B = '66666666-7777-4888-9999-aaaaaaaaaaaa';

export function apimId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ApiManagement/service/${name}`;
}

export interface InstanceSpec {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  additionalLocations?: string[];
  vnetType?: 'None' | 'External' | 'Internal';
}

/** An APIM service body shaped like the 2024-05-01 GET example, in a VNet unless said otherwise. */
export function apimResource(spec: InstanceSpec): Record<string, unknown> {
  const vnetType = spec.vnetType ?? 'External';
  const subnet = (region: string) =>
    vnetType === 'None'
      ? undefined
      : { subnetResourceId: `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Network/virtualNetworks/vnet-${region.replace(/\s/g, '')}/subnets/apim` };
  return {
    id: apimId(spec.subscriptionId, spec.resourceGroup, spec.name),
    name: spec.name,
    type: 'Microsoft.ApiManagement/service',
    tags: {},
    location: spec.location ?? 'West Europe',
    etag: 'AAAAAAAWN/4=',
    properties: {
      publisherEmail: 'apim@example.com',
      publisherName: 'Example',
      provisioningState: 'Succeeded',
      gatewayUrl: `https://${spec.name}.azure-api.net`,
      virtualNetworkType: vnetType,
      ...(subnet(spec.location ?? 'West Europe') ? { virtualNetworkConfiguration: subnet(spec.location ?? 'West Europe') } : {}),
      additionalLocations: (spec.additionalLocations ?? []).map((location) => ({
        location,
        sku: { name: 'Premium', capacity: 1 },
        ...(subnet(location) ? { virtualNetworkConfiguration: subnet(location) } : {}),
        gatewayRegionalUrl: `https://${spec.name}-${location.replace(/\s/g, '').toLowerCase()}-01.regional.azure-api.net`,
        disableGateway: false,
        platformVersion: 'stv2',
      })),
      platformVersion: 'stv2',
      disableGateway: false,
    },
    sku: { name: 'Premium', capacity: 1 },
  };
}

type Entry = Record<string, unknown> & { resourceType: string; name: string; status: string; lastUpdated: string };

/**
 * A NetworkStatus body per region with the 17 entries of the 2024-05-01 example, all fresh
 * (checked `minutesAgo` minutes before `now`), then `patch` applied to each entry.
 */
export function networkStatusBody(
  regions: string[],
  now: Date,
  patch: (entry: Entry, region: string) => Partial<Entry> | undefined = () => undefined,
): unknown[] {
  const example = exampleBody<Array<{ networkStatus: { dnsServers: string[]; connectivityStatus: Entry[] } }>>(
    '2024-05-01__ApiManagementServiceGetNetworkStatus.json',
  );
  const fresh = new Date(now.getTime() - 3 * 60_000).toISOString();
  return regions.map((location) => ({
    location,
    networkStatus: {
      dnsServers: example[0]!.networkStatus.dnsServers,
      connectivityStatus: example[0]!.networkStatus.connectivityStatus.map((entry) => {
        const base = { ...entry, lastUpdated: fresh };
        return { ...base, ...(patch(base, location) ?? {}) };
      }),
    },
  }));
}

export function world(parts: Partial<World>): World {
  return { resources: [], networkStatus: {}, serviceTags: {}, faults: [], ...parts };
}
