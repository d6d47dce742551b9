import { AddressSet, parsePrefix, type Interval } from '../addresses.js';
import type { ServiceTag } from '../../model/network.js';

/**
 * Memoised views of service tags. A fleet's regions share one cached tag set (it changes weekly at
 * most), and parsing and filtering its prefixes on every evaluation dominated the cost, so results
 * are kept per tag object; tags are treated as immutable once built.
 */

export interface Cidr extends Interval {
  length: number;
}

const V4_MAX = (1n << 32n) - 1n;
const cidrs = new WeakMap<ServiceTag, readonly Cidr[]>();
const addresses = new WeakMap<ServiceTag, AddressSet>();
const within = new WeakMap<AddressSet, WeakMap<ServiceTag, readonly Cidr[]>>();

export function toCidr(prefix: string): Cidr {
  const text = prefix.trim();
  const bits = text.split('/')[1];
  return { ...parsePrefix(text), length: bits === undefined ? (text.includes(':') ? 128 : 32) : Number(bits) };
}

export const isV4 = (interval: Interval): boolean => interval.end <= V4_MAX;

/** Whether any address of `set` lies in `interval`. */
export function overlaps(set: AddressSet, interval: Interval): boolean {
  const intervals = set.intervals;
  let low = 0;
  let high = intervals.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (intervals[middle]!.end < interval.start) low = middle + 1;
    else high = middle;
  }
  return low < intervals.length && intervals[low]!.start <= interval.end;
}

/** The tag's IPv4 prefixes one by one (not merged: longest-prefix match needs each length). */
export function tagCidrs(tag: ServiceTag): readonly Cidr[] {
  let cached = cidrs.get(tag);
  if (!cached) {
    cached = tag.addressPrefixes.map(toCidr).filter(isV4);
    cidrs.set(tag, cached);
  }
  return cached;
}

/** The tag's IPv4 prefixes that touch `relevant`; memoised, so pass a memoised set. */
export function tagCidrsTouching(tag: ServiceTag, relevant: AddressSet): readonly Cidr[] {
  let byTag = within.get(relevant);
  if (!byTag) {
    byTag = new WeakMap();
    within.set(relevant, byTag);
  }
  let cached = byTag.get(tag);
  if (!cached) {
    cached = tagCidrs(tag).filter((cidr) => overlaps(relevant, cidr));
    byTag.set(tag, cached);
  }
  return cached;
}

export function tagAddressesV4(tag: ServiceTag): AddressSet {
  let cached = addresses.get(tag);
  if (!cached) {
    cached = AddressSet.of([...tagCidrs(tag)]);
    addresses.set(tag, cached);
  }
  return cached;
}
