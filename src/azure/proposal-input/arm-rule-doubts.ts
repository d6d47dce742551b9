import type { JsonPath, Unresolved } from './arm-resolve.js';
import { isRecord, type Json } from './json.js';
import type { RuleDoubts } from './types.js';

/**
 * Security rules of a template whose values (or whose very existence) cannot be evaluated. The rule is
 * kept, its unresolvable fields as written, and the doubts say why; applied to the normalised rule
 * (rule-doubts.ts), they make every flow the rule could decide `unknown`, never "judged without it".
 */

export type { RuleDoubts };
type DoubtKey = keyof RuleDoubts;

/** A rule field as a template writes it -> what the model calls the value it holds. */
const FIELD_DOUBTS: Record<string, DoubtKey> = {
  priority: 'priority',
  direction: 'direction',
  access: 'access',
  protocol: 'protocol',
  sourceaddressprefix: 'sourceAddresses',
  sourceaddressprefixes: 'sourceAddresses',
  sourceapplicationsecuritygroups: 'sourceAddresses',
  destinationaddressprefix: 'destinationAddresses',
  destinationaddressprefixes: 'destinationAddresses',
  destinationapplicationsecuritygroups: 'destinationAddresses',
  sourceportrange: 'sourcePorts',
  sourceportranges: 'sourcePorts',
  destinationportrange: 'destinationPorts',
  destinationportranges: 'destinationPorts',
};

/** The doubts of one rule, from its unresolved values (paths relative to the rule: `properties.priority`, or `priority` flattened). */
export function doubtsOfRule(unresolved: ReadonlyArray<Pick<Unresolved, 'path' | 'reason'>>): RuleDoubts {
  const doubts: RuleDoubts = {};
  for (const { path, reason } of unresolved) {
    const field = path[0] === 'properties' ? path[1] : path[0];
    const key = typeof field === 'string' ? FIELD_DOUBTS[field.toLowerCase()] : undefined;
    if (key && doubts[key] === undefined) doubts[key] = `"${field as string}": ${reason}`;
  }
  return doubts;
}

/** Marks a rule whose existence is unknown (a condition or copy count that cannot be evaluated): wherever it matches, the flow is unknown. */
export function withUnknownExistence(doubts: RuleDoubts, reason: string): RuleDoubts {
  const { priority, ...rest } = doubts;
  return { priority: priority ? `${reason}, and ${priority}` : reason, ...rest };
}

/**
 * A stand-in for rules nothing is known about (a copy loop whose count cannot be evaluated, a rule list or
 * rule that is an unresolvable expression): any priority, direction and access, matching everything, so
 * that every flow such rules could decide is unknown. `expression` is the template text kept in its place.
 */
export function placeholderRule(name: string, expression: string, reason: string): { item: Record<string, unknown>; doubts: RuleDoubts } {
  const unknown = expression.startsWith('[') ? expression : `[${expression}]`;
  const item = {
    name,
    properties: { priority: unknown, direction: unknown, access: unknown, protocol: '*', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '*' },
  };
  return { item, doubts: { priority: reason, direction: '"direction": unknown for the same reason', access: '"access": unknown for the same reason' } };
}

/** Unresolved values under one index of a list at `prefix` (e.g. `securityRules`), relative to the item. */
export function itemUnresolved(unresolved: readonly Unresolved[], prefix: JsonPath, index: number): Unresolved[] {
  const at = [...prefix, index];
  return unresolved
    .filter(({ path }) => path.length > at.length && at.every((part, position) => path[position] === part))
    .map((entry) => ({ ...entry, path: entry.path.slice(at.length) }));
}

const samePath = (a: JsonPath, b: JsonPath) => a.length === b.length && a.every((part, index) => part === b[index]);

/**
 * An NSG's `securityRules` after its template was resolved (`unresolved` relative to its properties): each
 * rule with its doubts, by index; a list or rule that is unknown as a whole becomes a placeholder rule.
 */
export function templateRules(properties: Json, unresolved: readonly Unresolved[]): { properties: Json; doubts: Map<number, RuleDoubts> } {
  const doubts = new Map<number, RuleDoubts>();
  const whole = unresolved.find(({ path }) => path.length === 0 || samePath(path, ['securityRules']));
  if (whole) {
    const placeholder = placeholderRule('(securityRules that cannot be evaluated)', whole.expression, whole.reason);
    doubts.set(0, placeholder.doubts);
    return { properties: { ...properties, securityRules: [placeholder.item] }, doubts };
  }
  if (!Array.isArray(properties.securityRules)) return { properties, doubts };
  const rules = properties.securityRules.map((rule: unknown, index) => {
    const own = itemUnresolved(unresolved, ['securityRules'], index);
    const unknownRule = unresolved.find(({ path }) => samePath(path, ['securityRules', index])) ?? own.find(({ path }) => samePath(path, ['properties']));
    if (unknownRule) {
      const name = isRecord(rule) && typeof rule.name === 'string' && !own.some(({ path }) => samePath(path, ['name'])) ? rule.name : `(securityRules[${index}] that cannot be evaluated)`;
      const placeholder = placeholderRule(name, unknownRule.expression, unknownRule.reason);
      doubts.set(index, placeholder.doubts);
      return placeholder.item;
    }
    const ruleDoubts = doubtsOfRule(own);
    if (Object.keys(ruleDoubts).length > 0) doubts.set(index, ruleDoubts);
    return rule;
  });
  return { properties: { ...properties, securityRules: rules }, doubts };
}
