import { ArmError, resourceNotFound } from '../arm-errors.js';
import { isTransitional } from '../../model/provisioning-state.js';
import { locationKey, type ArmPath } from './path.js';
import type { HandlerContext } from './state.js';

/**
 * What NetworkStatus answers while the instance transitions (Created, Activating, Updating, Terminating): 409, as
 * Azure answers reads that need the running service. No public source shows the body: it is ARM's standard error
 * shape with the generic `Conflict` code APIM uses for its other 409s (docs/design.md, what the simulator models).
 */
function transitioning(id: string, state: string): ArmError {
  return new ArmError(409, 'Conflict', `The API Management service '${id.split('/').pop()}' is in the '${state}' state: its network status is not available until the operation completes. Retry later.`);
}

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
  const service = ctx.state.resource(apimId);
  if (!service) throw resourceNotFound(apimId);
  const state = (service as { properties?: { provisioningState?: unknown } }).properties?.provisioningState;
  if (typeof state === 'string' && isTransitional(state)) throw transitioning(service.id, state);
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
