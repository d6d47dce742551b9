import { AddressSet } from '../addresses.js';
import type { AnalysisCache } from '../cache.js';
import type { Dependency } from '../dependencies.js';
import { FLOW_REQUIREMENTS, ROUTE_PEERS } from '../requirements.js';
import { peerAddresses } from '../service-tags.js';
import type { ServiceTagSet } from '../../model/network.js';

/** APIM's outbound peers, plus `ApiManagement` for the control plane's return path (the requirement catalogue's `routed`). */
export { ROUTE_PEERS };

export interface RoutedPeer {
  peer: string;
  dependency: Dependency;
  /** IPv4 only: routes here are IPv4. */
  addresses: AddressSet;
}

export interface RoutedPeers {
  peers: RoutedPeer[];
  /** Peers the tag set has no IPv4 prefixes for. */
  missing: string[];
  /** All the peers' addresses: the only ones whose routes matter. */
  relevant: AddressSet;
}

const usesRegionalTags = (peer: string) => FLOW_REQUIREMENTS.some((flow) => flow.peer === peer && flow.regionalTags);

/** The addresses of each peer for a region and its primary (docs/design.md, "Requirements": both regions' tags count), remembered in the cache. */
export function routedPeers(tags: ServiceTagSet, region: string, primaryRegion: string, cache?: AnalysisCache): RoutedPeers {
  const compute = () => {
    const peers: RoutedPeer[] = [];
    const missing: string[] = [];
    for (const { peer, dependency } of ROUTE_PEERS) {
      const addresses = peerAddresses(tags, peer, [region, primaryRegion], usesRegionalTags(peer))?.v4();
      if (addresses && !addresses.isEmpty) peers.push({ peer, dependency, addresses });
      else missing.push(peer);
    }
    const relevant = peers.reduce((set, { addresses }) => set.union(addresses), AddressSet.EMPTY);
    return { peers, missing, relevant };
  };
  return cache ? cache.memo<RoutedPeers>('routed peers').get(`${region}|${primaryRegion}`, compute) : compute();
}
