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
 * Disabled or Deleted; Warned and PastDue subscriptions keep running their resources), and the home tenant
 * that `world.subscriptionHomeTenants` gives it (a subscription delegated through Azure Lighthouse).
 */
export function subscriptionBodies(state: SimulatorState): Record<string, unknown>[] {
  const states = byLowerId(state.world.subscriptionStates);
  const homes = byLowerId(state.world.subscriptionHomeTenants);
  const bodies = givenOrSynthesized(state);
  if (!states && !homes) return bodies;
  const managing = tenantOf(state.world);
  return bodies.map((body) => {
    const key = subscriptionIdOf(body)?.toLowerCase() ?? '';
    const wanted = states?.get(key);
    const home = homes?.get(key);
    const withState = wanted ? { ...body, state: wanted } : body;
    // Azure Lighthouse: the list names the subscription's own tenant, and the caller's among those managing it.
    return home ? { ...withState, tenantId: home, managedByTenants: [{ tenantId: managing }] } : withState;
  });
}

/** A world map keyed by subscription ID, lower-cased; undefined when the world has none. */
function byLowerId(map: unknown): Map<string, string> | undefined {
  if (typeof map !== 'object' || map === null) return undefined;
  return new Map(Object.entries(map as Record<string, string>).map(([id, value]) => [id.toLowerCase(), value]));
}

/**
 * Each subscription's tenant as the subscriptions list reports it (lower-cased ID -> tenant ID): Resource Graph
 * rows carry their subscription's home tenant ("see the tenant ID in returned query results", Azure Lighthouse).
 */
export function subscriptionTenants(state: SimulatorState): Map<string, string> {
  const tenants = new Map<string, string>();
  for (const body of subscriptionBodies(state)) {
    const id = subscriptionIdOf(body);
    if (id && typeof body.tenantId === 'string') tenants.set(id.toLowerCase(), body.tenantId);
  }
  return tenants;
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
