import { shortRegion } from '../model/ids.js';
import { isTemplateExpression } from '../model/template-expression.js';
import type { NetworkSecurityGroup, NextHopType, Route, RouteTable, ServiceTag, ServiceTagSet } from '../model/network.js';
import { describe, flatten, InvalidNetworkConfigError, isRecord, list, type Json } from './normalise-json.js';
import { defaultSecurityRules, normaliseRule } from './normalise-rule.js';

/**
 * NSG, route-table and service-tag JSON in any shape people hand us (ARM REST GET bodies, the SDK's
 * flattened objects, `az ... show` output, ARM template resources and files) -> the model's types.
 * Pure: no I/O.
 */

export { InvalidNetworkConfigError } from './normalise-json.js';
export { defaultSecurityRules } from './normalise-rule.js';

const NSG_TYPE = 'microsoft.network/networksecuritygroups';
const ROUTE_TABLE_TYPE = 'microsoft.network/routetables';

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

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string, where: string): T {
  if (allowed.includes(value as T)) return value as T;
  const found = typeof value === 'string' ? allowed.find((option) => option.toLowerCase() === value.trim().toLowerCase()) : undefined;
  if (!found) {
    const got = value === undefined ? 'it is missing' : `got ${describe(value)}`;
    throw new InvalidNetworkConfigError(`${where}: "${field}" must be ${allowed.join(' or ')}; ${got}`);
  }
  return found;
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
