import type { ChangeItem, ChangeRecord, ConfigChange, WrittenPaths } from '../model/config-change.js';

/**
 * Whether a `resourcechanges` record's write touched one item of a change (a rule, a route, a service endpoint,
 * a setting), read from its changed paths (src/azure/resource-change-paths.ts). An element the record names
 * (its `name` leaf changed) is matched by name; one it gives only by index is read against the resource as the
 * monitor read it before and after the change. Where that cannot tell, the answer is `maybe`, never `no`.
 */

/** The names of the changed resource's rules, routes or service endpoints by index, in the reads before and after the change. */
export interface ElementPositions {
  before: readonly string[];
  after: readonly string[];
}

/** `created`/`deleted`: the record shows the element appear or go under that name; `changed`: it wrote the element otherwise. */
export type Touch = 'created' | 'deleted' | 'changed' | 'maybe';

type ElementKind = Exclude<ChangeItem['kind'], 'setting'>;

/** Where an item lives in its resource's ARM body; a subnet's own paths also appear under its VNet's `properties.subnets[]`. */
const ARRAYS: Record<ElementKind, string[]> = {
  rule: ['properties.securityRules'],
  route: ['properties.routes'],
  serviceEndpoint: ['properties.serviceEndpoints', 'properties.subnets[].properties.serviceEndpoints'],
};
const SETTINGS: Record<string, string[]> = {
  networkSecurityGroup: ['properties.networkSecurityGroup'],
  routeTable: ['properties.routeTable'],
  delegations: ['properties.delegations'],
  addressPrefixes: ['properties.addressPrefix', 'properties.addressPrefixes'],
  disableBgpRoutePropagation: ['properties.disableBgpRoutePropagation'],
  dnsServers: ['properties.dhcpOptions'],
  addressSpace: ['properties.addressSpace'],
};
/** Should Azure record a child resource's write under the child's own ID, this is the child's type segment. */
const CHILD: Partial<Record<ElementKind, string>> = { rule: 'securityRules', route: 'routes' };

/** Which touches can have made an item end up so: only a write that created it explains an added one, and so on. */
const EXPLAINS: Record<ChangeItem['change'], readonly Touch[]> = {
  added: ['created', 'changed', 'maybe'],
  modified: ['changed', 'maybe'],
  removed: ['deleted', 'maybe'],
};

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

function settingTouched(written: WrittenPaths, name: string): boolean {
  const own = SETTINGS[name] ?? [`properties.${name}`];
  const prefixes = [...own, ...own.map((prefix) => `properties.subnets[].${prefix}`)];
  const paths = [...written.paths, ...written.elements.map((element) => element.array)];
  return paths.some((path) => prefixes.some((prefix) => under(path, prefix)));
}

/** What the record's array elements say of the element named `name`. */
function elementTouch(written: WrittenPaths, arrays: readonly string[], name: string, positions: ElementPositions | undefined): Touch | undefined {
  if (written.paths.some((path) => arrays.includes(path))) return 'maybe';
  let created = false;
  let deleted = false;
  let changed = false;
  let maybe = false;
  for (const element of written.elements) {
    if (!arrays.includes(element.array)) continue;
    const before = element.nameBefore?.toLowerCase();
    const after = element.nameAfter?.toLowerCase();
    if (before !== undefined || after !== undefined) {
      created ||= after === name;
      deleted ||= before === name;
      continue;
    }
    const there = [positions?.before[element.index], positions?.after[element.index]].filter((at): at is string => at !== undefined);
    if (there.length === 0) maybe = true;
    else changed ||= there.some((at) => at.toLowerCase() === name);
  }
  // Shifted (gone from one index, at another): written, but neither made nor removed by this write.
  if (changed || (created && deleted)) return 'changed';
  return created ? 'created' : deleted ? 'deleted' : maybe ? 'maybe' : undefined;
}

/** How `record` touched `item` of `change`; undefined when it did not. */
export function touchOf(record: ChangeRecord, change: ConfigChange, item: ChangeItem, positions?: ElementPositions): Touch | undefined {
  const own = change.resourceId.toLowerCase();
  const target = record.targetResourceId.toLowerCase();
  if (target.startsWith(`${own}/`)) {
    const child = item.kind === 'setting' ? undefined : CHILD[item.kind];
    return child && target === `${own}/${child}/${item.name}`.toLowerCase() ? 'changed' : undefined;
  }
  const { written } = record;
  if (!written || written.whole) return 'maybe';
  if (item.kind === 'setting') return settingTouched(written, item.name) ? 'changed' : undefined;
  return elementTouch(written, ARRAYS[item.kind], item.name.toLowerCase(), positions);
}

/** Whether `touch` can have made `item` what the read after the change shows. */
export const explains = (touch: Touch, item: ChangeItem): boolean => EXPLAINS[item.change].includes(touch);

/** Child IDs asked about per change: a rewritten NSG of hundreds of rules must not cost a query per hundred. */
const MAX_CHILD_IDS = 10;

/** The IDs of the child resources a write of `items` may be recorded on, should Azure record child writes on their own. */
export function childIds(change: ConfigChange, items: readonly ChangeItem[]): string[] {
  const ids = items.flatMap((item) => {
    const child = item.kind === 'setting' ? undefined : CHILD[item.kind];
    return child && change.resourceKind !== 'subnet' ? [`${change.resourceId}/${child}/${item.name}`] : [];
  });
  return ids.slice(0, MAX_CHILD_IDS);
}
