import type { ArgumentEvaluator as Evaluator } from './arm-evaluation.js';
import type { ExpressionNode } from './arm-expression-parser.js';
import { CannotEvaluate, isObjectValue, kindOf, known, Lambda, propertyOf, sameValue } from './arm-values.js';

/**
 * The ARM template functions this tool evaluates: those that compute from values a template holds
 * (parameters, variables, literals, copy indexes). Functions that need the deployment itself
 * (`resourceGroup()`, `reference()`, `uniqueString()`, ...) or that it does not implement make the
 * expression unresolvable, saying which. Function names are case-insensitive, as in ARM.
 */

type ArmFunction = (args: ExpressionNode[], ev: Evaluator) => unknown;

/** Functions whose value depends on where and when the template is deployed. */
const DEPLOYMENT_FUNCTIONS = new Set([
  'resourcegroup', 'subscription', 'tenant', 'managementgroup', 'deployment', 'deployer', 'environment', 'reference', 'references',
  'resourceid', 'subscriptionresourceid', 'tenantresourceid', 'extensionresourceid', 'managementgroupresourceid', 'uniquestring',
  'guid', 'newguid', 'utcnow', 'providers', 'pickzones', 'externalinput',
]);

function arity(name: string, args: ExpressionNode[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `${min} or more` : `${min} to ${max}`;
    throw new CannotEvaluate(`${name}() takes ${expected} argument(s), not ${args.length}`);
  }
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new CannotEvaluate(`${what} must be a string, not ${kindOf(value)}`);
  return value;
}

function bool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new CannotEvaluate(`${what} must be a boolean, not ${kindOf(value)}`);
  return value;
}

/** As `string()` and `concat()` of strings render a value. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(known(value));
}

/** .NET composite formatting as `format()` uses it: `{0}` and `{{`/`}}`; alignment and format strings are not evaluated. */
function format(template: string, values: unknown[]): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (token, inner: string | undefined) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    if (!/^\d+$/.test(inner ?? '')) throw new CannotEvaluate(`format() placeholder "${token}" (alignment or a format string) is not evaluated here`);
    const index = Number(inner);
    if (index >= values.length) throw new CannotEvaluate(`format() placeholder "${token}" has no argument`);
    return asText(values[index]);
  });
}

/** `tryGet(object, key, ...)`: null where a key is missing, as ARM's tryGet (Bicep's `.?`). */
function tryGet(target: unknown, keys: unknown[]): unknown {
  let current = target;
  for (const key of keys) {
    known(current);
    if (isObjectValue(current) && typeof key === 'string') current = propertyOf(current, key).found ? propertyOf(current, key).value : null;
    else if (Array.isArray(current) && typeof key === 'number') current = current[key] ?? null;
    else if (current === null) return null;
    else throw new CannotEvaluate(`tryGet() cannot read ${kindOf(key)} from ${kindOf(current)}`);
  }
  return current;
}

function length(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isObjectValue(value)) return Object.keys(value).length;
  throw new CannotEvaluate(`length() of ${kindOf(value)}`);
}

function empty(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value === 'string' || Array.isArray(value) || isObjectValue(value)) return length(value) === 0;
  throw new CannotEvaluate(`empty() of ${kindOf(value)}`);
}

function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return container.includes(asText(item));
  if (Array.isArray(container)) return container.some((candidate) => sameValue(candidate, item));
  if (isObjectValue(container)) return propertyOf(container, text(item, 'the key contains() looks for')).found;
  throw new CannotEvaluate(`contains() in ${kindOf(container)}`);
}

function concat(values: unknown[]): unknown {
  if (values.length > 0 && values.every(Array.isArray)) return values.flat(1);
  if (values.some((value) => Array.isArray(value) || isObjectValue(value) || value === null)) {
    throw new CannotEvaluate(`concat() of ${values.map(kindOf).join(', ')}: all arrays or all strings`);
  }
  return values.map(asText).join('');
}

function int(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  throw new CannotEvaluate(`int() of ${kindOf(value)}`);
}

function createObject(values: unknown[]): Record<string, unknown> {
  if (values.length % 2 !== 0) throw new CannotEvaluate('createObject() takes key-value pairs');
  const object: Record<string, unknown> = {};
  for (let index = 0; index < values.length; index += 2) object[text(values[index], 'a createObject() key')] = values[index + 1];
  return object;
}

/**
 * `union()`: arrays joined without repeats, in order; objects merged, a later object's value winning for a key both
 * have, and objects under the same key merged likewise (Microsoft Learn, "Object functions for ARM templates").
 */
function union(values: unknown[]): unknown {
  if (values.length > 0 && values.every(Array.isArray)) {
    const joined: unknown[] = [];
    for (const item of values.flat(1)) if (!joined.some((seen) => sameValue(seen, item))) joined.push(item);
    return joined;
  }
  if (!values.every(isObjectValue)) throw new CannotEvaluate(`union() of ${values.map(kindOf).join(', ')}: all arrays or all objects`);
  const merged: Record<string, unknown> = {};
  for (const object of values as Array<Record<string, unknown>>) {
    for (const [key, value] of Object.entries(object)) merged[key] = isObjectValue(merged[key]) && isObjectValue(value) ? union([merged[key], value]) : value;
  }
  return merged;
}

