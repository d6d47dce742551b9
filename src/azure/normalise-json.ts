import { ERROR_CODES, UserError } from '../errors.js';

/** The small pieces every reader of network JSON needs: shape checks and messages that say what was found. */

export class InvalidNetworkConfigError extends UserError {
  override name = 'InvalidNetworkConfigError';
  constructor(message: string) {
    super(ERROR_CODES.NETWORK_CONFIG_INVALID, message);
  }
}

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value;
}

/**
 * ARM REST, templates and Resource Graph rows nest a resource's fields under `properties`; the SDK and
 * `az` flatten them. The one flattener: the envelope (`id`, `name`, `type`, `location`, ...) wins over a
 * field of the same name in `properties`.
 */
export function flatten(resource: Json): Json {
  const { properties, ...rest } = resource;
  return isRecord(properties) ? { ...properties, ...rest } : resource;
}

/** The `id` of a sub-resource reference (`{ "id": "..." }`), as written; undefined when there is none. */
export function idOf(value: unknown): string | undefined {
  return isRecord(value) && typeof value.id === 'string' ? value.id : undefined;
}

export function list(value: unknown, field: string, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidNetworkConfigError(`${where}: "${field}" must be an array, got ${describe(value)}`);
  return value;
}
