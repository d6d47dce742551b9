import { ERROR_CODES, UserError } from '../errors.js';
import { isTemplateExpression } from '../model/template-expression.js';

/**
 * Finds every NSG and route table in a document a network team hands to `whatif` (an ARM REST body or
 * list, `az` output, an ARM template with nested deployments, `terraform show -json` output) and returns
 * each in the ARM REST shape that `normaliseNsg` / `normaliseRouteTable` read. Pure: it receives parsed
 * JSON and does no I/O. Values it cannot know (ARM expressions, Terraform values unknown until apply) are
 * kept as written or left absent: the normaliser and the analysis say what they mean.
 *
 * Separate rules and routes (`azurerm_network_security_rule`, `azurerm_route`, ARM child resources
 * `.../securityRules`, `.../routes`) are added to their NSG or route table when it can be matched. When it
 * cannot (it is not in the document, or its name is not known), the rules are NOT dropped and this does NOT
 * throw: those with the same parent are judged together as an NSG (route table) of their own, and a note
 * says so.
 */

export type ProposalFormat = 'arm-rest' | 'az-cli' | 'arm-template' | 'terraform-plan' | 'terraform-show';

export interface FoundResource {
  kind: 'nsg' | 'routeTable';
  /** The resource's name as written (may be an ARM expression such as "[parameters('nsgName')]"). */
  name: string;
  /** Where in the file, for messages: e.g. `module.network.azurerm_network_security_group.apim`, or `resources[3] (deployment "nsg-deployment") > resources[0]`, or `resources.nsg` for symbolic names. */
  where: string;
  /** ARM REST shape: { name, id?, location?, type, properties: { securityRules | routes, ... } }, ready for normaliseNsg / normaliseRouteTable. */
  body: Record<string, unknown>;
}

export interface ProposalContents {
  format: ProposalFormat;
  nsgs: FoundResource[];
  routeTables: FoundResource[];
  /** What the user should know that is not an error, e.g. a rule whose NSG is not in the document. */
  notes: string[];
}

export class ProposalInputError extends UserError {
  override name = 'ProposalInputError';
  constructor(message: string) {
    super(ERROR_CODES.PROPOSAL_INPUT, message);
  }
}

type Json = Record<string, unknown>;
type Kind = FoundResource['kind'];

const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
const ROUTE_TABLE_TYPE = 'Microsoft.Network/routeTables';
const DEPLOYMENT_TYPE = 'microsoft.resources/deployments';

/** Per kind: its ARM type, the property its children go in, and words for messages. */
const KINDS = {
  nsg: { type: NSG_TYPE, field: 'securityRules', childType: 'securityrules', label: 'NSG', article: 'an', child: 'security rule' },
  routeTable: { type: ROUTE_TABLE_TYPE, field: 'routes', childType: 'routes', label: 'route table', article: 'a', child: 'route' },
} as const;

const EXPECTED = 'an NSG or route table (an ARM template, `terraform show -json` output, `az network nsg show` output or an ARM REST body)';

// ---------------------------------------------------------------------------------------------------------
// Small helpers

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (isRecord(value)) return Object.keys(value).length === 0 ? 'an empty JSON object' : 'a JSON object';
  if (typeof value === 'string') return `a string (${shown(JSON.stringify(value))})`;
  return `a ${typeof value} (${shown(String(value))})`;
}