/** `lambda('a', 'b', body)`: called by `map` with its arguments bound to `lambdaVariables('a')`. */
function lambda(args: ExpressionNode[], ev: Evaluator): Lambda {
  arity('lambda', args, 2, Infinity);
  const names = args.slice(0, -1).map((arg) => text(ev.known(arg), 'a lambda parameter name'));
  const body = args[args.length - 1]!;
  return new Lambda(names, (values) => ev.withLambdaVariables(new Map(names.map((name, index) => [name, values[index]]))).value(body));
}

function map(args: ExpressionNode[], ev: Evaluator): unknown[] {
  arity('map', args, 2);
  const items = ev.known(args[0]!);
  const fn = ev.known(args[1]!);
  if (!Array.isArray(items)) throw new CannotEvaluate(`map() over ${kindOf(items)}`);
  if (!(fn instanceof Lambda)) throw new CannotEvaluate('map() needs a lambda');
  return items.map((item, index) => fn.call([item, index]));
}

/** Every argument evaluated (and known) first: most functions. */
function strict(name: string, min: number, max: number, body: (values: unknown[]) => unknown): ArmFunction {
  return (args, ev) => {
    arity(name, args, min, max);
    return body(args.map((arg) => ev.known(arg)));
  };
}

const FUNCTIONS: Record<string, ArmFunction> = {
  copyindex: (args, ev) => {
    arity('copyIndex', args, 0, 2);
    const values = args.map((arg) => ev.known(arg));
    const loop = typeof values[0] === 'string' ? values[0] : undefined;
    const offset = values.find((value): value is number => typeof value === 'number') ?? 0;
    return ev.scope.copyIndex(loop) + offset;
  },
  lambdavariables: (args, ev) => {
    arity('lambdaVariables', args, 1);
    return ev.lambdaVariable(text(ev.known(args[0]!), 'lambdaVariables() name'));
  },
  lambda,
  map,
  concat: strict('concat', 1, Infinity, concat),
  format: strict('format', 1, Infinity, ([template, ...values]) => format(text(template, 'the format() string'), values)),
  string: strict('string', 1, 1, ([value]) => asText(value)),
  int: strict('int', 1, 1, ([value]) => int(value)),
  tolower: strict('toLower', 1, 1, ([value]) => text(value, 'toLower() argument').toLowerCase()),
  toupper: strict('toUpper', 1, 1, ([value]) => text(value, 'toUpper() argument').toUpperCase()),
  replace: strict('replace', 3, 3, ([value, from, to]) => text(value, 'replace() argument').split(text(from, 'replace() old text')).join(text(to, 'replace() new text'))),
  length: strict('length', 1, 1, ([value]) => length(value)),
  empty: strict('empty', 1, 1, ([value]) => empty(value)),
  contains: strict('contains', 2, 2, ([container, item]) => contains(container, item)),
  equals: strict('equals', 2, 2, ([a, b]) => sameValue(a, b)),
  not: strict('not', 1, 1, ([value]) => !bool(value, 'not() argument')),
  createarray: strict('createArray', 0, Infinity, (values) => values),
  createobject: strict('createObject', 0, Infinity, createObject),
  union: strict('union', 1, Infinity, union),
  true: strict('true', 0, 0, () => true),
  false: strict('false', 0, 0, () => false),
  null: strict('null', 0, 0, () => null),
  // Lazy, as ARM's: only what decides the result is evaluated (and must be known).
  if: (args, ev) => {
    arity('if', args, 3);
    return ev.value(bool(ev.known(args[0]!), 'the if() condition') ? args[1]! : args[2]!);
  },
  and: (args, ev) => {
    arity('and', args, 2, Infinity);
    return args.every((arg) => bool(ev.known(arg), 'an and() argument'));
  },
  or: (args, ev) => {
    arity('or', args, 2, Infinity);
    return args.some((arg) => bool(ev.known(arg), 'an or() argument'));
  },
  coalesce: (args, ev) => {
    arity('coalesce', args, 1, Infinity);
    for (const arg of args) {
      const value = ev.known(arg);
      if (value !== null) return value;
    }
    return null;
  },
  tryget: (args, ev) => {
    arity('tryGet', args, 2, Infinity);
    const [target, ...keys] = args.map((arg) => ev.value(arg));
    return tryGet(target, keys.map(known));
  },
};

export function callFunction(name: string, args: ExpressionNode[], ev: Evaluator): unknown {
  const lower = name.toLowerCase();
  if (lower === 'parameters' || lower === 'variables') {
    arity(name, args, 1);
    const key = text(ev.known(args[0]!), `the ${name}() name`);
    return lower === 'parameters' ? ev.scope.parameter(key) : ev.scope.variable(key);
  }
  const fn = FUNCTIONS[lower];
  if (fn) return fn(args, ev);
  if (DEPLOYMENT_FUNCTIONS.has(lower) || lower.startsWith('list')) throw new CannotEvaluate(`${name}() needs the deployment itself (its resource group, subscription, time, or other resources' state), which whatif does not have`);
  if (lower.includes('.')) throw new CannotEvaluate(`${name}() is a user-defined function, which whatif does not evaluate`);
  throw new CannotEvaluate(`${name}() is not one of the functions whatif evaluates`);
}
