/** Classic tiers (Developer, Basic, Standard, Premium) or the v2 tiers, whose network model differs. */
export type Tier = 'classic' | 'v2';

/** `BasicV2`, `StandardV2`, `PremiumV2` are the v2 tiers' SKU names. */
export function tierOf(sku: string | undefined): Tier {
  return sku && /v2$/i.test(sku.trim()) ? 'v2' : 'classic';
}
