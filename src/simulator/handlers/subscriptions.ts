import type { Request } from 'express';
import { resourceGroupNotFound, subscriptionNotFound } from '../arm-errors.js';
import { pageOf } from '../paging.js';
import type { ArmPath } from './path.js';
import type { HandlerContext, SimulatorState } from './state.js';
import { subscriptionInPath } from '../../model/ids.js';

// Synthesized subscriptions need a tenant; a world may name its own with a top-level "tenantId".
const DEFAULT_TENANT_ID = '11111111-1111-4111-8111-111111111111';

export const tenantOf = (world: Record<string, unknown>): string => (typeof world.tenantId === 'string' ? world.tenantId : DEFAULT_TENANT_ID);

function subscriptionIdOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.subscriptionId === 'string') return body.subscriptionId;
  if (typeof body.id === 'string') return subscriptionInPath(body.id);
  return undefined;
}

/**
 * `world.subscriptions` as given, else one body per subscription that resource IDs name; either with the
 * `state` that `world.subscriptionStates` gives a subscription (Azure reports Enabled, Warned, PastDue,
 * Disabled or Deleted; Warned and PastDue subscriptions keep running their resources).
 */
export function subscriptionBodies(state: SimulatorState): Record<string, unknown>[] {
  const states = state.world.subscriptionStates;
  const bodies = givenOrSynthesized(state);
  if (typeof states !== 'object' || states === null) return bodies;
  const byId = new Map(Object.entries(states as Record<string, string>).map(([id, value]) => [id.toLowerCase(), value]));
  return bodies.map((body) => {
    const wanted = byId.get(subscriptionIdOf(body)?.toLowerCase() ?? '');
    return wanted ? { ...body, state: wanted } : body;
  });
}

function givenOrSynthesized(state: SimulatorState): Record<string, unknown>[] {
  const world = state.world;
  if (Array.isArray(world.subscriptions)) {
    return world.subscriptions.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  }
  const tenantId = tenantOf(world);
  return [...state.subscriptionIdsInIds().values()].map((subscriptionId) => ({
    id: `/subscriptions/${subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId,
    tenantId,
    displayName: `Simulated subscription ${subscriptionId}`,
    state: 'Enabled',
    subscriptionPolicies: {
      locationPlacementId: 'Public_2014-09-01',
      quotaId: 'PayAsYouGo_2014-09-01',
      spendingLimit: 'Off',
    },
  }));
}

/** A subscription exists if the world lists it or any resource lives in it. */
export function requireSubscription(state: SimulatorState, subscriptionId: string): void {
  const key = subscriptionId.toLowerCase();
  if (state.subscriptionIdsInIds().has(key)) return;
  if (subscriptionBodies(state).some((b) => subscriptionIdOf(b)?.toLowerCase() === key)) return;
  throw subscriptionNotFound(subscriptionId);
}

/** A resource group exists if the world holds its body or anything inside it. */
export function requireResourceGroup(state: SimulatorState, subscriptionId: string, resourceGroup: string): void {
  requireSubscription(state, subscriptionId);
  if (!state.hasScope(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`)) {
    throw resourceGroupNotFound(resourceGroup);
  }
}

/** `GET /subscriptions` and `GET /subscriptions/{id}`; undefined for any other path. */
export function routeSubscriptions(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  if (p.segments.length === 1 && p.lower === '/subscriptions') {
    return pageOf(subscriptionBodies(ctx.state), req, ctx.pageSize, ctx.origin);
  }
  if (p.segments.length === 2 && p.subscriptionId) {
    const key = p.subscriptionId.toLowerCase();
    const body = subscriptionBodies(ctx.state).find((b) => subscriptionIdOf(b)?.toLowerCase() === key);
    if (!body) throw subscriptionNotFound(p.subscriptionId);
    return body;
  }
  return undefined;
}
