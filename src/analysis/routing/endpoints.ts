import { AddressSet } from '../addresses.js';
import type { AnalysisCache } from '../cache.js';
import { tagAddressesV4 } from './tags.js';
import { TUNNELLING_ENDPOINTS } from '../requirements.js';
import { regionalTag } from '../service-tags.js';
import { shortRegion } from '../../model/ids.js';
import type { ServiceEndpoint, ServiceTagSet } from '../../model/network.js';

/** The service endpoints APIM's forced-tunnelling guidance names (the requirement catalogue). */
export const WATCHED_SERVICE_ENDPOINTS: readonly string[] = TUNNELLING_ENDPOINTS.map((endpoint) => endpoint.service);

/**
 * The service tag whose prefixes an endpoint's routes cover. `Microsoft.Storage.Global` is the
 * cross-region storage endpoint: the same prefixes as Microsoft.Storage, every region.
 */
const ENDPOINT_TAGS: Record<string, { tag: string; allRegions?: boolean; sameAs?: string }> = {
  ...Object.fromEntries(TUNNELLING_ENDPOINTS.map((endpoint) => [endpoint.service.toLowerCase(), { tag: endpoint.tag }])),
  'microsoft.storage.global': { tag: 'Storage', allRegions: true, sameAs: 'microsoft.storage' },
  'microsoft.servicebus': { tag: 'ServiceBus' },
};

/** The canonical service name an endpoint counts as (`Microsoft.Storage.Global` counts as Storage). */
function canonicalService(service: string): string {
  const key = service.trim().toLowerCase();
  return ENDPOINT_TAGS[key]?.sameAs ?? key;
}

/**
 * The regions an endpoint covers, short names or `*`. ARM fills `locations` in on GET; a body without
 * it (a PUT's request shape, a template) means the subnet's own region, which is ARM's default for
 * every watched service (Storage's paired region is ignored).
 */
function coveredRegions(endpoint: ServiceEndpoint, subnetRegion: string): string[] {
  if (ENDPOINT_TAGS[endpoint.service.trim().toLowerCase()]?.allRegions) return ['*'];
  const locations = endpoint.locations.map((location) => (location.trim() === '*' ? '*' : shortRegion(location)));
  return locations.length > 0 ? locations : [shortRegion(subnetRegion)];
}

export function serviceEndpointEnabled(serviceEndpoints: ServiceEndpoint[], service: string, region: string): boolean {
  const wanted = canonicalService(service);
  const short = shortRegion(region);
  return serviceEndpoints.some(
    (endpoint) =>
      canonicalService(endpoint.service) === wanted &&
      coveredRegions(endpoint, short).some((location) => location === '*' || location === short),
  );
}

export interface EndpointRouteSet {
  /** As the subnet names it, e.g. `Microsoft.Storage`. */
  service: string;
  addresses: AddressSet;
}

/** The IPv4 addresses of `tagName` in `regions`, remembered in the cache (every region of a fleet asks alike). */
function addressesIn(tags: ServiceTagSet, tagName: string, regions: readonly string[], cache: AnalysisCache | undefined): AddressSet {
  const compute = () => {
    let addresses = AddressSet.EMPTY;
    for (const region of regions) {
      const tag = (region === '*' ? undefined : regionalTag(tags, tagName, region)) ?? tags.tags.get(tagName.toLowerCase());
      if (tag) addresses = addresses.union(tagAddressesV4(tag, cache));
    }
    return addresses;
  };
  return cache ? cache.memo<AddressSet>('endpoint addresses').get(`${tagName}|${regions.join(',')}`, compute) : compute();
}

/**
 * The IPv4 prefixes each endpoint sends straight to its service. A region whose regional tag the tag
 * set lacks falls back to the global tag, as `peerAddresses` does, so that a peer and its endpoint
 * are judged on the same prefixes.
 */
export function endpointRouteSets(serviceEndpoints: ServiceEndpoint[], tags: ServiceTagSet, subnetRegion: string, cache?: AnalysisCache): EndpointRouteSet[] {
  const sets: EndpointRouteSet[] = [];
  for (const endpoint of serviceEndpoints) {
    const known = ENDPOINT_TAGS[endpoint.service.trim().toLowerCase()];
    if (!known) continue;
    const addresses = addressesIn(tags, known.tag, coveredRegions(endpoint, subnetRegion), cache);
    if (!addresses.isEmpty) sets.push({ service: endpoint.service, addresses });
  }
  return sets;
}