/** Text from the document, made safe for a one-line message. */
function shown(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** At most five, then how many more: messages stay one readable line. */
function listed(items: readonly string[], max = 5): string {
  const distinct = [...new Set(items)];
  const head = distinct.slice(0, max).map((item) => shown(item, 60)).join(', ');
  return distinct.length > max ? `${head} and ${distinct.length - max} more` : head;
}

function nameOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

function sameName(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
}

function refuse(file: string, message: string): ProposalInputError {
  return new ProposalInputError(`${file}: ${message}`.replace(/\s*[\r\n]+\s*/g, ' '));
}

/** What a document holds so far; resources are added in document order. */
class Collected {
  readonly nsgs: FoundResource[] = [];
  readonly routeTables: FoundResource[] = [];
  readonly notes: string[] = [];

  add(resource: FoundResource): void {
    (resource.kind === 'nsg' ? this.nsgs : this.routeTables).push(resource);
  }

  get empty(): boolean {
    return this.nsgs.length === 0 && this.routeTables.length === 0;
  }

  contents(format: ProposalFormat): ProposalContents {
    return { format, nsgs: this.nsgs, routeTables: this.routeTables, notes: this.notes };
  }
}

/** Adds a rule (route) to its parent's body, which this module built, so the input is never changed. */
function appendChild(parent: FoundResource, item: unknown, notes: string[], childWhere: string): void {
  const properties = parent.body.properties as Json;
  const field = KINDS[parent.kind].field;
  const current = properties[field];
  if (current === undefined || Array.isArray(current)) {
    properties[field] = [...(current ?? []), item];
  } else {
    notes.push(`${childWhere}: not added to ${KINDS[parent.kind].label} "${shown(parent.name)}" (${parent.where}), whose ${field} is ${shown(nameOf(current))}, not a list`);
  }
}

/** A separate rule (route) whose parent is not in the document, or cannot be told. */
interface Orphan {
  kind: Kind;
  /** The parent's name as the child gives it, when it does. */
  parent: string | undefined;
  /** Children with the same key are judged together. */
  key: string;
  item: Json;
  where: string;
  why: string;
}

/** Judges orphans as NSGs (route tables) of their own, one per parent, so that no rule is dropped silently. */
function addOrphans(orphans: Orphan[], out: Collected): void {
  const groups = new Map<string, Orphan[]>();
  for (const orphan of orphans) {
    const key = `${orphan.kind}|${orphan.key.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), orphan]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const kind = KINDS[first.kind];
    const where = group.map((orphan) => orphan.where).join(', ');
    const body: Json = first.parent === undefined ? {} : { name: first.parent };
    body.type = kind.type;
    body.properties = { [kind.field]: group.map((orphan) => orphan.item) };
    out.add({ kind: first.kind, name: first.parent ?? `(${kind.label} of ${group[0]!.where})`, where, body });
    out.notes.push(`${where}: ${first.why}; judged as ${kind.article} ${kind.label} of its own`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// ARM REST bodies and az CLI output

type Shape = Kind | 'rule' | 'route';

/** What a REST / az object is: by its `type`, or by its fields when it has none (hand-written JSON). */
function shapeOf(value: unknown): Shape | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.type === 'string') {
    const type = value.type.toLowerCase();
    if (type === NSG_TYPE.toLowerCase()) return 'nsg';
    if (type === ROUTE_TABLE_TYPE.toLowerCase()) return 'routeTable';
    if (type.startsWith(`${NSG_TYPE.toLowerCase()}/`)) return 'rule';
    if (type === `${ROUTE_TABLE_TYPE.toLowerCase()}/routes`) return 'route';
    return undefined;
  }
  const fields = isRecord(value.properties) ? value.properties : value;
  if ('securityRules' in fields || 'defaultSecurityRules' in fields) return 'nsg';
  if (Array.isArray(fields.routes)) return 'routeTable';
  if ('priority' in fields && 'direction' in fields && 'access' in fields) return 'rule';
  if ('nextHopType' in fields && 'addressPrefix' in fields) return 'route';
  return undefined;
}

/** ARM REST nests a resource's fields under `properties`; az flattens them (and adds `resourceGroup`). */
function isFlattened(resource: Json): boolean {
  return !isRecord(resource.properties);
}

const TOP_LEVEL_FIELDS = new Set(['name', 'id', 'etag', 'type', 'location', 'tags']);

/** az's flattened object -> ARM REST's nesting (`resourceGroup` is az's own addition and is dropped). */
function nest(flat: Json): Json {
  const top: Json = {};
  const properties: Json = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key !== 'resourceGroup') (TOP_LEVEL_FIELDS.has(key) ? top : properties)[key] = value;
  }
  return { ...top, properties };
}

function restBody(resource: Json, kind: Kind): Json {
  if (!isFlattened(resource)) return { ...resource, type: resource.type ?? KINDS[kind].type };
  const body = nest(resource);
  const properties = body.properties as Json;
  for (const field of kind === 'nsg' ? ['securityRules', 'defaultSecurityRules'] : ['routes']) {
    const items = properties[field];
    if (Array.isArray(items)) properties[field] = items.map((item: unknown) => (isRecord(item) && !isRecord(item.properties) ? nest(item) : item));
  }
  return { ...body, type: body.type ?? KINDS[kind].type };
}

function restResource(resource: Json, kind: Kind, where: string): FoundResource {
  return { kind, name: nameOf(resource.name), where, body: restBody(resource, kind) };
}

function formatOf(resources: Json[]): ProposalFormat {
  return resources.every(isFlattened) ? 'az-cli' : 'arm-rest';
}

/** What an array item that is no NSG is, for messages: its ARM type, or its JSON kind. */
function itemKind(item: unknown): string {
  if (isRecord(item)) return typeof item.type === 'string' ? item.type : 'objects without a type';
  if (Array.isArray(item)) return 'arrays';
  return item === null ? 'nulls' : `${typeof item}s`;
}

/** A list of rules (routes) alone is what `az network nsg rule list` prints: it says nothing about the NSG. */
function refuseChildren(file: string, shape: 'rule' | 'route', count: number, single: string | undefined): ProposalInputError {
  const [what, list, show] = shape === 'rule'
    ? ['security rule', 'az network nsg rule list', 'az network nsg show --resource-group RG --name NSG']
    : ['route', 'az network route-table route list', 'az network route-table show --resource-group RG --name TABLE'];
  const found = single !== undefined ? `a single ${what} ("${shown(single)}")` : `a list of ${count} ${what}s (what \`${list}\` prints)`;
  const parent = shape === 'rule' ? 'an NSG' : 'a route table';
  return refuse(file, `expected ${EXPECTED}, found ${found}, not ${parent}; pass \`${show}\` output, which holds the ${what}s with their ${shape === 'rule' ? 'NSG' : 'table'}`);
}

/** An az array (`az network nsg list`), or the `value` of an ARM REST list. */
function readList(items: unknown[], at: (index: number) => string, file: string, container: string): ProposalContents {
  if (items.length === 0) throw refuse(file, `expected ${EXPECTED}, found ${container === '' ? 'an empty array' : `an empty list "${container}"`}; pass a file that holds the NSG`);
  const out = new Collected();
  const found: Json[] = [];
  const others: string[] = [];
  const shapes = items.map(shapeOf);
  items.forEach((item, index) => {
    const shape = shapes[index];
    if (isRecord(item) && (shape === 'nsg' || shape === 'routeTable')) {
      found.push(item);
      out.add(restResource(item, shape, at(index)));
    } else {
      others.push(itemKind(item));
    }
  });
  if (out.empty) {
    if (shapes.every((shape) => shape === 'rule')) throw refuseChildren(file, 'rule', items.length, undefined);
    if (shapes.every((shape) => shape === 'route')) throw refuseChildren(file, 'route', items.length, undefined);
    throw refuse(file, `expected ${EXPECTED}, found an array of ${items.length} items that are not NSGs or route tables (${listed(others)}); pass a file that holds the NSG`);
  }
  if (others.length > 0) out.notes.push(`${others.length} of the ${items.length} items${container === '' ? '' : ` of "${container}"`} are not NSGs or route tables (${listed(others)}) and were not read`);
  return out.contents(formatOf(found));
}

/** A single NSG / route table, or a list or example file around it; undefined when it is none of these. */
function readRest(json: Json, file: string): ProposalContents | undefined {
  // An Azure REST API example file: the resource is the body of its 200 (or 201) response.
  const status = isRecord(json.responses) ? ['200', '201'].find((code) => isRecord((json.responses as Json)[code])) : undefined;
  const example = status === undefined ? undefined : ((json.responses as Json)[status] as Json).body;
  if (isRecord(example)) {
    const inner = readRest(example, file);
    if (inner) for (const resource of [...inner.nsgs, ...inner.routeTables]) resource.where = `responses.${status}.body${resource.where === '(top level)' ? '' : ` > ${resource.where}`}`;
    return inner;
  }
  if (Array.isArray(json.value)) return readList(json.value, (index) => `value[${index}]`, file, 'value');
  // `az network nsg create` wraps the new NSG.
  if (isRecord(json.NewNSG) && Object.keys(json).length === 1) {
    const inner = readRest(json.NewNSG, file);
    if (inner) for (const resource of inner.nsgs) resource.where = 'NewNSG';
    return inner;
  }
  const shape = shapeOf(json);
  if (shape === 'rule' || shape === 'route') throw refuseChildren(file, shape, 1, nameOf(json.name));
  if (shape === undefined) return undefined;
  const out = new Collected();
  out.add(restResource(json, shape, '(top level)'));
  return out.contents(formatOf([json]));
}

// ---------------------------------------------------------------------------------------------------------
// ARM templates (compiled Bicep too)

/** An ARM template's `resources`: an array, or (languageVersion 2.0) an object keyed by symbolic name. */
function templateEntries(resources: unknown): Array<{ at: string; resource: Json }> {
  if (Array.isArray(resources)) return resources.flatMap((resource: unknown, index) => (isRecord(resource) ? [{ at: `resources[${index}]`, resource }] : []));
  if (isRecord(resources)) return Object.entries(resources).flatMap(([symbol, resource]) => (isRecord(resource) ? [{ at: `resources.${symbol}`, resource }] : []));
  return [];
}

/** The top-level arguments of an ARM function call's argument text, split at commas outside quotes and brackets. */
function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === "'") quoted = !quoted; // `''` inside a string toggles twice: still quoted
    else if (!quoted && (char === '(' || char === '[')) depth++;
    else if (!quoted && (char === ')' || char === ']')) depth--;
    else if (!quoted && depth === 0 && char === ',') {
      args.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  args.push(text.slice(start).trim());
  return args;
}

/** An argument as a name: a string literal's text, else the expression in brackets, as a resource name would be written. */
function argumentName(arg: string): string {
  return /^'([^']|'')*'$/.test(arg) ? arg.slice(1, -1).replace(/''/g, "'") : `[${arg}]`;
}

