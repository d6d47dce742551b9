import { evaluateString, expressionLabel, type ExpressionScope } from './arm-expression.js';
import { CannotEvaluate, isObjectValue, UnknownValue } from './arm-values.js';
import { isRecord } from './json.js';

/**
 * A template's JSON value with its expressions evaluated, as ARM does at deployment: every string that is an
 * expression, at any depth, and property `copy` loops (`"copy": [{ "name", "count", "input" }]`) expanded
 * into the arrays they build. What cannot be evaluated becomes an UnknownValue in its place, carrying the
 * template text and why; `materialize` turns the result back into JSON for the normalisers.
 */

/** A scope that can also say where a copy loop is: `index` undefined when the loop's count cannot be known. */
export interface ResolvingScope extends ExpressionScope {
  withCopy(loop: string, index: number | undefined, resourceLevel?: boolean, unknown?: string): ResolvingScope;
}

/** ARM caps a copy loop at 800 items. */
const MAX_COPIES = 800;

/** A copy loop's count: a whole number 0-800, or why it cannot be known. */
export function copyCount(count: unknown, loop: string, scope: ExpressionScope): number | UnknownValue {
  const text = typeof count === 'string' ? count : JSON.stringify(count ?? null);
  const evaluated = typeof count === 'string' ? evaluateString(count, scope) : { resolved: true as const, value: count };
  const why = (reason: string) => new UnknownValue(text.startsWith('[') ? text : `[${text}]`, `the copy loop "${loop}" cannot be expanded: ${reason}`);
  if (!evaluated.resolved) return why(`its count ${evaluated.reason}`);
  const value = evaluated.value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_COPIES) {
    return why(`its count ${expressionLabel(text)} is ${JSON.stringify(value)}, not a whole number 0-${MAX_COPIES}`);
  }
  return value;
}

/** A property loop's array, or one unknown value for all of it when its count cannot be known. */
function expandLoop(loop: Record<string, unknown>, scope: ResolvingScope): { name: string; value: unknown } {
  const name = typeof loop.name === 'string' ? loop.name : '';
  const count = copyCount(loop.count, name, scope);
  if (count instanceof UnknownValue) return { name, value: count };
  return { name, value: Array.from({ length: count }, (_, index) => resolveValue(loop.input, scope.withCopy(name, index))) };
}

/** Whether an object's `copy` is ARM's property loop (an array of `{name, count, input}`), not a property that happens to be called copy. */
function isPropertyLoop(copy: unknown): copy is Array<Record<string, unknown>> {
  return Array.isArray(copy) && copy.length > 0 && copy.every((loop) => isRecord(loop) && typeof loop.name === 'string' && 'count' in loop && 'input' in loop);
}

export function resolveValue(value: unknown, scope: ResolvingScope): unknown {
  if (typeof value === 'string') {
    const evaluated = evaluateString(value, scope);
    return evaluated.resolved ? evaluated.value : new UnknownValue(value.trim(), evaluated.reason);
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, scope));
  if (!isObjectValue(value)) return value;
  const resolved: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === 'copy' && isPropertyLoop(item)) {
      for (const loop of item) {
        const { name, value: array } = expandLoop(loop, scope);
        resolved[name] = array;
      }
    } else {
      resolved[key] = resolveValue(item, scope);
    }
  }
  return resolved;
}

/** A resolved value's part that must be known whole (a name, a condition); throws CannotEvaluate otherwise. */
export function knownWhole(value: unknown): unknown {
  if (value instanceof UnknownValue) throw new CannotEvaluate(value.reason);
  return value;
}

export type JsonPath = Array<string | number>;

export interface Unresolved {
  path: JsonPath;
  /** The template text left in the value's place. */
  expression: string;
  reason: string;
}

/** JSON again: each unknown value is written back as its template text, and listed with its path and reason. */
export function materialize(value: unknown, path: JsonPath = [], unresolved: Unresolved[] = []): { json: unknown; unresolved: Unresolved[] } {
  const walk = (item: unknown, at: JsonPath): unknown => {
    if (item instanceof UnknownValue) {
      unresolved.push({ path: at, expression: item.expression, reason: item.reason });
      return item.expression;
    }
    if (Array.isArray(item)) return item.map((element, index) => walk(element, [...at, index]));
    if (isObjectValue(item)) return Object.fromEntries(Object.entries(item).map(([key, element]) => [key, walk(element, [...at, key])]));
    return item;
  };
  return { json: walk(value, path), unresolved };
}
