import { badRequest } from '../arm-errors.js';

/** A request path split the way ARM reads it. Names keep their spelling; `lower` is for matching. */
export interface ArmPath {
  /** Decoded path without trailing slash, e.g. `/subscriptions/x/resourceGroups/rg/...`. */
  path: string;
  lower: string;
  segments: string[];
  subscriptionId?: string;
  resourceGroup?: string;
  /** Segments after `providers`: namespace, then type/name pairs. */
  provider?: string[];
  /** The resource ID prefix up to (not including) `/providers`, e.g. `/subscriptions/x/resourceGroups/rg`. */
  scope?: string;
}

/** IDs and paths are case-insensitive in ARM; every lookup key goes through this. */
export function idKey(id: string): string {
  return id.replace(/\/+$/, '').toLowerCase();
}

/** Region names match as ARM normalises them: `West US` == `westus`. */
export function locationKey(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

export function parseArmPath(rawPath: string): ArmPath {
  let segments: string[];
  try {
    segments = rawPath.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(`The request path '${rawPath}' is not correctly URL-encoded.`, 'InvalidRequestUri');
  }
  const path = '/' + segments.join('/');
  const parsed: ArmPath = { path, lower: path.toLowerCase(), segments };
  const lower = segments.map((s) => s.toLowerCase());
  if (lower[0] !== 'subscriptions' || segments.length < 2) return parsed;
  parsed.subscriptionId = segments[1];
  let i = 2;
  if (lower[2] === 'resourcegroups' && segments.length >= 4) {
    parsed.resourceGroup = segments[3];
    i = 4;
  }
  if (lower[i] === 'providers') {
    parsed.scope = '/' + segments.slice(0, i).join('/');
    parsed.provider = segments.slice(i + 1);
  }
  return parsed;
}

/** `Namespace/type[/childType...]` of a stored resource ID (not URL-encoded), or undefined without a provider. */
export function resourceTypeOf(id: string): string | undefined {
  const segments = id.split('/').filter(Boolean);
  // Extension resources (`.../providers/A/x/y/providers/B/z/w`) have the type of the last provider.
  const p = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  const rest = p >= 0 ? segments.slice(p + 1) : [];
  if (rest.length < 3) return undefined;
  return [rest[0], ...rest.slice(1).filter((_, j) => j % 2 === 0)].join('/');
}