/**
 * A child resource's name split into its parent's and its own: `nsg/rule`, and the forms Bicep and
 * hand-written templates use, `[format('{0}/{1}', parent, 'rule')]` and `[concat(parent, '/rule')]`.
 */
function splitChildName(name: unknown): { parent: string; own: string } | undefined {
  if (typeof name !== 'string') return undefined;
  const text = name.trim();
  if (!isTemplateExpression(text)) {
    const slash = text.lastIndexOf('/');
    return slash > 0 ? { parent: text.slice(0, slash), own: text.slice(slash + 1) } : undefined;
  }
  const call = /^\[\s*(format|concat)\s*\((.*)\)\s*\]$/is.exec(text);
  if (!call) return undefined;
  const args = splitArguments(call[2]!);
  if (call[1]!.toLowerCase() === 'format' && args.length === 3 && /^'\{0\}\/\{1\}'$/.test(args[0]!)) {
    return { parent: argumentName(args[1]!), own: argumentName(args[2]!) };
  }
  if (call[1]!.toLowerCase() === 'concat') {
    if (args.length === 3 && args[1] === "'/'") return { parent: argumentName(args[0]!), own: argumentName(args[2]!) };
    if (args.length === 2 && /^'\/[^']*'$/.test(args[1]!)) return { parent: argumentName(args[0]!), own: args[1]!.slice(2, -1) };
  }
  return undefined;
}

