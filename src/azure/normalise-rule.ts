import { isTemplateExpression } from '../model/template-expression.js';
import type { Access, Direction, SecurityRule } from '../model/network.js';
import { describe, flatten, InvalidNetworkConfigError, isRecord, list, type Json } from './normalise-json.js';

/**
 * One NSG rule in any shape people hand us -> the model's rule. A value Azure would reject is kept as a
 * placeholder and recorded in `unresolved`, so the analysis judges the rule `unknown` instead of dropping it.
 */

/** Azure sends the singular as absent or `""` when the plural is used (and `[]` for the plural when not). */
function merged(rule: Json, singular: string, plural: string, where: string): string[] {
  // ARM's usual shape (one singular, an empty plural) without the general path's arrays and Set:
  // this runs for four fields of every rule of every NSG of a fleet, every poll.
  const one = rule[singular];
  const many = rule[plural];
  if (typeof one === 'string' && (many === undefined || (Array.isArray(many) && many.length === 0))) {
    const trimmed = one.trim();
    return trimmed === '' ? [] : [trimmed];
  }
  const values: unknown[] = [rule[singular], ...(typeof rule[plural] === 'string' ? [rule[plural]] : list(rule[plural], plural, where))];
  const texts = values.flatMap((value) => {
    if (value === undefined || value === null) return [];
    if (typeof value === 'number') return [String(value)];
    if (typeof value !== 'string') throw new InvalidNetworkConfigError(`${where}: "${singular}"/"${plural}" must hold strings, got ${describe(value)}`);
    const trimmed = value.trim();
    return trimmed === '' ? [] : [trimmed];
  });
  return [...new Set(texts)];
}

/** Why a rule field's value cannot be used, or undefined when it can. */
export type Unresolved = NonNullable<SecurityRule['unresolved']>;

export function expressionOrValue(value: unknown): string {
  return typeof value === 'string' && isTemplateExpression(value.trim())
    ? `${value.trim()} is an ARM template expression, which cannot be evaluated here`
    : `${describe(value)} is not valid`;
}

/** ARM's values; `Any` is how the portal shows `*`. */
const PROTOCOLS = ['*', 'any', 'tcp', 'udp', 'icmp', 'esp', 'ah'];

/**
 * A rule's direction, access, priority and protocol. A value Azure would reject (`Outgoing`, priority 5000
 * on a custom rule) or a template expression is kept as a placeholder and recorded in `unresolved`:
 * the rule is still judged, and makes the flows it could decide `unknown` instead of being dropped.
 */
export function ruleFields<A extends string>(
  rule: Json,
  accesses: readonly A[],
  [low, high]: readonly [number, number],
): Pick<SecurityRule, 'direction' | 'priority' | 'protocol'> & { access: A; unresolved: Unresolved } {
  const unresolved: Unresolved = {};
  const pick = <T extends string>(value: unknown, allowed: readonly T[], field: 'direction' | 'access'): T => {
    const found = typeof value === 'string' ? allowed.find((option) => option.toLowerCase() === value.trim().toLowerCase()) : undefined;
    if (found) return found;
    unresolved[field] = value === undefined ? `"${field}" is missing (expected ${allowed.join(' or ')})` : `"${field}" ${expressionOrValue(value)} (expected ${allowed.join(' or ')})`;
    return allowed[0]!;
  };
  const direction = pick(rule.direction, DIRECTIONS, 'direction');
  const access = pick(rule.access, accesses, 'access');
  const raw = rule.priority;
  let priority = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
  if (!Number.isInteger(priority) || priority < low || priority > high) {
    unresolved.priority = raw === undefined ? `"priority" is missing (expected ${low}-${high})` : `"priority" ${Number.isInteger(priority) ? `${priority} is outside ${low}-${high}` : expressionOrValue(raw)}`;
    priority = low;
  }
  let protocol = typeof rule.protocol === 'string' ? rule.protocol.trim() : '';
  if (!PROTOCOLS.includes(protocol.toLowerCase())) {
    unresolved.protocol = rule.protocol === undefined ? '"protocol" is missing (expected *, Tcp, Udp, Icmp, Esp or Ah)' : `"protocol" ${expressionOrValue(rule.protocol)} (expected *, Tcp, Udp, Icmp, Esp or Ah)`;
    protocol = '*';
  }
  return { direction, access, priority, protocol, unresolved };
}

const DIRECTIONS: readonly Direction[] = ['Inbound', 'Outbound'];
const ACCESSES: readonly Access[] = ['Allow', 'Deny'];

export function normaliseRule(raw: unknown, index: number, field: string, nsgName: string, isDefault: boolean): SecurityRule {
  const at = `NSG "${nsgName}" ${field}[${index}]`;
  if (!isRecord(raw)) throw new InvalidNetworkConfigError(`${at}: expected a security rule object, got ${describe(raw)}`);
  const rule = flatten(raw);
  if (typeof rule.name !== 'string' || rule.name.trim() === '') {
    throw new InvalidNetworkConfigError(`${at}: "name" must be the rule's name; got ${describe(rule.name)}`);
  }
  const where = `NSG "${nsgName}" rule "${rule.name}"`;
  const { unresolved, ...fields } = ruleFields(rule, ACCESSES, isDefault ? [65000, 65500] : [100, 4096]);
  const normalised: SecurityRule = {
    name: rule.name,
    ...fields,
    sourceAddressPrefixes: merged(rule, 'sourceAddressPrefix', 'sourceAddressPrefixes', where),
    destinationAddressPrefixes: merged(rule, 'destinationAddressPrefix', 'destinationAddressPrefixes', where),
    sourcePortRanges: merged(rule, 'sourcePortRange', 'sourcePortRanges', where),
    destinationPortRanges: merged(rule, 'destinationPortRange', 'destinationPortRanges', where),
    isDefault,
  };
  // Azure requires every one of these; a rule without one (or with application security groups instead of
  // prefixes, which this tool cannot resolve) may match anything: `*` stands in, and `unresolved` says why.
  const lists = [
    ['sourceAddressPrefixes', 'sourceAddresses', 'sourceAddressPrefix', 'sourceApplicationSecurityGroups'],
    ['destinationAddressPrefixes', 'destinationAddresses', 'destinationAddressPrefix', 'destinationApplicationSecurityGroups'],
    ['sourcePortRanges', 'sourcePorts', 'sourcePortRange', undefined],
    ['destinationPortRanges', 'destinationPorts', 'destinationPortRange', undefined],
  ] as const;
  for (const [list, key, field, groups] of lists) {
    if (normalised[list].length > 0) continue;
    normalised[list] = ['*'];
    const asgs = groups && Array.isArray(rule[groups]) && rule[groups].length > 0;
    unresolved[key] = asgs ? `"${groups}" are application security groups, which this tool cannot resolve to addresses` : `"${field}" is missing`;
  }
  if (Object.keys(unresolved).length > 0) normalised.unresolved = unresolved;
  return normalised;
}

const defaultRule = (name: string, priority: number, direction: Direction, access: Access, source: string, destination: string): SecurityRule => ({
  name,
  priority,
  direction,
  access,
  protocol: '*',
  sourceAddressPrefixes: [source],
  destinationAddressPrefixes: [destination],
  sourcePortRanges: ['*'],
  destinationPortRanges: ['*'],
  isDefault: true,
});

/** The six rules Azure puts in every NSG; they cannot be changed or removed. */
export function defaultSecurityRules(): SecurityRule[] {
  return [
    defaultRule('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*'),
    defaultRule('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*'),
    defaultRule('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork'),
    defaultRule('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet'),
    defaultRule('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*'),
  ];
}
