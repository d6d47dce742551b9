/**
 * Sets of IP addresses as sorted, disjoint, inclusive [start, end] intervals of bigints, IPv4 and IPv6
 * kept apart by an offset: enough to say whether a rule's prefixes cover all, part or none of a tag's.
 */

export interface Interval {
  start: bigint;
  end: bigint;
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

  static of(intervals: Interval[]): AddressSet {
    const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const merged: Interval[] = [];
    for (const interval of sorted) {
      const last = merged[merged.length - 1];
      if (last && interval.start <= last.end + 1n) {
        if (interval.end > last.end) last.end = interval.end;
      } else {
        merged.push({ ...interval });
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
    return AddressSet.of([...this.intervals, ...other.intervals]);
  }

  intersect(other: AddressSet): AddressSet {
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
    const result: Interval[] = [];
    for (const interval of this.intervals) {
      let start = interval.start;
      for (const cut of other.intervals) {
        if (cut.end < start || cut.start > interval.end) continue;
        if (cut.start > start) result.push({ start, end: cut.start - 1n });
        start = cut.end + 1n;
        if (start > interval.end) break;
      }
      if (start <= interval.end) result.push({ start, end: interval.end });
    }
    return new AddressSet(result);
  }

  equals(other: AddressSet): boolean {
    return (
      this.intervals.length === other.intervals.length &&
      this.intervals.every((interval, index) => interval.start === other.intervals[index]!.start && interval.end === other.intervals[index]!.end)
    );
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
