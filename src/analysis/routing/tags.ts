import { AddressSet, parsePrefix, type Interval } from '../addresses.js';
import type { AnalysisCache } from '../cache.js';
import type { ServiceTag } from '../../model/network.js';

/**
 * Views of service tags. A fleet's regions share one tag set (it changes weekly at most), and parsing
 * and filtering its prefixes on every evaluation dominated the cost, so with a cache the results are
 * kept per tag object; tags are treated as immutable once built.
 */

export interface Cidr extends Interval {
  length: number;
}

const V4_MAX = (1n << 32n) - 1n;

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
export function tagCidrs(tag: ServiceTag, cache?: AnalysisCache): readonly Cidr[] {
  const compute = () => tag.addressPrefixes.map(toCidr).filter(isV4);
  return cache ? cache.of(tag, 'cidrs', compute) : compute();
}

/** The tag's IPv4 prefixes that touch `relevant`; remembered per `relevant` object, so pass a remembered set. */
export function tagCidrsTouching(tag: ServiceTag, relevant: AddressSet, cache?: AnalysisCache): readonly Cidr[] {
  const compute = () => tagCidrs(tag, cache).filter((cidr) => overlaps(relevant, cidr));
  return cache ? cache.of(relevant, `touching:${tag.name}`, compute) : compute();
}

export function tagAddressesV4(tag: ServiceTag, cache?: AnalysisCache): AddressSet {
  const compute = () => AddressSet.of([...tagCidrs(tag, cache)]);
  return cache ? cache.of(tag, 'v4', compute) : compute();
}
