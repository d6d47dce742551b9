import { isFlattened, nestAzResource } from './az-cli.js';
import { Collected } from './collected.js';
import { isRecord, nameOf, type Json } from './json.js';
import { KINDS, NSG_TYPE, typeShape, type Kind, type Shape } from './kinds.js';
import { EXPECTED, listed, refuse, shown } from './messages.js';
import type { FoundResource, ProposalContents, ProposalFormat, ProposalInputError, ProposalReader } from './types.js';

/**
 * ARM REST bodies (a resource, a `value` list, an Azure REST API example file) and az CLI output (the same,
 * flattened). One reader for both: a list may come from either, and the format is told from what it holds.
 */

/** What a REST / az object is: by its `type`, or by its fields when it has none (hand-written JSON). */
function shapeOf(value: unknown): Shape | undefined {
  if (!isRecord(value)) return undefined;
  if (typeof value.type === 'string') {
    // Any NSG child type (e.g. defaultSecurityRules) is a rule here, not only securityRules.
    return typeShape(value.type) ?? (value.type.toLowerCase().startsWith(`${NSG_TYPE.toLowerCase()}/`) ? 'rule' : undefined);
  }
  const fields = isRecord(value.properties) ? value.properties : value;
  if ('securityRules' in fields || 'defaultSecurityRules' in fields) return 'nsg';
  if (Array.isArray(fields.routes)) return 'routeTable';
  if ('priority' in fields && 'direction' in fields && 'access' in fields) return 'rule';
  if ('nextHopType' in fields && 'addressPrefix' in fields) return 'route';
  return undefined;
}

function restResource(resource: Json, kind: Kind, where: string): FoundResource {
  const body = isFlattened(resource) ? nestAzResource(resource, kind) : { ...resource, type: resource.type ?? KINDS[kind].type };
  return { kind, name: nameOf(resource.name), where, body };
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

/** ARM REST or az output: a top-level array is a list of resources; an object, one resource or a wrapper around some. */
export const readRestDocument: ProposalReader = (json, file) => {
  if (Array.isArray(json)) return readList(json, (index) => `[${index}]`, file, '');
  return isRecord(json) ? readRest(json, file) : undefined;
};
