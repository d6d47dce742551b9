/** APIM's SKU names, as ARM writes `sku.name` (the v2 tiers end in V2: see `tierOf`). */
export const APIM_SKUS = ['Developer', 'Basic', 'Standard', 'Premium', 'Consumption', 'BasicV2', 'StandardV2', 'PremiumV2', 'Isolated'] as const;

/** APIM's compute platforms, as ARM writes `properties.platformVersion` (v2 tiers and Consumption say `undetermined`). */
export const PLATFORM_VERSIONS = ['stv1', 'stv2', 'stv2.1', 'mtv1', 'undetermined'] as const;
