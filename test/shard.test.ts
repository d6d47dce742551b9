import { describe, expect, it } from 'vitest';
import { fnv1a, inShard } from '../src/poller/shard.js';

const ids = Array.from({ length: 3000 }, (_, i) => `/subscriptions/s${i % 20}/resourcegroups/rg/providers/microsoft.apimanagement/service/apim-${i}`);

describe('sharding', () => {
  it('every instance belongs to exactly one of N shards, and the shards are about even', () => {
    const count = 3;
    const sizes = [0, 1, 2].map((index) => ids.filter((id) => inShard(id, { index, count })).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const size of sizes) expect(Math.abs(size - ids.length / count)).toBeLessThan(ids.length * 0.05);
  });

  it('is stable and case-insensitive', () => {
    expect(fnv1a('abc')).toBe(0x1a47e90b);
    expect(inShard(ids[7]!.toUpperCase(), { index: fnv1a(ids[7]!) % 4, count: 4 })).toBe(true);
  });

  it('one shard takes everything', () => {
    expect(ids.every((id) => inShard(id, { index: 0, count: 1 }))).toBe(true);
  });
});
