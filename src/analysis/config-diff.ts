import { isDeepStrictEqual } from 'node:util';
import type { ChangedResourceKind, ChangeItem, ConfigChange } from '../model/config-change.js';
import { resourceNameOf } from '../model/ids.js';
import type { SubnetConfig } from '../model/network.js';
import type { RegionNetworkConfig } from '../model/snapshot.js';

/** What changed between two reads of a region's configuration, per resource and by name. */

/** Items added, removed and modified between two lists of named things. */
function itemsOf<T>(kind: ChangeItem['kind'], before: readonly T[], after: readonly T[], nameOf: (item: T) => string): ChangeItem[] {
  const was = new Map(before.map((item) => [nameOf(item).toLowerCase(), item]));
  const is = new Map(after.map((item) => [nameOf(item).toLowerCase(), item]));
  const items: ChangeItem[] = [];
  for (const item of after) {
    const old = was.get(nameOf(item).toLowerCase());
    if (old === undefined) items.push({ kind, name: nameOf(item), change: 'added' });
    else if (!isDeepStrictEqual(old, item)) items.push({ kind, name: nameOf(item), change: 'modified' });
  }
  for (const item of before) if (!is.has(nameOf(item).toLowerCase())) items.push({ kind, name: nameOf(item), change: 'removed' });
  return items;
}

function setting(name: string, before: unknown, after: unknown): ChangeItem[] {
  if (isDeepStrictEqual(before, after)) return [];
  const change = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
  return [{ kind: 'setting', name, change }];
}

/** The subnet as a resource: its own settings, and which NSG and route table it is associated with. */
function subnetItems(before: SubnetConfig, after: SubnetConfig): ChangeItem[] {
  return [
    ...setting('networkSecurityGroup', before.nsg?.id.toLowerCase(), after.nsg?.id.toLowerCase()),
    ...setting('routeTable', before.routeTable?.id.toLowerCase(), after.routeTable?.id.toLowerCase()),
    ...itemsOf('serviceEndpoint', before.serviceEndpoints, after.serviceEndpoints, (endpoint) => endpoint.service),
    ...setting('delegations', before.delegations ?? [], after.delegations ?? []),
    ...setting('addressPrefixes', before.addressPrefixes, after.addressPrefixes),
  ];
}

/**
 * The changes between `before` and `after` (the same region read twice), one per resource that changed:
 * the NSG's rules and the route table's routes when the subnet keeps the same ones, the subnet's
 * associations, service endpoints and settings, the VNet's DNS servers and address space. Empty when
 * nothing the watch reads changed.
 */
export function describeConfigChange(
  before: RegionNetworkConfig,
  after: RegionNetworkConfig,
  at: { detectedAt: string; previousReadAt: string },
): ConfigChange[] {
  const was = before.subnet;
  const is = after.subnet;
  // Every poll compares every region with its last read: most are the same, and need no lists of names.
  if (!was || !is || isDeepStrictEqual(was, is)) return [];
  const changes: ConfigChange[] = [];
  const add = (resourceKind: ChangedResourceKind, resourceId: string, items: ChangeItem[]) => {
    if (items.length > 0) changes.push({ resourceId, resourceKind, resourceName: resourceNameOf(resourceId), items, ...at, authorState: 'pending' });
  };
  if (was.nsg && is.nsg && was.nsg.id.toLowerCase() === is.nsg.id.toLowerCase()) {
    add('networkSecurityGroup', is.nsg.id, itemsOf('rule', was.nsg.securityRules, is.nsg.securityRules, (rule) => rule.name));
  }
  if (was.routeTable && is.routeTable && was.routeTable.id.toLowerCase() === is.routeTable.id.toLowerCase()) {
    add('routeTable', is.routeTable.id, [
      ...itemsOf('route', was.routeTable.routes, is.routeTable.routes, (route) => route.name),
      ...setting('disableBgpRoutePropagation', was.routeTable.disableBgpRoutePropagation, is.routeTable.disableBgpRoutePropagation),
    ]);
  }
  add('subnet', is.id, subnetItems(was, is));
  add('virtualNetwork', is.vnet.id, [...setting('dnsServers', was.vnet.dnsServers, is.vnet.dnsServers), ...setting('addressSpace', was.vnet.addressSpace, is.vnet.addressSpace)]);
  return changes;
}
