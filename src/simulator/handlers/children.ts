import { randomUUID } from 'node:crypto';
import type { ArmResource } from '../world.js';
import { idKey, resourceTypeOf } from './path.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Child resources ARM keeps inside their parent's body, by parent type (lower-cased): each collection is both
 * the child's ID segment and the parent's `properties` key (azure-rest-api-specs, network:
 * `VirtualNetworkPropertiesFormat.subnets` / `.virtualNetworkPeerings`, `SecurityGroupPropertiesFormat.securityRules`,
 * `RouteTablePropertiesFormat.routes`). On Azure a PUT of the child changes the parent's GET, and a PUT of the
 * parent with the collection replaces the children (those left out are deleted).
 */
export const EMBEDDED_COLLECTIONS: Readonly<Record<string, readonly string[]>> = {
  'microsoft.network/virtualnetworks': ['subnets', 'virtualNetworkPeerings'],
  'microsoft.network/networksecuritygroups': ['securityRules'],
  'microsoft.network/routetables': ['routes'],
};

const typeOf = (resource: ArmResource): string | undefined =>
  (typeof resource.type === 'string' ? resource.type : resourceTypeOf(resource.id))?.toLowerCase();

/** The parent's ID and the collection, when `id` names a child ARM keeps inside its parent's body. */
export function embeddedChildOf(id: string): { parentId: string; collection: string } | undefined {
  const segments = id.split('/').filter(Boolean);
  if (segments.length < 4) return undefined;
  const parentId = '/' + segments.slice(0, -2).join('/');
  const parentType = resourceTypeOf(parentId)?.toLowerCase();
  const wanted = segments.at(-2)!.toLowerCase();
  const collection = (parentType ? EMBEDDED_COLLECTIONS[parentType] : undefined)?.find((name) => name.toLowerCase() === wanted);
  return collection ? { parentId, collection } : undefined;
}

/** The parent's `properties` key holding `collection` (matched case-insensitively), if it holds an array. */
function arrayKey(properties: Json, collection: string): string | undefined {
  const key = Object.keys(properties).find((k) => k.toLowerCase() === collection.toLowerCase());
  return key !== undefined && Array.isArray(properties[key]) ? key : undefined;
}

/** Whether an embedded entry is the child `id` (by id, else by name, as the simulator's GET matches it). */
function isChild(entry: unknown, id: string): entry is Json {
  if (!isObject(entry)) return false;
  if (typeof entry.id === 'string') return idKey(entry.id) === idKey(id);
  return typeof entry.name === 'string' && entry.name.toLowerCase() === id.split('/').filter(Boolean).at(-1)!.toLowerCase();
}

/** A new weak etag, the shape the network specification's examples give (`W/"<guid>"`). */
const newEtag = (): string => `W/"${randomUUID()}"`;

/** `parent` with `child` in place of its embedded copy (or added), its etag renewed; and the copy it replaced. */
function withChild(parent: ArmResource, collection: string, child: ArmResource): { body: ArmResource; previous: ArmResource | undefined } {
  const properties: Json = isObject(parent.properties) ? { ...parent.properties } : {};
  const key = arrayKey(properties, collection) ?? collection;
  const items = Array.isArray(properties[key]) ? (properties[key] as unknown[]) : [];
  const at = items.findIndex((entry) => isChild(entry, child.id));
  properties[key] = at >= 0 ? items.map((entry, index) => (index === at ? child : entry)) : [...items, child];
  const body: ArmResource = { ...parent, properties };
  if (typeof parent.etag === 'string') body.etag = newEtag();
  return { body, previous: at >= 0 ? (items[at] as ArmResource) : undefined };
}

/**
 * The stored children of `parent` brought in step with its embedded collections: each takes its embedded body
 * (an entry that is only a reference, without `properties`, leaves it as it is), and one left out of a
 * collection the body holds is deleted, as a PUT of the parent deletes it on Azure.
 */
function childrenInStep(resources: ArmResource[], parent: ArmResource): ArmResource[] {
  const collections = EMBEDDED_COLLECTIONS[typeOf(parent) ?? ''];
  if (!collections || !isObject(parent.properties)) return resources;
  const properties = parent.properties;
  const depth = parent.id.split('/').filter(Boolean).length + 2;
  const arrays = new Map<string, unknown[]>();
  for (const collection of collections) {
    const key = arrayKey(properties, collection);
    if (key !== undefined) arrays.set(`${idKey(parent.id)}/${collection.toLowerCase()}/`, properties[key] as unknown[]);
  }
  if (arrays.size === 0) return resources;
  return resources.flatMap((resource) => {
    const key = idKey(resource.id);
    if (resource.id.split('/').filter(Boolean).length !== depth) return [resource];
    const items = [...arrays].find(([prefix]) => key.startsWith(prefix))?.[1];
    if (!items) return [resource];
    const entry = items.find((candidate) => isChild(candidate, resource.id));
    if (!entry) return [];
    return isObject(entry.properties) ? [{ ...entry, id: typeof entry.id === 'string' ? entry.id : resource.id } as ArmResource] : [resource];
  });
}

/**
 * The world's resources after an ARM write of `written`, and what it replaced (undefined: a create). A child
 * kept inside its parent (a subnet in its VNet) is written into the parent's body too, renewing the parent's
 * etag; it is stored as a resource of its own only if it was. A parent's write brings its stored children in
 * step. Resource Graph shows all of it together, after its lag (state.ts), as it indexes the parent's row.
 */
export function applyWrite(resources: readonly ArmResource[], written: ArmResource): { resources: ArmResource[]; before: ArmResource | undefined } {
  const key = idKey(written.id);
  const stored = resources.find((candidate) => idKey(candidate.id) === key);
  const child = embeddedChildOf(written.id);
  const parentKey = child ? idKey(child.parentId) : undefined;
  const parent = parentKey === undefined ? undefined : resources.find((candidate) => idKey(candidate.id) === parentKey);
  if (child && parent) {
    const { body, previous } = withChild(parent, child.collection, written);
    const next = resources.map((candidate) => (candidate === parent ? body : candidate === stored ? written : candidate));
    return { resources: next, before: stored ?? previous };
  }
  const next = stored ? resources.map((candidate) => (candidate === stored ? written : candidate)) : [...resources, written];
  return { resources: childrenInStep(next, written), before: stored };
}
