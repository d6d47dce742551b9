import { armBody } from './collected.js';
import { isRecord, type Json } from './json.js';
import type { Kind } from './kinds.js';

/** How azurerm writes NSGs, route tables and their rules (routes), and the same in ARM's shape. */

/** A managed resource of a plan or state, as `terraform show -json` lists it. */
export interface TfResource {
  address: string;
  type: string;
  values: Json;
}

/** How each parent resource and its separate child resource are written in azurerm. */
export interface TfSpec {
  kind: Kind;
  parent: string;
  child: string;
  /** The child's field holding its parent's name. */
  link: string;
  inline: string;
  properties: (values: Json) => Json;
  item: (values: Json) => Json;
}

/** azurerm's snake_case rule fields -> ARM's camelCase. `null` (unset on the separate resource) is left out. */
const TF_RULE_FIELDS: ReadonlyArray<[string, string]> = [
  ['description', 'description'],
  ['protocol', 'protocol'],
  ['source_port_range', 'sourcePortRange'],
  ['source_port_ranges', 'sourcePortRanges'],
  ['destination_port_range', 'destinationPortRange'],
  ['destination_port_ranges', 'destinationPortRanges'],
  ['source_address_prefix', 'sourceAddressPrefix'],
  ['source_address_prefixes', 'sourceAddressPrefixes'],
  ['destination_address_prefix', 'destinationAddressPrefix'],
  ['destination_address_prefixes', 'destinationAddressPrefixes'],
  ['access', 'access'],
  ['priority', 'priority'],
  ['direction', 'direction'],
];

const TF_ROUTE_FIELDS: ReadonlyArray<[string, string]> = [
  ['address_prefix', 'addressPrefix'],
  ['next_hop_type', 'nextHopType'],
  ['next_hop_in_ip_address', 'nextHopIpAddress'],
];

function renamed(values: Json, fields: ReadonlyArray<[string, string]>): Json {
  const properties: Json = {};
  for (const [from, to] of fields) if (values[from] !== undefined && values[from] !== null) properties[to] = values[from];
  return properties;
}

/** A rule (route) item: its name when Terraform gives one, and its properties. */
function item(values: Json, properties: Json): Json {
  return values.name === undefined ? { properties } : { name: values.name, properties };
}

function tfRule(values: Json): Json {
  const properties = renamed(values, TF_RULE_FIELDS);
  for (const side of ['source', 'destination']) {
    const ids = values[`${side}_application_security_group_ids`];
    if (Array.isArray(ids) && ids.length > 0) properties[`${side}ApplicationSecurityGroups`] = ids.map((id: unknown) => ({ id }));
  }
  return item(values, properties);
}

function tfRoute(values: Json): Json {
  return item(values, renamed(values, TF_ROUTE_FIELDS));
}

function inlineItems(values: unknown, convert: (values: Json) => Json): unknown[] | undefined {
  return Array.isArray(values) ? values.map((entry: unknown) => (isRecord(entry) ? convert(entry) : entry)) : undefined;
}

/** azurerm 3 says `disable_bgp_route_propagation`, azurerm 4 `bgp_route_propagation_enabled`; absent when unknown. */
function tfRouteTableProperties(values: Json): Json {
  const properties: Json = {};
  const routes = inlineItems(values.route, tfRoute);
  if (routes) properties.routes = routes;
  if (typeof values.disable_bgp_route_propagation === 'boolean') properties.disableBgpRoutePropagation = values.disable_bgp_route_propagation;
  else if (typeof values.bgp_route_propagation_enabled === 'boolean') properties.disableBgpRoutePropagation = !values.bgp_route_propagation_enabled;
  return properties;
}

function tfNsgProperties(values: Json): Json {
  const rules = inlineItems(values.security_rule, tfRule);
  return rules ? { securityRules: rules } : {};
}

export const TF_SPECS: readonly TfSpec[] = [
  { kind: 'nsg', parent: 'azurerm_network_security_group', child: 'azurerm_network_security_rule', link: 'network_security_group_name', inline: 'security_rule', properties: tfNsgProperties, item: tfRule },
  { kind: 'routeTable', parent: 'azurerm_route_table', child: 'azurerm_route', link: 'route_table_name', inline: 'route', properties: tfRouteTableProperties, item: tfRoute },
];

/** A parent's body: the name, id and location it has (unknown until apply: absent), then type and properties. */
export function tfBody(values: Json, type: string, properties: Json): Json {
  const identity: Json = {};
  for (const field of ['name', 'id', 'location']) if (typeof values[field] === 'string') identity[field] = values[field];
  return armBody(identity, type, properties);
}
