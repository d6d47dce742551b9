import type { InstanceRef } from './snapshot.js';
import { ERROR_CODES, UserError } from '../errors.js';

/** ARM short region name: `West Europe` -> `westeurope`, `Central US EUAP` -> `centraluseuap`. */
export function shortRegion(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** The subscription of an ARM resource ID or request path (`/subscriptions/{id}/...`), as written. */
export function subscriptionInPath(pathOrId: string): string | undefined {
  return /^\/subscriptions\/([^/?]+)/i.exec(pathOrId)?.[1];
}

/** The name of a resource (its ID's last segment): `.../networkSecurityGroups/nsg-prod` -> `nsg-prod`. */
export function resourceNameOf(id: string): string {
  return id.split('/').filter(Boolean).at(-1) ?? id;
}

export interface ResourceId {
  subscriptionId: string;
  resourceGroup: string;
  /** The resource provider namespace, e.g. `Microsoft.Network`. */
  provider: string;
  /** Type and name, alternating: `['virtualNetworks', 'vnet', 'subnets', 'snet']`. */
  path: string[];
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}[/{type}/{name}...]`, as written; undefined when it is not one. The one parser of ARM resource IDs. */
export function parseResourceId(id: string): ResourceId | undefined {
  const match = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/([^/]+)\/(.+?)\/?$/i.exec(id.trim());
  if (!match) return undefined;
  const path = match[4]!.split('/');
  if (path.length % 2 !== 0 || path.some((part) => part === '')) return undefined;
  return { subscriptionId: match[1]!, resourceGroup: match[2]!, provider: match[3]!, path };
}

/** Whether a parsed ID is of `provider` and, for each level, of the type given (case-insensitive). */
export function isResourceOf(id: ResourceId, provider: string, ...types: string[]): boolean {
  return (
    id.provider.toLowerCase() === provider.toLowerCase() &&
    id.path.length === types.length * 2 &&
    types.every((type, level) => id.path[level * 2]!.toLowerCase() === type.toLowerCase())
  );
}

export class InvalidResourceIdError extends UserError {
  override name = 'InvalidResourceIdError';
  constructor(message: string) {
    super(ERROR_CODES.RESOURCE_ID_INVALID, message);
  }
}

/** Parses an APIM resource ID; keeps the instance name as written, lower-cases the rest. */
export function parseApimId(id: string): InstanceRef {
  const parsed = parseResourceId(id);
  if (!parsed || !isResourceOf(parsed, 'Microsoft.ApiManagement', 'service')) {
    throw new InvalidResourceIdError(
      `"${id}" is not an API Management resource ID; expected ` +
        '/subscriptions/<subscription-id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name>',
    );
  }
  const { subscriptionId, resourceGroup } = parsed;
  const name = parsed.path[1]!;
  return {
    id: id.trim().replace(/\/$/, '').toLowerCase(),
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup: resourceGroup.toLowerCase(),
    name,
  };
}
