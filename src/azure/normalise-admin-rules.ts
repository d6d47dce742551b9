import { parseResourceId } from '../model/ids.js';
import type { SecurityAdminRule } from '../model/network.js';
import { describe, flatten, InvalidNetworkConfigError, isRecord, list, type Json } from './normalise-json.js';
import { ruleFields, type Unresolved } from './normalise-rule.js';

/**
 * The effective security admin rules of a VNet (ListNetworkManagerEffectiveSecurityAdminRules: ARM's
 * body, the SDK's flattened objects, `az` output, or the Azure REST example file) -> the model's rules.
 * Pure: no I/O. Values Azure would reject are kept as placeholders and recorded in `unresolved`, as for
 * NSG rules, so the flows such a rule could decide are judged `unknown`.
 */

const ADMIN_ACCESSES = ['Allow', 'Deny', 'AlwaysAllow'] as const;
/** Azure's range for security admin rule priorities (lower first). */
const ADMIN_PRIORITIES = [1, 4096] as const;

/** `.../networkManagers/{manager}/securityAdminConfigurations/...`: the manager's name, '' when the ID does not say. */
export function networkManagerOf(ruleId: string): string {
  const parsed = parseResourceId(ruleId);
  const at = parsed?.path.findIndex((segment) => segment.toLowerCase() === 'networkmanagers') ?? -1;
  return at >= 0 ? (parsed?.path[at + 1] ?? '') : '';
}

/** An admin rule's address items (`{ addressPrefix, addressPrefixType }`) as the words an NSG rule would hold. */
function addressWords(items: unknown, field: string, where: string, unresolved: Unresolved, key: 'sourceAddresses' | 'destinationAddresses'): string[] {
  const words: string[] = [];
  const groups: string[] = [];
  for (const [index, raw] of list(items, field, where).entries()) {
    if (!isRecord(raw)) throw new InvalidNetworkConfigError(`${where}: ${field}[${index}] must be an object with "addressPrefix", got ${describe(raw)}`);
    const prefix = typeof raw.addressPrefix === 'string' ? raw.addressPrefix.trim() : '';
    const type = typeof raw.addressPrefixType === 'string' ? raw.addressPrefixType.toLowerCase() : '';
    if (type === 'networkgroup') groups.push(prefix);
    else if (prefix !== '') words.push(prefix);
  }
  if (groups.length > 0) {
    unresolved[key] = `"${field}" names network groups (${groups.join(', ')}), whose members' addresses this tool does not read`;
    return ['*'];
  }
  if (words.length === 0) {
    unresolved[key] = `"${field}" is missing`;
    return ['*'];
  }
  return words;
}

function portRanges(value: unknown, field: string, where: string): string[] {
  const ranges = list(value, field, where).map((range) => (typeof range === 'number' ? String(range) : typeof range === 'string' ? range.trim() : ''));
  // Azure treats an absent port list as every port.
  return ranges.length === 0 ? ['*'] : ranges;
}

export function normaliseAdminRule(raw: unknown, index: number): SecurityAdminRule {
  const at = `security admin rules value[${index}]`;
  if (!isRecord(raw)) throw new InvalidNetworkConfigError(`${at}: expected a security admin rule object, got ${describe(raw)}`);
  const rule: Json = flatten(raw);
  const id = typeof rule.id === 'string' ? rule.id : '';
  const name = id.split('/').filter(Boolean).pop() ?? (typeof rule.name === 'string' ? rule.name : '');
  if (name === '') throw new InvalidNetworkConfigError(`${at}: "id" must be the rule's ARM ID; got ${describe(rule.id)}`);
  const where = `security admin rule "${name}"`;
  const { unresolved, ...fields } = ruleFields(rule, ADMIN_ACCESSES, ADMIN_PRIORITIES);
  const normalised: SecurityAdminRule = {
    id,
    name,
    networkManager: networkManagerOf(id),
    ...fields,
    sourceAddressPrefixes: addressWords(rule.sources, 'sources', where, unresolved, 'sourceAddresses'),
    destinationAddressPrefixes: addressWords(rule.destinations, 'destinations', where, unresolved, 'destinationAddresses'),
    sourcePortRanges: portRanges(rule.sourcePortRanges, 'sourcePortRanges', where),
    destinationPortRanges: portRanges(rule.destinationPortRanges, 'destinationPortRanges', where),
  };
  if (Object.keys(unresolved).length > 0) normalised.unresolved = unresolved;
  return normalised;
}

/** The rules of a list body (`{ value: [...] }`, possibly inside an example file's `responses.200.body`) or a bare array of rules. */
export function normaliseAdminRules(json: unknown): SecurityAdminRule[] {
  let body = json;
  if (isRecord(body) && isRecord(body.responses) && isRecord(body.responses['200'])) body = body.responses['200'].body;
  const rules = Array.isArray(body) ? body : isRecord(body) ? body.value : undefined;
  if (!Array.isArray(rules)) {
    throw new InvalidNetworkConfigError(
      `security admin rules: expected the body of ListNetworkManagerEffectiveSecurityAdminRules ({ "value": [ rules ] }) or an array of rules; got ${
        isRecord(body) ? `an object with ${Object.keys(body).length === 0 ? 'no keys' : `keys ${Object.keys(body).slice(0, 5).join(', ')}`}` : describe(body)
      }`,
    );
  }
  return rules.map(normaliseAdminRule);
}
