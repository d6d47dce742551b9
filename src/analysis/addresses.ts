/**
 * Sets of IP addresses as sorted, disjoint, inclusive [start, end] intervals of bigints, IPv4 and IPv6
 * kept apart by an offset: enough to say whether a rule's prefixes cover all, part or none of a tag's.
 */

/** Shared between sets and never changed once made. */
export interface Interval {
  readonly start: bigint;
  readonly end: bigint;
}

/** IPv6 addresses live above 2^32 so both families fit in one ordered space without overlapping. */
const V6_OFFSET = 1n << 32n;
const V4_MAX = (1n << 32n) - 1n;
const V6_MAX = V6_OFFSET + (1n << 128n) - 1n;

export class AddressSet {
  private constructor(readonly intervals: readonly Interval[]) {}

  static readonly EMPTY = new AddressSet([]);
  static readonly ALL = new AddressSet([
    { start: 0n, end: V4_MAX },
    { start: V6_OFFSET, end: V6_MAX },
  ]);
  static readonly ALL_V4 = new AddressSet([{ start: 0n, end: V4_MAX }]);

  static of(intervals: readonly Interval[]): AddressSet {
    // Tag prefixes and unions of sets mostly arrive sorted already; sorting them again dominated the cost.
    const sorted = isSorted(intervals) ? intervals : [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const merged: Interval[] = [];
    for (const interval of sorted) {
      const last = merged[merged.length - 1];
      if (last && interval.start <= last.end + 1n) {
        if (interval.end > last.end) merged[merged.length - 1] = { start: last.start, end: interval.end };
      } else {
        merged.push(interval);
      }
    }
    return new AddressSet(merged);
  }

  /** Parses CIDRs and plain addresses; throws on anything else. */
  static fromPrefixes(prefixes: readonly string[]): AddressSet {
    return AddressSet.of(prefixes.map(parsePrefix));
  }

  get isEmpty(): boolean {
    return this.intervals.length === 0;
  }

  union(other: AddressSet): AddressSet {
    if (other.isEmpty) return this;
    if (this.isEmpty) return other;
    return AddressSet.of(mergeSorted(this.intervals, other.intervals));
  }

  intersect(other: AddressSet): AddressSet {
    const [small, large] = this.intervals.length <= other.intervals.length ? [this.intervals, other.intervals] : [other.intervals, this.intervals];
    // A subnet against a tag: look each small interval up rather than walk the whole tag.
    if (small.length * 16 < large.length) return new AddressSet(intersectByLookup(small, large));
    const result: Interval[] = [];
    let i = 0;
    let j = 0;
    while (i < this.intervals.length && j < other.intervals.length) {
      const a = this.intervals[i]!;
      const b = other.intervals[j]!;
      const start = a.start > b.start ? a.start : b.start;
      const end = a.end < b.end ? a.end : b.end;
      if (start <= end) result.push({ start, end });
      if (a.end < b.end) i++;
      else j++;
    }
    return new AddressSet(result);
  }

  subtract(other: AddressSet): AddressSet {
    if (other.isEmpty) return this;
    const cuts = other.intervals;
    const result: Interval[] = [];
    // Both lists are sorted: cuts that end before an interval starts cannot touch any later interval.
    let first = 0;
    for (const interval of this.intervals) {
      while (first < cuts.length && cuts[first]!.end < interval.start) first++;
      let start = interval.start;
      for (let index = first; index < cuts.length && start <= interval.end; index++) {
        const cut = cuts[index]!;
        if (cut.start > interval.end) break;
        if (cut.start > start) result.push({ start, end: cut.start - 1n });
        start = cut.end + 1n;
      }
      if (start <= interval.end) result.push(start === interval.start ? interval : { start, end: interval.end });
    }
    return new AddressSet(result);
  }

  equals(other: AddressSet): boolean {
    return (
      this.intervals.length === other.intervals.length &&
      this.intervals.every((interval, index) => interval.start === other.intervals[index]!.start && interval.end === other.intervals[index]!.end)
    );
  }

  /** A text equal for two sets exactly when they hold the same addresses (intervals are canonical), for memo keys. */
  key(): string {
    return this.intervals.map((interval) => `${interval.start.toString(16)}-${interval.end.toString(16)}`).join(',');
  }

  /** Every address of `other` is in this set. */
  covers(other: AddressSet): boolean {
    return other.subtract(this).isEmpty;
  }

  /** The IPv4 part only. */
  v4(): AddressSet {
    return this.intersect(AddressSet.ALL_V4);
  }

  /** Number of addresses (IPv4 and IPv6 together). */
  size(): bigint {
    return this.intervals.reduce((total, interval) => total + interval.end - interval.start + 1n, 0n);
  }
}

function isSorted(intervals: readonly Interval[]): boolean {
  for (let index = 1; index < intervals.length; index++) if (intervals[index]!.start < intervals[index - 1]!.start) return false;
  return true;
}

/** Two sorted lists as one sorted list (by start), for `of` to merge without sorting. */
function mergeSorted(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) result.push(a[i]!.start <= b[j]!.start ? a[i++]! : b[j++]!);
  while (i < a.length) result.push(a[i++]!);
  while (j < b.length) result.push(b[j++]!);
  return result;
}

/** Index of the first interval of sorted, disjoint `intervals` that ends at or after `address`, searching from `from`. */
function firstEndingFrom(intervals: readonly Interval[], address: bigint, from: number): number {
  let low = from;
  let high = intervals.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (intervals[middle]!.end < address) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The intersection of a few intervals with many, by binary search in the many. */
function intersectByLookup(small: readonly Interval[], large: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  let from = 0;
  for (const a of small) {
    from = firstEndingFrom(large, a.start, from);
    for (let index = from; index < large.length && large[index]!.start <= a.end; index++) {
      const b = large[index]!;
      result.push({ start: a.start > b.start ? a.start : b.start, end: a.end < b.end ? a.end : b.end });
    }
  }
  return result;
}

export function isIpPrefix(text: string): boolean {
  try {
    parsePrefix(text);
    return true;
  } catch {
    return false;
  }
}

export function parsePrefix(text: string): Interval {
  const [address = '', bitsText] = text.trim().split('/');
  const v6 = address.includes(':');
  const width = v6 ? 128 : 32;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width || (bitsText !== undefined && !/^\d+$/.test(bitsText))) {
    throw new Error(`"${text}" is not an IP address or CIDR prefix`);
  }
  const value = v6 ? parseV6(address, text) : parseV4(address, text);
  const hostBits = BigInt(width - bits);
  const start = (value >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  const offset = v6 ? V6_OFFSET : 0n;
  return { start: start + offset, end: end + offset };
}

function parseV4(address: string, original: string): bigint {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) {
    throw new Error(`"${original}" is not an IP address or CIDR prefix`);
  }
  return parts.reduce((value, part) => (value << 8n) + BigInt(part), 0n);
}

function parseV6(address: string, original: string): bigint {
  const fail = () => new Error(`"${original}" is not an IP address or CIDR prefix`);
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const v4 = parseV4(v4Tail[1]!, original);
    text = `${text.slice(0, -v4Tail[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw fail();
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 2 && missing < 1) || (halves.length === 1 && missing !== 0)) throw fail();
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) throw fail();
  return groups.reduce((value, group) => (value << 16n) + BigInt(parseInt(group, 16)), 0n);
}
