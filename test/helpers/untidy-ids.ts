import type { World } from '../../src/simulator/world.js';

/**
 * A world whose bodies spell references as Azure may (issue 27, "IDs cased the same everywhere"): a GET body's
 * own `id` stays as written; API Management's `subnetResourceId` comes back lower-cased whole (as terraform-provider-
 * azurerm #14831 / #18399 report), and every other reference inside a body (`networkSecurityGroup.id`, an NSG's
 * `subnets[].id`, `remoteVirtualNetwork.id`, `virtualNetwork.id`, ...) names its resource group upper-cased under a
 * lower-cased `resourcegroups` segment. The world given is never changed.
 */

const RESOURCE_GROUP = /^(\/subscriptions\/[^/]+\/)resourcegroups\/([^/]+)/i;

/** `/subscriptions/s/resourceGroups/rg-x/...` -> `/subscriptions/s/resourcegroups/RG-X/...`. */
export const shoutedGroup = (id: string): string => id.replace(RESOURCE_GROUP, (_, head: string, group: string) => `${head}resourcegroups/${group.toUpperCase()}`);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function untidy(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    if (!value.toLowerCase().startsWith('/subscriptions/')) return value;
    if (key === 'subnetResourceId') return value.toLowerCase();
    return /(^|[a-z])id$/i.test(key) ? shoutedGroup(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => untidy(item, key));
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untidy(v, k)]));
}

/** `world` with its bodies' references (not their own IDs) and its admin-rule keys cased as Azure may case them. */
export function withUntidyReferences(world: World): World {
  const resources = world.resources.map((resource) => ({ ...resource, ...(isObject(resource.properties) ? { properties: untidy(resource.properties, '') } : {}) }));
  const adminRules = world.effectiveSecurityAdminRules as Record<string, unknown> | undefined;
  return {
    ...world,
    resources,
    ...(adminRules ? { effectiveSecurityAdminRules: Object.fromEntries(Object.entries(adminRules).map(([vnetId, body]) => [shoutedGroup(vnetId), body])) } : {}),
  };
}
