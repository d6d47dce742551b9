import { splitChildName } from './arm-child-name.js';
import { evaluateString } from './arm-expression.js';
import { copyCount, materialize, resolveValue, type Unresolved } from './arm-resolve.js';
import type { TemplateScope } from './arm-scope.js';
import { isObjectValue, UnknownValue } from './arm-values.js';
import { isRecord, nameOf, type Json } from './json.js';
import { shown } from './messages.js';

/**
 * The copies of one template resource that a deployment would make: one, or one per item of its resource
 * `copy` loop, each with its own scope (its `copyIndex()`), without those whose `condition` is false. What
 * cannot be known is said, not guessed: a condition that cannot be evaluated makes the resource's existence
 * unknown; a loop whose count cannot be evaluated leaves one instance whose copy index is unknown.
 */

export interface Instance {
  /** Where in the file, with the copy index when the resource has a copy loop. */
  where: string;
  scope: TemplateScope;
  /** Why it may not be deployed at all: its condition cannot be evaluated. */
  existence?: string;
  /** Its copy loop (or an enclosing one) cannot be expanded: how many there are, and what each holds, is unknown. */
  unknownLoop?: { loop: string; expression: string; reason: string };
}

export function instancesOf(resource: Json, scope: TemplateScope, where: string, about: string, notes: string[]): Instance[] {
  const loop = isRecord(resource.copy) && typeof resource.copy.name === 'string' ? resource.copy : undefined;
  let instances: Instance[];
  if (!loop) {
    instances = [{ where, scope }];
  } else {
    const name = loop.name as string;
    const count = copyCount(loop.count, name, scope);
    instances =
      count instanceof UnknownValue
        ? [{ where, scope: scope.withCopy(name, undefined, true, count.reason), unknownLoop: { loop: name, expression: count.expression, reason: count.reason } }]
        : Array.from({ length: count }, (_, index) => ({ where: `${where} (copy ${index})`, scope: scope.withCopy(name, index, true) }));
  }
  // Inside a loop that cannot be expanded (a nested deployment's), a resource exists an unknown number of times.
  const enclosing = scope.unknownLoop;
  if (enclosing) for (const instance of instances) instance.unknownLoop ??= enclosing;
  return instances.filter((instance) => deployed(resource.condition, instance, about, notes));
}

/** False: not deployed, and a note says so. Unknown: kept, with why its existence is unknown. */
function deployed(condition: unknown, instance: Instance, about: string, notes: string[]): boolean {
  if (condition === undefined || condition === true) return true;
  const value = resolveValue(condition, instance.scope);
  if (value === true) return true;
  if (value === false) {
    notes.push(`${instance.where}: ${about} is not deployed: its condition "${shown(nameOf(condition))}" is false`);
    return false;
  }
  const why = value instanceof UnknownValue ? value.reason : `its condition "${shown(nameOf(condition))}" is ${JSON.stringify(value)}, not true or false`;
  const unknown = `whether it is deployed is unknown: ${why}`;
  instance.existence = instance.existence === undefined ? unknown : `${instance.existence}, and ${unknown}`;
  return true;
}

/** A resource's name: evaluated when it can be, else as written (and why not). */
export function resolvedName(name: unknown, scope: TemplateScope): { name: string; written: string; reason?: string } {
  const written = nameOf(name);
  const value = resolveValue(name, scope);
  if (typeof value === 'string') return { name: value, written };
  return { name: written, written, reason: value instanceof UnknownValue ? value.reason : `it is ${JSON.stringify(value)}, not a string` };
}

/** A child resource's name split into its parent's and its own (`nsg/rule`), evaluated where it can be. */
export function childName(name: unknown, scope: TemplateScope): { parent: string; own: string } | undefined {
  const { name: resolved, reason } = resolvedName(name, scope);
  const split = splitChildName(resolved);
  if (!split || reason === undefined) return split;
  const evaluate = (part: string) => {
    const evaluated = evaluateString(part, scope);
    return evaluated.resolved && typeof evaluated.value === 'string' ? evaluated.value : part;
  };
  return { parent: evaluate(split.parent), own: evaluate(split.own) };
}

/**
 * A resource's `properties` with expressions evaluated and property loops expanded; what cannot be
 * evaluated is kept as written and listed (paths relative to `properties`; an empty path: all of them).
 */
export function resolvedProperties(resource: Json, scope: TemplateScope): { properties: Json; unresolved: Unresolved[] } {
  if (resource.properties === undefined) return { properties: {}, unresolved: [] };
  const value = resolveValue(resource.properties, scope);
  if (value instanceof UnknownValue) return { properties: {}, unresolved: [{ path: [], expression: value.expression, reason: `its properties ${value.reason}` }] };
  if (!isObjectValue(value)) {
    const written = nameOf(resource.properties);
    return { properties: {}, unresolved: [{ path: [], expression: `[${written}]`, reason: `its properties are ${shown(written)}, not an object` }] };
  }
  const { json, unresolved } = materialize(value);
  return { properties: json as Json, unresolved };
}

/** A resolved value (a location) as a string, else as written. */
export function resolvedText(value: unknown, scope: TemplateScope): unknown {
  if (value === undefined) return undefined;
  const resolved = resolveValue(value, scope);
  return typeof resolved === 'string' ? resolved : value;
}
