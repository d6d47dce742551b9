import { isRecord } from './json.js';
import { shown } from './messages.js';

/**
 * Values of the ARM expression language as this tool holds them: JSON values, lambdas (only as arguments of
 * `map`), and UnknownValue, a value that exists at deployment but that this tool cannot know (a Key Vault
 * reference, a nested deployment's parameter computed from `resourceGroup()`). Touching an unknown value
 * makes the expression that touched it unresolvable, with its reason; it is never read as empty or null.
 */

/** Why an expression cannot be evaluated here; caught where the expression's text is known. */
export class CannotEvaluate extends Error {
  override name = 'CannotEvaluate';
}

export class UnknownValue {
  /** `expression` is the template text the value came from, written back in its place when it is used. */
  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {}
}

/** `lambda('x', body)`: only `map` calls it. */
export class Lambda {
  constructor(
    readonly parameters: string[],
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** A JSON object (not an unknown value or a lambda, which are objects to JavaScript). */
export function isObjectValue(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
}

/** Throws when the value is unknown, so that what is computed from it is not guessed. */
export function known<T>(value: T): T {
  if (value instanceof UnknownValue) throw new CannotEvaluate(value.reason);
  return value;
}

/** What a value is, in a few words, for reasons. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isObjectValue(value)) return 'an object';
  if (value instanceof Lambda) return 'a lambda';
  if (typeof value === 'string') return `the string '${shown(value, 40)}'`;
  return `${typeof value === 'number' ? 'the integer' : 'the boolean'} ${String(value)}`;
}

/** A property of an object, as ARM reads it: the exact key, else the key in another case. */
export function propertyOf(object: Record<string, unknown>, key: string): { found: boolean; value: unknown } {
  if (Object.hasOwn(object, key)) return { found: true, value: object[key] };
  const lower = key.toLowerCase();
  const match = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return match === undefined ? { found: false, value: undefined } : { found: true, value: object[match] };
}

/** Deep equality of JSON values (ARM's `equals`); unknown values make it unresolvable. */
export function sameValue(a: unknown, b: unknown): boolean {
  known(a);
  known(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  if (isObjectValue(a) || isObjectValue(b)) {
    if (!isObjectValue(a) || !isObjectValue(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => propertyOf(b, key).found && sameValue(a[key], propertyOf(b, key).value));
  }
  return a === b;
}

/** Whether a value holds an unknown value anywhere inside it. */
export function holdsUnknown(value: unknown): boolean {
  if (value instanceof UnknownValue) return true;
  if (Array.isArray(value)) return value.some(holdsUnknown);
  return isObjectValue(value) && Object.values(value).some(holdsUnknown);
}