/** The kind of parent a template resource type is, or the kind whose child it is. */
function templateShape(type: string): Shape | undefined {
  const lower = type.toLowerCase();
  if (lower === NSG_TYPE.toLowerCase()) return 'nsg';
  if (lower === ROUTE_TABLE_TYPE.toLowerCase()) return 'routeTable';
  if (lower === `${NSG_TYPE.toLowerCase()}/securityrules`) return 'rule';
  if (lower === `${ROUTE_TABLE_TYPE.toLowerCase()}/routes`) return 'route';
  return undefined;
}

/** A child rule (route) resource as an item of its parent's `securityRules` (`routes`). */
function childItem(child: Json): Json {
  const split = splitChildName(child.name);
  const own = split?.own ?? nameOf(child.name).split('/').pop() ?? '';
  return { name: own, properties: isRecord(child.properties) ? child.properties : {} };
}

/** What a user should know about how a template declares a resource, though it is no error. */
function templateNotes(resource: Json, label: string, where: string, notes: string[]): void {
  const about = `${where}: ${label} "${shown(nameOf(resource.name))}"`;
  if (resource.copy !== undefined) notes.push(`${about} is declared with a copy loop; judged as one copy`);
  if (resource.condition !== undefined && resource.condition !== true) notes.push(`${about} is deployed only when ${shown(nameOf(resource.condition))}`);
  if (resource.properties !== undefined && !isRecord(resource.properties)) notes.push(`${about} has properties ${shown(nameOf(resource.properties))}, which cannot be evaluated here; judged without them`);
  if (isRecord(resource.properties) && Array.isArray(resource.properties.copy)) notes.push(`${about} builds properties with a copy loop, which cannot be evaluated here; judged without them`);
}

