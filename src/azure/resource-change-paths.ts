import type { WrittenElement, WrittenPaths } from '../model/config-change.js';
import { isObject } from './arm-response.js';

/**
 * What a `resourcechanges` row's `changes` say the write touched. Azure keys `changes` by the leaf property
 * path that changed, array elements by their index: `properties.provisioningState` and `tags.key1` in
 * Microsoft's "Get resource configuration changes" (learn.microsoft.com/azure/governance/resource-graph/
 * changes/get-resource-changes), `properties.configuration.ingress.customDomains[0].certificateId` in a
 * published `az graph query` of a Container Apps write, `properties.virtualMachine.id` in the Azure Monitor
 * support team's resourcechanges walkthrough (jpazmon-integ blog, 2023-11). So an NSG rule's write reads
 * `properties.securityRules[3].properties.access`, and it names the rule only when its `name` leaf changed.
 */

/** Entries read per record: an NSG of a few hundred rules rewritten from the top stays within it; beyond, the record counts as touching everything. */
const MAX_ENTRIES = 4000;
const INDEX = /\[(\d+)\]/g;
/** The leaf that names an element: a rule's, route's or subnet's `name`, a service endpoint's `service`. */
const NAME_LEAVES = new Set(['.name', '.service']);
/** Leaves every write changes by itself: they say nothing of what the writer meant. */
const SYSTEM_LEAF = /(^|\.)(etag|provisioningState|resourceGuid)$/;

const nameIn = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' && value !== 'null' ? value : undefined);

/** `properties.subnets[2].properties.serviceEndpoints[0]` -> its arrays' elements, outer indices written `[]`. */
function elementsOf(path: string, entry: Record<string, unknown>, into: Map<string, WrittenElement>): void {
  for (const match of path.matchAll(INDEX)) {
    const at = match.index!;
    const array = path.slice(0, at).replace(INDEX, '[]');
    const index = Number(match[1]);
    const key = `${array}[${index}]`;
    const element = into.get(key) ?? { array, index };
    if (NAME_LEAVES.has(path.slice(at + match[0].length))) {
      const before = nameIn(entry.previousValue);
      const after = nameIn(entry.newValue);
      if (before) element.nameBefore = before;
      if (after) element.nameAfter = after;
    }
    into.set(key, element);
  }
}

/** The paths and array elements a row's `properties` say were written (`whole` when it cannot say). */
export function writtenPathsOf(properties: Record<string, unknown>, attributes: Record<string, unknown>): WrittenPaths {
  const changes = isObject(properties.changes) ? properties.changes : {};
  const keys = Object.keys(changes);
  const declared = Number(attributes.changesCount);
  const whole = properties.changeType !== 'Update' || keys.length === 0 || keys.length > MAX_ENTRIES || (Number.isFinite(declared) && declared > keys.length);
  if (whole) return { elements: [], paths: [], whole: true };
  const elements = new Map<string, WrittenElement>();
  const paths = new Set<string>();
  for (const path of keys) {
    const entry = isObject(changes[path]) ? changes[path] : {};
    if (entry.changeCategory === 'System' || SYSTEM_LEAF.test(path)) continue;
    paths.add(path.replace(INDEX, '[]'));
    elementsOf(path, entry, elements);
  }
  return { elements: [...elements.values()], paths: [...paths], whole: false };
}
