import { TENANT_ID } from './identities.js';

/** One body of the subscriptions list (Microsoft.Subscription, 2022-12-01). */
export function subscriptionBody(id: string, displayName: string, tags: Record<string, string>): Record<string, unknown> {
  return {
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    tenantId: TENANT_ID,
    displayName,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'EnterpriseAgreement_2014-09-01',
      spendingLimit: 'Off',
    },
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    tags,
  };
}