/** An NSG / route table declared in a template, with any child rules (routes) nested in its own `resources`. */
function templateParent(resource: Json, kind: Kind, where: string, out: Collected): FoundResource | undefined {
  const label = KINDS[kind].label;
  if (resource.existing === true) {
    out.notes.push(`${where}: ${label} "${shown(nameOf(resource.name))}" is an existing resource the template refers to, not one it deploys; not judged`);
    return undefined;
  }
  templateNotes(resource, label, where, out.notes);
  const body: Json = { name: resource.name };
  if (resource.location !== undefined) body.location = resource.location;
  body.type = resource.type;
  body.properties = isRecord(resource.properties) ? { ...resource.properties } : {};
  const found: FoundResource = { kind, name: nameOf(resource.name), where, body };
  out.add(found);
  for (const { at, resource: child } of templateEntries(resource.resources)) {
    const type = nameOf(child.type).toLowerCase();
    if (type === KINDS[kind].childType || templateShape(type) === (kind === 'nsg' ? 'rule' : 'route')) {
      templateNotes(child, KINDS[kind].child, `${where} > ${at}`, out.notes);
      appendChild(found, childItem(child), out.notes, `${where} > ${at}`);
    }
  }
  return found;
}

/** Separate child resources go to the one parent of the same template whose name matches; the rest are orphans. */
function attachTemplateChildren(parents: FoundResource[], children: Array<{ kind: Kind; resource: Json; where: string }>, out: Collected): void {
  const orphans: Orphan[] = [];
  for (const { kind, resource, where } of children) {
    const split = splitChildName(resource.name);
    const matches = split ? parents.filter((parent) => parent.kind === kind && sameName(parent.body.name, split.parent)) : [];
    if (matches.length === 1) {
      appendChild(matches[0]!, childItem(resource), out.notes, where);
      continue;
    }
    const label = KINDS[kind].label;
    const why = !split
      ? `the ${KINDS[kind].child} "${shown(nameOf(resource.name))}" does not say its ${label} in a form that can be read`
      : `the ${KINDS[kind].child} "${shown(split.own)}" belongs to ${label} "${shown(split.parent)}", which ${matches.length > 1 ? 'matches several resources' : 'is not deployed'} in the same template`;
    orphans.push({ kind, parent: split?.parent, key: split?.parent ?? where, item: childItem(resource), where, why });
  }
  addOrphans(orphans, out);
}

/** One template (the file's, or a nested deployment's): its NSGs and route tables, then its nested deployments' in order. */
function scanTemplate(template: Json, prefix: string, out: Collected, types: string[]): void {
  const parents: FoundResource[] = [];
  const children: Array<{ kind: Kind; resource: Json; where: string }> = [];
  for (const { at, resource } of templateEntries(template.resources)) {
    const where = `${prefix}${at}`;
    const type = nameOf(resource.type);
    types.push(type);
    const shape = templateShape(type);
    if (shape === 'nsg' || shape === 'routeTable') {
      const parent = templateParent(resource, shape, where, out);
      if (parent) parents.push(parent);
    } else if (shape === 'rule' || shape === 'route') {
      templateNotes(resource, KINDS[shape === 'rule' ? 'nsg' : 'routeTable'].child, where, out.notes);
      children.push({ kind: shape === 'rule' ? 'nsg' : 'routeTable', resource, where });
    } else if (type.toLowerCase() === DEPLOYMENT_TYPE) {
      scanDeployment(resource, where, out, types);
    }
  }
  attachTemplateChildren(parents, children, out);
}

/** A nested deployment's inline template is scanned too; a linked one cannot be read here, which a note says. */
function scanDeployment(deployment: Json, where: string, out: Collected, types: string[]): void {
  const properties = isRecord(deployment.properties) ? deployment.properties : {};
  const name = shown(nameOf(deployment.name));
  if (isRecord(properties.template)) scanTemplate(properties.template, `${where} (deployment "${name}") > `, out, types);
  else if (properties.templateLink !== undefined) out.notes.push(`${where}: deployment "${name}" links to a template elsewhere, which is not read; pass that template too if it holds an NSG`);
}

