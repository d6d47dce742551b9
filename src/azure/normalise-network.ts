import { ERROR_CODES, UserError } from '../errors.js';
import { shortRegion } from '../model/ids.js';
import { isTemplateExpression } from '../model/template-expression.js';
import type {
  Access,
  Direction,
  NetworkSecurityGroup,
  NextHopType,
  Route,
  RouteTable,
  SecurityRule,
  ServiceTag,
  ServiceTagSet,
} from '../model/network.js';

/**
 * NSG, route-table and service-tag JSON in any shape people hand us (ARM REST GET bodies, the SDK's
 * flattened objects, `az ... show` output, ARM template resources and files) -> the model's types.
 * Pure: no I/O.
 */

export class InvalidNetworkConfigError extends UserError {
  override name = 'InvalidNetworkConfigError';
  constructor(message: string) {
    super(ERROR_CODES.NETWORK_CONFIG_INVALID, message);
  }
}

type Json = Record<string, unknown>;

const NSG_TYPE = 'microsoft.network/networksecuritygroups';
const ROUTE_TABLE_TYPE = 'microsoft.network/routetables';

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value;
}

/** ARM REST and templates nest a resource's fields under `properties`; the SDK and `az` flatten them. */
function flatten(resource: Json): Json {
  const { properties, ...rest } = resource;
  return isRecord(properties) ? { ...properties, ...rest } : resource;
}


function location(value: unknown): string {
  if (typeof value !== 'string') return '';
  return isTemplateExpression(value) ? value : shortRegion(value);
}

