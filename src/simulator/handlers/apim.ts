import { resourceNotFound } from '../arm-errors.js';
import { locationKey, type ArmPath } from './path.js';
import type { HandlerContext } from './state.js';

/**
 * `GET <apim id>/networkstatus` (every region) and `GET <apim id>/locations/{region}/networkstatus`
 * (one region's `networkStatus` object); undefined for any other path.
 */
export function routeApim(ctx: HandlerContext, p: ArmPath): unknown {
  const provider = p.provider;
  if (!provider || !p.resourceGroup) return undefined;
  const [namespace, type, , ...rest] = provider.map((s) => s.toLowerCase());
  if (namespace !== 'microsoft.apimanagement' || type !== 'service') return undefined;
  const byService = rest.length === 1 && rest[0] === 'networkstatus';
  const byLocation = rest.length === 3 && rest[0] === 'locations' && rest[2] === 'networkstatus';
  if (!byService && !byLocation) return undefined;

  const apimId = `${p.scope}/providers/${provider.slice(0, 3).join('/')}`;
  if (!ctx.state.resource(apimId)) throw resourceNotFound(apimId);
  // An instance with no recorded status answers an empty list, as a freshly created one does.
  const all = ctx.state.networkStatus(apimId) ?? [];
  if (byService) return all;

  const wanted = locationKey(provider[4]!);
  const entry = (Array.isArray(all) ? all : []).find(
    (e: unknown) =>
      typeof e === 'object' && e !== null && typeof (e as { location?: unknown }).location === 'string' &&
      locationKey((e as { location: string }).location) === wanted,
  ) as { networkStatus?: unknown } | undefined;
  if (!entry) throw resourceNotFound(p.path);
  return entry.networkStatus ?? {};
}
