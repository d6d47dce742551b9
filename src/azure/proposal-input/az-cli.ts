import { isRecord, type Json } from './json.js';
import { KINDS, type Kind } from './kinds.js';

/** ARM REST nests a resource's fields under `properties`; az flattens them (and adds `resourceGroup`). */
export function isFlattened(resource: Json): boolean {
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

/** az's NSG (route table) -> ARM REST's body, its rules (routes) nested too. */
export function nestAzResource(resource: Json, kind: Kind): Json {
  const body = nest(resource);
  const properties = body.properties as Json;
  for (const field of kind === 'nsg' ? ['securityRules', 'defaultSecurityRules'] : ['routes']) {
    const items = properties[field];
    if (Array.isArray(items)) properties[field] = items.map((item: unknown) => (isRecord(item) && !isRecord(item.properties) ? nest(item) : item));
  }
  return { ...body, type: body.type ?? KINDS[kind].type };
}
