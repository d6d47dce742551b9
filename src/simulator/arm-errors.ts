import { STATUS_CODES } from 'node:http';
import { subscriptionInPath } from '../model/ids.js';

/** The body ARM answers every failure with. */
export interface ArmErrorBody {
  error: { code: string; message: string; details?: Array<{ code: string; message: string }> };
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds for `Retry-After`, when the client should come back later. */
    readonly retryAfterSeconds?: number,
    /** ARM's `error.details` (Resource Graph puts the reason a query failed there). */
    readonly details?: Array<{ code: string; message: string }>,
  ) {
    super(message);
    this.name = 'ArmError';
  }

  body(): ArmErrorBody {
    const error: ArmErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details) error.details = this.details;
    return { error };
  }
}

// The identity the simulator pretends a denied caller has (ARM names the caller in 403 messages).
const CALLER_OBJECT_ID = '00000000-0000-0000-0000-00000000c0de';

const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'ResourceNotFound',
  405: 'MethodNotAllowed',
  408: 'RequestTimeout',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'SubscriptionRequestsThrottled',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** ARM's code for a status: the table above, else the reason phrase in PascalCase ("Gone", "TooEarly"). */
export function codeForStatus(status: number): string {
  const known = CODES[status];
  if (known) return known;
  const phrase = STATUS_CODES[status];
  if (!phrase) return status >= 500 ? 'InternalServerError' : 'BadRequest';
  return phrase
    .replace(/'/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}

/** What the ARM resource provider action for a path would be, for AuthorizationFailed messages. */
function actionFor(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const i = segments.findIndex((s) => s.toLowerCase() === 'providers');
  if (i < 0 || i + 2 > segments.length) {
    return segments.length > 2 ? 'Microsoft.Resources/subscriptions/resourceGroups/read' : 'Microsoft.Resources/subscriptions/read';
  }
  const [namespace, ...rest] = segments.slice(i + 1);
  const types = rest.filter((_, j) => j % 2 === 0);
  // APIM's connectivity check is an action: Azure's 403 names `.../connectivityCheck/action`.
  if (types.length === 2 && types[1]!.toLowerCase() === 'connectivitycheck' && rest.length === 3) return [namespace, ...types, 'action'].join('/');
  return [namespace, ...types, 'read'].join('/');
}

/** The error a fault with this status produces, worded as ARM words it. */
export function faultError(status: number, path: string, retryAfterSeconds?: number): ArmError {
  const code = codeForStatus(status);
  const retry = retryAfterSeconds ?? 1;
  switch (status) {
    case 401:
      return new ArmError(status, code, "Authentication failed. The 'Authorization' header is missing or the token is invalid.");
    case 403:
      return new ArmError(
        status,
        code,
        `The client '${CALLER_OBJECT_ID}' with object id '${CALLER_OBJECT_ID}' does not have authorization to perform action '${actionFor(path)}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        retryAfterSeconds,
      );
    case 404:
      return resourceNotFound(path);
    case 429:
      return throttled(subscriptionInPath(path), retry, retryAfterSeconds);
    case 500:
      return new ArmError(status, code, 'The server encountered an internal error. Please retry the request.', retryAfterSeconds);
    case 502:
      return new ArmError(status, code, 'The gateway did not receive a response from the resource provider.', retryAfterSeconds);
    case 503:
      return new ArmError(status, code, 'The service is temporarily unavailable. Please retry the request.', retryAfterSeconds);
    case 504:
      return new ArmError(status, code, `The gateway did not receive a response from the resource provider within the specified time period.`, retryAfterSeconds);
    default:
      return new ArmError(status, code, `The request failed with status ${status} (${STATUS_CODES[status] ?? 'unknown'}).`, retryAfterSeconds);
  }
}


/** ARM's 429; `Retry-After` is sent only when `retryAfterSeconds` is given (a fault may leave it out on purpose). */
export function throttled(subscriptionId: string | undefined, waitSeconds: number, retryAfterSeconds?: number): ArmError {
  const scope = subscriptionId ? `subscription '${subscriptionId}'` : 'tenant';
  return new ArmError(
    429,
    subscriptionId ? 'SubscriptionRequestsThrottled' : 'TenantRequestsThrottled',
    `Number of 'read' requests for ${scope} actor '${CALLER_OBJECT_ID}' exceeded. Please try again after '${waitSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
    retryAfterSeconds,
  );
}

/** Resource Graph's answer to a caller over its quota (429, `RateLimiting`, no Retry-After). */
export function graphRateLimited(): ArmError {
  return new ArmError(
    429,
    'RateLimiting',
    `Please provide below info when asking for support: timestamp = ${new Date().toISOString()}, correlationId = 00000000-0000-0000-0000-000000000000.`,
    undefined,
    [{ code: 'RateLimiting', message: 'Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.' }],
  );
}

export function missingApiVersion(): ArmError {
  return new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
}

export function authenticationFailed(): ArmError {
  return new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
}

/**
 * ARM's 404 for a resource ID: "The Resource 'Microsoft.X/type/name' under resource group 'rg' was not found."
 */
export function resourceNotFound(path: string): ArmError {
  const segments = path.split('/').filter(Boolean);
  const p = segments.findIndex((s) => s.toLowerCase() === 'providers');
  const rgIndex = segments.findIndex((s) => s.toLowerCase() === 'resourcegroups');
  const resource = p >= 0 ? segments.slice(p + 1).join('/') : segments.join('/');
  const rg = rgIndex >= 0 ? segments[rgIndex + 1] : undefined;
  const where = rg ? ` under resource group '${rg}'` : '';
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${resource}'${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function resourceGroupNotFound(name: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
}

export function subscriptionNotFound(id: string): ArmError {
  return new ArmError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`);
}

export function invalidResourceType(path: string): ArmError {
  return new ArmError(
    404,
    'InvalidResourceType',
    `The resource type could not be found for the request path '${path}'. The simulator serves resource IDs, lists by type, networkstatus, service tags and subscriptions.`,
  );
}

export function methodNotAllowed(method: string): ArmError {
  return new ArmError(
    405,
    'MethodNotAllowed',
    `The simulator answers GET requests (and POST to Microsoft.ResourceGraph/resources) only; '${method}' is not supported.`,
  );
}

export function badRequest(message: string, code = 'BadRequest'): ArmError {
  return new ArmError(400, code, message);
}
