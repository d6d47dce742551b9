/**
 * Which replica watches which instance: a stable hash of the lower-cased resource ID, so N replicas
 * split the fleet (and the ARM load) without talking to each other, and an instance keeps its shard
 * across restarts.
 */
export interface Shard {
  index: number;
  count: number;
}

/** FNV-1a, 32 bits: stable across processes and Node versions, and spreads IDs evenly. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function inShard(resourceId: string, shard: Shard): boolean {
  return shard.count <= 1 || fnv1a(resourceId.toLowerCase()) % shard.count === shard.index;
}
