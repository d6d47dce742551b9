import type { FoundResource } from './types.js';

export type Kind = FoundResource['kind'];
/** A parent (NSG, route table) or a child of one (security rule, route). */
export type Shape = Kind | 'rule' | 'route';

export const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
export const ROUTE_TABLE_TYPE = 'Microsoft.Network/routeTables';

/** Per kind: its ARM type, the property its children go in, the shape of its children, and words for messages. */
export const KINDS = {
  nsg: { type: NSG_TYPE, field: 'securityRules', childType: 'securityrules', childShape: 'rule', label: 'NSG', article: 'an', child: 'security rule' },
  routeTable: { type: ROUTE_TABLE_TYPE, field: 'routes', childType: 'routes', childShape: 'route', label: 'route table', article: 'a', child: 'route' },
} as const;

/** The kind a child shape belongs to. */
export const PARENT_KIND = { rule: 'nsg', route: 'routeTable' } as const;

/** The shape of an ARM resource type (any case): a parent, or one of its child types. */
export function typeShape(type: string): Shape | undefined {
  const lower = type.toLowerCase();
  if (lower === NSG_TYPE.toLowerCase()) return 'nsg';
  if (lower === ROUTE_TABLE_TYPE.toLowerCase()) return 'routeTable';
  if (lower === `${NSG_TYPE.toLowerCase()}/securityrules`) return 'rule';
  if (lower === `${ROUTE_TABLE_TYPE.toLowerCase()}/routes`) return 'route';
  return undefined;
}