function isArmTemplate(json: Json): boolean {
  const schema = typeof json.$schema === 'string' ? json.$schema.toLowerCase() : '';
  return schema.includes('deploymenttemplate') || ('resources' in json && 'contentVersion' in json);
}

function readArmTemplate(template: Json, file: string): ProposalContents {
  const out = new Collected();
  const types: string[] = [];
  scanTemplate(template, '', out, types);
  if (out.empty) {
    const held = types.filter((type) => type !== '');
    const found = held.length === 0 ? 'no resources' : `only ${listed(held)}`;
    throw refuse(file, `expected ${NSG_TYPE} or ${ROUTE_TABLE_TYPE} in this ARM template, found ${found}; pass the template that declares the NSG`);
  }
  return out.contents('arm-template');
}

// ---------------------------------------------------------------------------------------------------------
// Terraform: `terraform show -json PLANFILE` and `terraform show -json` (state)

interface TfResource {
  address: string;
  type: string;
  values: Json;
}

/** A module's managed resources, then its child modules', as Terraform lists them. Data sources read what exists: not proposed. */
function tfResources(module: unknown): TfResource[] {
  if (!isRecord(module)) return [];
  const own = (Array.isArray(module.resources) ? module.resources : []).flatMap((resource: unknown) =>
    isRecord(resource) && typeof resource.address === 'string' && typeof resource.type === 'string' && resource.mode !== 'data'
      ? [{ address: resource.address, type: resource.type, values: isRecord(resource.values) ? resource.values : {} }]
      : [],
  );
  const children = (Array.isArray(module.child_modules) ? module.child_modules : []).flatMap(tfResources);
  return [...own, ...children];
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

function tfRule(values: Json): Json {
  const properties = renamed(values, TF_RULE_FIELDS);
  for (const side of ['source', 'destination']) {
    const ids = values[`${side}_application_security_group_ids`];
    if (Array.isArray(ids) && ids.length > 0) properties[`${side}ApplicationSecurityGroups`] = ids.map((id: unknown) => ({ id }));
  }
  return values.name === undefined ? { properties } : { name: values.name, properties };
}

function tfRoute(values: Json): Json {
  const properties = renamed(values, TF_ROUTE_FIELDS);
  return values.name === undefined ? { properties } : { name: values.name, properties };
}

function inlineItems(values: unknown, convert: (values: Json) => Json): unknown[] | undefined {
  return Array.isArray(values) ? values.map((item: unknown) => (isRecord(item) ? convert(item) : item)) : undefined;
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

/** How each parent resource and its separate child resource are written in azurerm. */
interface TfSpec {
  kind: Kind;
  parent: string;
  child: string;
  /** The child's field holding its parent's name. */
  link: string;
  inline: string;
  properties: (values: Json) => Json;
  item: (values: Json) => Json;
}

const TF_SPECS: readonly TfSpec[] = [
  { kind: 'nsg', parent: 'azurerm_network_security_group', child: 'azurerm_network_security_rule', link: 'network_security_group_name', inline: 'security_rule', properties: tfNsgProperties, item: tfRule },
  { kind: 'routeTable', parent: 'azurerm_route_table', child: 'azurerm_route', link: 'route_table_name', inline: 'route', properties: tfRouteTableProperties, item: tfRoute },
];

function tfBody(values: Json, type: string, properties: Json): Json {
  const body: Json = {};
  for (const field of ['name', 'id', 'location']) if (typeof values[field] === 'string') body[field] = values[field];
  body.type = type;
  body.properties = properties;
  return body;
}

const MODULE_STEP = /^module\.([^.[]+)(?:\[(?:"[^"]*"|[^\]"])*\])?\./;

/** `module.a["x"].module.b.azurerm_x.y[0]` -> the module calls (a, b), the module instance prefix, and `azurerm_x.y[0]`. */
function splitAddress(address: string): { calls: string[]; prefix: string; local: string } {
  const calls: string[] = [];
  let rest = address;
  for (let step = MODULE_STEP.exec(rest); step; step = MODULE_STEP.exec(rest)) {
    calls.push(step[1]!);
    rest = rest.slice(step[0].length);
  }
  return { calls, prefix: address.slice(0, address.length - rest.length), local: rest };
}

function withoutIndex(address: string): string {
  return address.replace(/\[(?:"[^"]*"|[^\]"])*\]$/, '');
}

