import type { Request } from 'express';
import { ArmError } from '../arm-errors.js';
import { sliceOf } from '../paging.js';
import type { ArmPath } from './path.js';
import type { HandlerContext } from './state.js';
import { requireSubscription } from './subscriptions.js';

/**
 * `GET /subscriptions/{s}/providers/Microsoft.Network/locations/{location}/serviceTags`: the world's
 * body for that region, its `{subscriptionId}` placeholder filled in; undefined for any other path. A fault's
 * `pageSize` splits its `values` into bodies chained by `nextLink`, as the API's schema allows.
 */
export function routeNetwork(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  const provider = p.provider?.map((s) => s.toLowerCase());
  if (!provider || p.resourceGroup || provider.length !== 4) return undefined;
  if (provider[0] !== 'microsoft.network' || provider[1] !== 'locations' || provider[3] !== 'servicetags') return undefined;
  requireSubscription(ctx.state, p.subscriptionId!);
  const location = p.provider![2]!;
  const body = ctx.state.serviceTags(location);
  if (typeof body !== 'object' || body === null) {
    throw new ArmError(404, 'ResourceNotFound', `No service tags are available for location '${location}'.`);
  }
  const copy = { ...(body as Record<string, unknown>) };
  if (typeof copy.id === 'string') copy.id = copy.id.replaceAll('{subscriptionId}', p.subscriptionId!);
  if (!Array.isArray(copy.values)) return copy;
  const { items, nextLink } = sliceOf(copy.values as unknown[], req, copy.values.length, ctx.origin);
  return nextLink === undefined ? { ...copy, values: items } : { ...copy, values: items, nextLink };
}