function optionalString(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Finds the resource of `type` in whatever wraps it: an Azure REST example file
 * (`responses.200.body`), an ARM template file (`resources[]`, or the symbolic-name object of
 * languageVersion 2.0), or nothing at all.
 */
function unwrapResource(json: unknown, type: string, what: string): Json {
  if (!isRecord(json)) throw new InvalidNetworkConfigError(`${what}: expected a JSON object, got ${describe(json)}`);
  const responses = json.responses;
  if (isRecord(responses)) {
    const ok = responses['200'];
    if (isRecord(ok) && isRecord(ok.body)) return unwrapResource(ok.body, type, what);
  }
  if ('resources' in json) {
    const resources = Array.isArray(json.resources) ? json.resources : isRecord(json.resources) ? Object.values(json.resources) : [];
    const found = resources.find((resource): resource is Json => isRecord(resource) && typeof resource.type === 'string' && resource.type.toLowerCase() === type);
    if (!found) throw new InvalidNetworkConfigError(`${what}: the template's "resources" holds no resource of type ${type}`);
    return found;
  }
  if (typeof json.type === 'string' && json.type.toLowerCase() !== type) {
    throw new InvalidNetworkConfigError(`${what}: expected a resource of type ${type}, got "${json.type}"`);
  }
  return json;
}

function list(value: unknown, field: string, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidNetworkConfigError(`${where}: "${field}" must be an array, got ${describe(value)}`);
  return value;
}

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

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, where: string): T {
  if (allowed.includes(value as T)) return value as T;
  const found = typeof value === 'string' ? allowed.find((option) => option.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (!found) {
    const got = value === undefined ? 'it is missing' : `got ${describe(value)}`;
    throw new InvalidNetworkConfigError(`${where}: "${field}" must be ${allowed.join(' or ')}; ${got}`);
  }
  return found;
}

/** Why a rule field's value cannot be used, or undefined when it can. */
type Unresolved = NonNullable<SecurityRule['unresolved']>;

function expressionOrValue(value: unknown): string {
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
function ruleFields(rule: Json, isDefault: boolean): Pick<SecurityRule, 'direction' | 'access' | 'priority' | 'protocol'> & { unresolved: Unresolved } {
  const unresolved: Unresolved = {};
  const pick = <T extends string>(value: unknown, allowed: readonly T[], field: 'direction' | 'access'): T => {
    const found = typeof value === 'string' ? allowed.find((option) => option.toLowerCase() === value.trim().toLowerCase()) : undefined;
    if (found) return found;
    unresolved[field] = value === undefined ? `"${field}" is missing (expected ${allowed.join(' or ')})` : `"${field}" ${expressionOrValue(value)} (expected ${allowed.join(' or ')})`;
    return allowed[0]!;
  };
  const direction = pick(rule.direction, DIRECTIONS, 'direction');
  const access = pick(rule.access, ACCESSES, 'access');
  const raw = rule.priority;
  let priority = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
  const [low, high] = isDefault ? [65000, 65500] : [100, 4096];
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

function normaliseRule(raw: unknown, index: number, field: string, nsgName: string, isDefault: boolean): SecurityRule {
  const at = `NSG "${nsgName}" ${field}[${index}]`;
  if (!isRecord(raw)) throw new InvalidNetworkConfigError(`${at}: expected a security rule object, got ${describe(raw)}`);
  const rule = flatten(raw);
  if (typeof rule.name !== 'string' || rule.name.trim() === '') {
    throw new InvalidNetworkConfigError(`${at}: "name" must be the rule's name; got ${describe(rule.name)}`);
  }
  const where = `NSG "${nsgName}" rule "${rule.name}"`;
  const { unresolved, ...fields } = ruleFields(rule, isDefault);
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

export function normaliseNsg(json: unknown): NetworkSecurityGroup {
  const nsg = flatten(unwrapResource(json, NSG_TYPE, 'NSG'));
  const name = optionalString(nsg.name);
  const securityRules = list(nsg.securityRules, 'securityRules', `NSG "${name}"`).map((rule, index) =>
    normaliseRule(rule, index, 'securityRules', name, false),
  );
  const given = list(nsg.defaultSecurityRules, 'defaultSecurityRules', `NSG "${name}"`).map((rule, index) =>
    normaliseRule(rule, index, 'defaultSecurityRules', name, true),
  );
  return {
    id: optionalString(nsg.id),
    name,
    location: location(nsg.location),
    securityRules,
    // Templates and hand-written JSON leave them out, but Azure always adds them.
    defaultSecurityRules: given.length > 0 ? given : defaultSecurityRules(),
  };
}

const NEXT_HOP_TYPES: readonly NextHopType[] = ['Internet', 'VirtualAppliance', 'VirtualNetworkGateway', 'VnetLocal', 'None', 'VirtualNetworkServiceEndpoint'];

function normaliseRoute(raw: unknown, index: number, tableName: string): Route {
  const at = `route table "${tableName}" routes[${index}]`;
  if (!isRecord(raw)) throw new InvalidNetworkConfigError(`${at}: expected a route object, got ${describe(raw)}`);
  const route = flatten(raw);
  const where = typeof route.name === 'string' && route.name !== '' ? `route table "${tableName}" route "${route.name}"` : at;
  if (typeof route.addressPrefix !== 'string' || route.addressPrefix.trim() === '') {
    throw new InvalidNetworkConfigError(`${where}: "addressPrefix" must be a CIDR or a service tag; got ${describe(route.addressPrefix)}`);
  }
  const normalised: Route = {
    name: optionalString(route.name),
    addressPrefix: route.addressPrefix.trim(),
    nextHopType: oneOf(route.nextHopType, NEXT_HOP_TYPES, 'nextHopType', where),
  };
  if (typeof route.nextHopIpAddress === 'string' && route.nextHopIpAddress.trim() !== '') normalised.nextHopIpAddress = route.nextHopIpAddress.trim();
  return normalised;
}

export function normaliseRouteTable(json: unknown): RouteTable {
  const table = flatten(unwrapResource(json, ROUTE_TABLE_TYPE, 'route table'));
  const name = optionalString(table.name);
  return {
    id: optionalString(table.id),
    name,
    location: location(table.location),
    routes: list(table.routes, 'routes', `route table "${name}"`).map((route, index) => normaliseRoute(route, index, name)),
    disableBgpRoutePropagation: table.disableBgpRoutePropagation === true,
  };
}

/** A `serviceTags.list` body or the ServiceTags_Public download (`changeNumber` a string in one, a number in the other). */
export function normaliseServiceTags(body: unknown, source?: string): ServiceTagSet {
  if (!isRecord(body)) throw new InvalidNetworkConfigError(`service tags: expected a JSON object, got ${describe(body)}`);
  const values = body.values ?? body.value;
  if (!Array.isArray(values)) throw new InvalidNetworkConfigError(`service tags: "values" must be the array of tags; got ${describe(values)}`);
  const tags = new Map<string, ServiceTag>();
  values.forEach((raw, index) => {
    if (!isRecord(raw)) throw new InvalidNetworkConfigError(`service tags values[${index}]: expected an object, got ${describe(raw)}`);
    const entry = flatten(raw);
    if (typeof entry.name !== 'string' || entry.name === '') {
      throw new InvalidNetworkConfigError(`service tags values[${index}]: "name" must be the tag's name; got ${describe(entry.name)}`);
    }
    const where = `service tag "${entry.name}"`;
    const addressPrefixes = list(entry.addressPrefixes, 'addressPrefixes', where).map((prefix) => {
      if (typeof prefix !== 'string') throw new InvalidNetworkConfigError(`${where}: "addressPrefixes" must hold strings, got ${describe(prefix)}`);
      return prefix.trim();
    });
    const key = entry.name.toLowerCase();
    if (!tags.has(key)) tags.set(key, { name: entry.name, region: shortRegion(optionalString(entry.region)), addressPrefixes });
  });
  const changeNumber = body.changeNumber;
  const set: ServiceTagSet = { changeNumber: typeof changeNumber === 'number' || typeof changeNumber === 'string' ? String(changeNumber) : '', tags };
  if (source) set.source = source;
  return set;
}