/**
 * When a child's parent name is unknown until apply, the plan's `configuration` still says which resource
 * the expression refers to: the address of that parent, in the child's module instance.
 */
function configuredParent(configuration: unknown, child: TfResource, spec: TfSpec): string | undefined {
  const { calls, prefix, local } = splitAddress(child.address);
  let module: unknown = isRecord(configuration) ? configuration.root_module : undefined;
  for (const call of calls) {
    const moduleCall = isRecord(module) && isRecord(module.module_calls) ? module.module_calls[call] : undefined;
    module = isRecord(moduleCall) ? moduleCall.module : undefined;
  }
  const resources: unknown[] = isRecord(module) && Array.isArray(module.resources) ? module.resources : [];
  const config = resources.find((resource) => isRecord(resource) && resource.address === withoutIndex(local));
  const expression = isRecord(config) && isRecord(config.expressions) ? config.expressions[spec.link] : undefined;
  const references: unknown[] = isRecord(expression) && Array.isArray(expression.references) ? expression.references : [];
  const pattern = new RegExp(`^${spec.parent}\\.[^.[]+(?:\\[[^\\]]*\\])?`);
  for (const reference of references) {
    const match = typeof reference === 'string' ? pattern.exec(reference) : null;
    if (match) return `${prefix}${match[0]}`;
  }
  return undefined;
}

/** The parents a separate child belongs to: by name and resource group, else by the configuration's reference. */
function tfParentsOf(child: TfResource, parents: Array<{ found: FoundResource; values: Json; address: string }>, spec: TfSpec, configuration: unknown) {
  const name = child.values[spec.link];
  const group = child.values.resource_group_name;
  if (typeof name === 'string') {
    const named = parents.filter((parent) => sameName(parent.values.name, name));
    const grouped = named.filter((parent) => typeof group !== 'string' || typeof parent.values.resource_group_name !== 'string' || sameName(parent.values.resource_group_name, group));
    if (grouped.length > 0) return grouped;
  }
  const address = configuredParent(configuration, child, spec);
  return address === undefined ? [] : parents.filter((parent) => parent.address === address || withoutIndex(parent.address) === address);
}

/** One azurerm parent type and its separate child type: parents in plan order, children joined to them. */
function readTfKind(spec: TfSpec, resources: TfResource[], configuration: unknown, document: string, out: Collected): void {
  const parents = resources
    .filter((resource) => resource.type === spec.parent)
    .map((resource) => {
      const values = resource.values;
      const found: FoundResource = { kind: spec.kind, name: typeof values.name === 'string' ? values.name : resource.address, where: resource.address, body: tfBody(values, KINDS[spec.kind].type, spec.properties(values)) };
      if (typeof values.name !== 'string') out.notes.push(`${resource.address}: the ${KINDS[spec.kind].label}'s name is not known until apply`);
      out.add(found);
      return { found, values, address: resource.address };
    });
  const mixed = new Set<string>();
  const orphans: Orphan[] = [];
  for (const child of resources.filter((resource) => resource.type === spec.child)) {
    const matches = tfParentsOf(child, parents, spec, configuration);
    if (matches.length === 1) {
      const parent = matches[0]!;
      if (Array.isArray(parent.values[spec.inline]) && (parent.values[spec.inline] as unknown[]).length > 0 && !mixed.has(parent.address)) {
        mixed.add(parent.address);
        out.notes.push(`${parent.address} has inline ${spec.inline} blocks and separate ${spec.child} resources; azurerm says not to mix them (each apply undoes the other); judged with both`);
      }
      appendChild(parent.found, spec.item(child.values), out.notes, child.address);
      continue;
    }
    const name = typeof child.values[spec.link] === 'string' ? (child.values[spec.link] as string) : undefined;
    const group = typeof child.values.resource_group_name === 'string' ? ` (resource group "${shown(child.values.resource_group_name)}")` : '';
    const label = KINDS[spec.kind].label;
    const why = name === undefined
      ? `its ${label}'s name is not known until apply and the plan's configuration does not tell which ${spec.parent} it is`
      : `refers to ${label} "${shown(name)}"${group}, which ${matches.length > 1 ? `matches ${matches.length} ${spec.parent} resources` : `is not in this ${document}`}`;
    orphans.push({ kind: spec.kind, parent: name, key: name === undefined ? child.address : `${name}|${nameOf(child.values.resource_group_name)}`, item: spec.item(child.values), where: child.address, why });
  }
  addOrphans(orphans, out);
}

