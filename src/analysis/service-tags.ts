import { AddressSet } from './addresses.js';
import type { ServiceTag, ServiceTagSet } from '../model/network.js';

/** `Sql` -> `Sql.WestEurope` given `westeurope`, using the tag set's own spelling when it has one. */
export function regionalTag(tags: ServiceTagSet, base: string, region: string): ServiceTag | undefined {
  for (const tag of tags.tags.values()) {
    const [tagBase, tagRegion] = tag.name.split('.');
    if (tagRegion && tagBase?.toLowerCase() === base.toLowerCase() && (tag.region === region || tagRegion.toLowerCase() === region)) {
      return tag;
    }
  }
  return undefined;
}

export function tagAddresses(tags: ServiceTagSet, name: string): AddressSet | undefined {
  const tag = tags.tags.get(name.toLowerCase());
  return tag ? AddressSet.fromPrefixes(tag.addressPrefixes) : undefined;
}

/**
 * The addresses a region's APIM really talks to for a peer tag: its own region's and the primary
 * region's regional tags when Azure publishes them (docs/design.md, "Requirements": each region must allow both), else
 * the global tag. Undefined when the tag set does not know the peer at all.
 */
export function peerAddresses(tags: ServiceTagSet, peer: string, regions: readonly string[], regional: boolean): AddressSet | undefined {
  if (regional) {
    const parts = [...new Set(regions)].map((region) => regionalTag(tags, peer, region));
    if (parts.length > 0 && parts.every((tag) => tag !== undefined)) {
      return parts.reduce((set, tag) => set.union(AddressSet.fromPrefixes(tag!.addressPrefixes)), AddressSet.EMPTY);
    }
  }
  return tagAddresses(tags, peer);
}
