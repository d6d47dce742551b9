/** Who owns the demo fleet: its tenant, its two subscriptions and the ARM IDs of its APIM instances. */

export const SUB_CONTOSO = '3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13';
export const SUB_FABRIKAM = 'a7c3e9d1-4f2b-4a86-9e5c-81b6d0f2c947';
export const TENANT_ID = '5d2f8b7a-0c4e-4f19-a6b3-e8d1c7f20a95';

/** The two subscriptions of the demo fleet (Contoso, then Fabrikam). */
export const DEMO_SUBSCRIPTIONS: readonly string[] = Object.freeze([SUB_CONTOSO, SUB_FABRIKAM]);

/** `/subscriptions/<sub>/resourceGroups/<rg>`: the prefix of every resource ID in the group. */
export function rgPrefix(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function apimId(sub: string, rg: string, name: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`;
}

/** The ARM IDs of the demo instances, by role. */
export const DEMO_INSTANCES = Object.freeze({
  healthyMultiRegion: apimId(SUB_CONTOSO, 'rg-apim-prod', 'contoso-prod'),
  sqlFailing: apimId(SUB_CONTOSO, 'rg-apim-internal', 'contoso-internal'),
  keyVaultStale: apimId(SUB_FABRIKAM, 'rg-fabrikam-api', 'fabrikam-api'),
  graphFailing: apimId(SUB_FABRIKAM, 'rg-fabrikam-partners', 'fabrikam-partners'),
  noVnet: apimId(SUB_FABRIKAM, 'rg-fabrikam-legacy', 'legacy-portal'),
  adminRuleDeny: apimId(SUB_CONTOSO, 'rg-apim-payments', 'contoso-payments'),
  gatewayRoutes: apimId(SUB_CONTOSO, 'rg-apim-hybrid', 'contoso-hybrid'),
  standardV2: apimId(SUB_FABRIKAM, 'rg-fabrikam-edge', 'fabrikam-edge'),
});