/** A raw state file (`terraform.tfstate`): not what `terraform show -json` prints. */
function isTerraformStateFile(json: Json): boolean {
  return typeof json.version === 'number' && typeof json.terraform_version === 'string' && ('resources' in json || 'modules' in json);
}

function isTerraformJson(json: Json): boolean {
  return isRecord(json.planned_values) || (typeof json.format_version === 'string' && (isRecord(json.values) || typeof json.terraform_version === 'string'));
}

function readTerraform(json: Json, file: string): ProposalContents {
  const plan = isRecord(json.planned_values);
  const what = plan ? 'Terraform plan' : 'Terraform state (`terraform show -json`)';
  const root = plan ? (json.planned_values as Json).root_module : isRecord(json.values) ? json.values.root_module : undefined;
  const resources = tfResources(root);
  const out = new Collected();
  if (json.errored === true) out.notes.push('Terraform reported errors while planning: the plan may be incomplete');
  if (json.complete === false) out.notes.push('Terraform says the plan is incomplete (some changes are deferred): resources may be missing');
  for (const spec of TF_SPECS) readTfKind(spec, resources, json.configuration, plan ? 'plan' : 'state', out);
  if (out.empty) {
    const found = resources.length === 0 ? 'no resources' : `only ${listed(resources.map((resource) => resource.type))}`;
    throw refuse(file, `expected an azurerm_network_security_group or azurerm_route_table in this ${what}, found ${found}; pass the plan of the configuration that declares the NSG`);
  }
  return out.contents(plan ? 'terraform-plan' : 'terraform-show');
}

// ---------------------------------------------------------------------------------------------------------

/**
 * Every NSG and route table in `json` (already parsed from `file`, which is named only in messages), in
 * document order, as ARM REST bodies. Throws ProposalInputError, one line saying what was expected, what
 * was found and how to fix it, when the document holds neither.
 */
export function readProposalDocument(json: unknown, file: string): ProposalContents {
  if (Array.isArray(json)) return readList(json, (index) => `[${index}]`, file, '');
  if (!isRecord(json)) throw refuse(file, `expected ${EXPECTED}, found ${describe(json)}; pass the JSON file that declares the NSG`);
  if (isTerraformStateFile(json)) {
    throw refuse(file, `found a Terraform state file ("version": ${json.version}, terraform ${shown(nameOf(json.terraform_version))}), which whatif does not read; pass what \`terraform show -json PLANFILE\` prints for a plan (or \`terraform show -json\` for the current state)`);
  }
  if (isTerraformJson(json)) return readTerraform(json, file);
  if (typeof json.$schema === 'string' && json.$schema.toLowerCase().includes('deploymentparameters')) {
    throw refuse(file, `expected ${EXPECTED}, found an ARM deployment parameters file, which declares no resources; pass the template it goes with`);
  }
  if (isArmTemplate(json)) return readArmTemplate(json, file);
  const rest = readRest(json, file);
  if (rest) return rest;
  throw refuse(file, `expected ${EXPECTED}, found ${foundInstead(json)}, which holds no NSG and no route table; pass the file that declares the NSG`);
}

/** What an unrecognised object is: another resource (maybe in an example file), or just its keys. */
function foundInstead(json: Json): string {
  const responses = isRecord(json.responses) ? json.responses : {};
  const example = isRecord(responses['200']) ? responses['200'].body : undefined;
  if (isRecord(example) && typeof example.type === 'string') return `an ARM REST example of a ${shown(example.type)} ("${shown(nameOf(example.name))}")`;
  if (typeof json.type === 'string') return `a ${shown(json.type)} resource ("${shown(nameOf(json.name))}")`;
  const keys = Object.keys(json);
  return keys.length === 0 ? 'an empty JSON object' : `a JSON object with keys ${listed(keys)}`;
}
