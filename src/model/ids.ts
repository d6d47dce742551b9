import type { InstanceRef } from './snapshot.js';
import { ERROR_CODES, UserError } from '../errors.js';

/** ARM short region name: `West Europe` -> `westeurope`, `Central US EUAP` -> `centraluseuap`. */
export function shortRegion(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

const APIM_ID = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.apimanagement\/service\/([^/]+)\/?$/i;

export class InvalidResourceIdError extends UserError {
  override name = 'InvalidResourceIdError';
  constructor(message: string) {
    super(ERROR_CODES.RESOURCE_ID_INVALID, message);
  }
}

/** Parses an APIM resource ID; keeps the instance name as written, lower-cases the rest. */
export function parseApimId(id: string): InstanceRef {
  const match = APIM_ID.exec(id.trim());
  if (!match) {
    throw new InvalidResourceIdError(
      `"${id}" is not an API Management resource ID; expected ` +
        '/subscriptions/<subscription-id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name>',
    );
  }
  const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
  return {
    id: id.trim().replace(/\/$/, '').toLowerCase(),
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup: resourceGroup.toLowerCase(),
    name,
  };
}
