import { fnv1a } from '../model/fnv1a.js';

/**
 * Which replica watches which instance: a stable hash of the lower-cased resource ID, so N replicas
 * split the fleet (and the ARM load) without talking to each other, and an instance keeps its shard
 * across restarts.
 */
export interface Shard {
  index: number;
  count: number;
}

export { fnv1a };

export function inShard(resourceId: string, shard: Shard): boolean {
  return shard.count <= 1 || fnv1a(resourceId.toLowerCase()) % shard.count === shard.index;
}
