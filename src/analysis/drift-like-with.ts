import { tierOf } from './requirements.js';
import type { InstanceInfo } from '../model/snapshot.js';

/**
 * Like with like: drift compares a member only with members that Microsoft's requirements treat alike,
 * so that what legitimately differs between VNet modes, platforms and tiers is never called drift.
 */

/** Developer runs one unit (no load balancer: 6390 not required); the v2 tiers follow other pages. */
export type DriftTierFamily = 'Developer' | 'classic' | 'v2';

export interface LikeWith {
  vnetType: string;
  /** The platform's family: `stv1`, `stv2` (stv2.1 included), `mtv1`, or as ARM wrote it. */
  platform: string;
  tier: DriftTierFamily;
}

export function driftTierFamily(sku: string | undefined): DriftTierFamily {
  if (tierOf(sku) === 'v2') return 'v2';
  return sku && /^developer$/i.test(sku.trim()) ? 'Developer' : 'classic';
}

/** stv2.1 is stv2 on newer hosts: the requirement catalogue tells platforms apart by family only. */
export function platformFamily(platformVersion: string): string {
  const lower = platformVersion.trim().toLowerCase();
  return /^(stv|mtv)\d+/.exec(lower)?.[0] ?? lower;
}

export function likeWithOf(instance: Pick<InstanceInfo, 'vnetType' | 'platformVersion' | 'sku'>): LikeWith {
  return { vnetType: instance.vnetType, platform: platformFamily(instance.platformVersion), tier: driftTierFamily(instance.sku) };
}

/** `External, stv2, classic`: how the page says whom a member was compared with. */
export function likeWithLabel(like: LikeWith): string {
  return `${like.vnetType}, ${like.platform}, ${like.tier}`;
}
