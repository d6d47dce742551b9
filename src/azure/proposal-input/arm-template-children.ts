import { childName, resolvedName, resolvedProperties, type Instance } from './arm-instances.js';
import type { Unresolved } from './arm-resolve.js';
import { doubtsOfRule, placeholderRule, withUnknownExistence } from './arm-rule-doubts.js';
import type { ChildDoubts } from './children.js';
import type { Json } from './json.js';
import type { Kind } from './kinds.js';

/**
 * One child rule (route) of a template, as a deployment would make it: its own name, its parent's, its
 * properties evaluated, and what the template leaves unknown about it (doubts for a rule; reasons for a
 * route, which has no unknown verdict).
 */

/** Unresolved values as reasons that say where each is. */
export function reasonsOf(unresolved: readonly Unresolved[]): string[] {
  return unresolved.map(({ path, reason }) => `${path.length === 0 ? 'its properties' : path.join('.')}: ${reason}`);
}

/** A route table's unresolved values that decide its routes. */
export function routeReasons(unresolved: readonly Unresolved[]): string[] {
  return reasonsOf(unresolved.filter(({ path }) => path.length === 0 || ['routes', 'disablebgproutepropagation'].includes(String(path[0]).toLowerCase())));
}

/** A child rule (route) of one instance: its own name, properties and what is unknown about it. */
export function childItem(child: Json, kind: Kind, instance: Instance): { item: Json; parent: string | undefined; doubts: ChildDoubts } {
  const split = childName(child.name, instance.scope);
  const own = split?.own ?? resolvedName(child.name, instance.scope).name.split('/').pop() ?? '';
  const { properties, unresolved } = resolvedProperties(child, instance.scope);
  if (kind === 'routeTable') {
    const reasons = [...reasonsOf(unresolved), ...[instance.existence, instance.unknownLoop?.reason].filter((reason): reason is string => reason !== undefined)];
    return { item: { name: own, properties }, parent: split?.parent, doubts: { unresolved: reasons.map((reason) => `route "${own}": ${reason}`) } };
  }
  const whole = instance.unknownLoop ?? unresolved.find(({ path }) => path.length === 0);
  if (whole) {
    const placeholder = placeholderRule(instance.unknownLoop ? `(rules of copy loop "${instance.unknownLoop.loop}")` : own, whole.expression, whole.reason);
    return { item: placeholder.item, parent: split?.parent, doubts: { doubts: placeholder.doubts } };
  }
  const doubts = doubtsOfRule(unresolved.map((entry) => ({ ...entry, path: ['properties', ...entry.path] })));
  return { item: { name: own, properties }, parent: split?.parent, doubts: { doubts: instance.existence ? withUnknownExistence(doubts, instance.existence) : doubts } };
}
