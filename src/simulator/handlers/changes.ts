import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { locationKey, resourceTypeOf } from './path.js';
import type { SimulatorState } from './state.js';
import type { ArmResource } from '../world.js';
import { subscriptionInPath } from '../../model/ids.js';

/**
 * Resource Graph's `resourcechanges` table: the world's `resourceChanges` rows, to which every ARM write
 * through the control API (`PUT /_simulator/resource`) adds one, as Azure records a write. Rows show
 * `resourceChangesLagSeconds` (a world key, default 0) after their timestamp, as Azure's arrive within
 * about five minutes.
 *
 * Understood: the query src/azure/resource-changes.ts sends, Microsoft's documented shape narrowed to
 * resource IDs and a start time:
 *
 *   resourcechanges
 *   | extend changeTime = todatetime(properties.changeAttributes.timestamp), targetResourceId = tolower(tostring(properties.targetResourceId))
 *   | where changeTime > datetime(<ISO time>) and targetResourceId in ('<id>', ...)
 *   | order by changeTime desc
 */

type Json = Record<string, unknown>;

const CHANGES_QUERY =
  /^resourcechanges \| extend changeTime = todatetime\(properties\.changeAttributes\.timestamp\), targetResourceId = tolower\(tostring\(properties\.targetResourceId\)\) \| where changeTime > datetime\(([^)]+)\) and targetResourceId in \(((?:'[^']*'(?:, *'[^']*')*)?)\) \| order by changeTime desc$/i;

export interface ChangesQuery {
  since: number;
  ids: Set<string>;
}

/** The parsed query, or undefined when it is not a `resourcechanges` query of that shape. */
export function parseChangesQuery(query: string): ChangesQuery | undefined {
  const match = CHANGES_QUERY.exec(query.replace(/\s+/g, ' ').trim());
  if (!match) return undefined;
  const since = Date.parse(match[1]!);
  if (Number.isNaN(since)) return undefined;
  return { since, ids: new Set([...match[2]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!.toLowerCase())) };
}

const attributesOf = (row: Json): Json => ((row.properties as Json | undefined)?.changeAttributes as Json | undefined) ?? {};
const timeOf = (row: Json): number => Date.parse(String(attributesOf(row).timestamp));
const targetOf = (row: Json): string => String((row.properties as Json | undefined)?.targetResourceId ?? '');

/** The rows the query selects among those visible now in `scope` (lower-cased subscription IDs), newest first, with the extended columns. */
export function changeRows(state: SimulatorState, query: ChangesQuery, scope: ReadonlySet<string>): Json[] {
  const lagMs = Number(state.world.resourceChangesLagSeconds ?? 0) * 1000;
  const visibleUntil = Date.now() - lagMs;
  const rows = ((state.world.resourceChanges ?? []) as Json[]).filter((row) => {
    const at = timeOf(row);
    const target = targetOf(row).toLowerCase();
    return at > query.since && at <= visibleUntil && query.ids.has(target) && scope.has(subscriptionInPath(target)?.toLowerCase() ?? '');
  });
  rows.sort((a, b) => timeOf(b) - timeOf(a));
  return rows.map((row) => ({ ...row, changeTime: new Date(timeOf(row)).toISOString(), targetResourceId: targetOf(row).toLowerCase() }));
}

/** Who a control-API write is recorded as: headers `x-simulator-changed-by`, `-changed-by-type`, `-client-type`. */
export interface ChangeActor {
  changedBy?: string;
  changedByType?: string;
  clientType?: string;
}

/** A leaf value as Azure writes it in `changes`: a string, `True`/`False`, and `null` for none. */
function leafText(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every leaf of `value` by its path: objects by `.key`, arrays by `[index]`; an empty object or array is a leaf. */
function leaves(value: unknown, path: string, into: Map<string, unknown>): Map<string, unknown> {
  const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : value && typeof value === 'object' ? Object.entries(value).map(([key, item]) => [`.${key}`, item] as const) : [];
  if (entries.length === 0) into.set(path, value);
  for (const [step, item] of entries) leaves(item, `${path}${step}`, into);
  return into;
}

/**
 * The leaves that differ, keyed as Azure keys `changes`: by leaf property path, array elements by index
 * (`properties.securityRules[3].properties.access`, `tags.key1`), with ARM's `previousValue`/`newValue` as
 * strings and the kind of change. Arrays are compared index by index, so an element inserted before others
 * shows as every later element's leaves changing. The shape: Microsoft's "Get resource configuration changes"
 * (`properties.provisioningState`, `tags.key1`) and a published `az graph query` of a Container Apps write
 * (`properties.configuration.ingress.customDomains[0].certificateId`); see src/azure/resource-change-paths.ts.
 */
function changedProperties(before: ArmResource, after: ArmResource): Json {
  const changes: Json = {};
  for (const section of ['properties', 'tags'] as const) {
    const was = leaves(before[section] ?? {}, section, new Map());
    const is = leaves(after[section] ?? {}, section, new Map());
    // An empty array or object on one side, elements on the other: the elements' leaves say it all.
    const filled = (side: Map<string, unknown>, path: string) => [...side.keys()].some((key) => key.startsWith(`${path}.`) || key.startsWith(`${path}[`));
    for (const path of new Set([...was.keys(), ...is.keys()])) {
      if (isDeepStrictEqual(was.get(path), is.get(path))) continue;
      if ((!is.has(path) && filled(is, path)) || (!was.has(path) && filled(was, path))) continue;
      const propertyChangeType = !was.has(path) ? 'Insert' : !is.has(path) ? 'Remove' : 'Update';
      changes[path] = { newValue: leafText(is.get(path)), previousValue: leafText(was.get(path)), changeCategory: 'User', propertyChangeType };
    }
  }
  return changes;
}

/**
 * The `resourcechanges` row Azure records for a write of `after` over `before` (undefined: a create) at `at`.
 * `guids` gives the record's GUIDs (a world built the same way twice is the same world); random by default.
 */
export function changeRowFor(before: ArmResource | undefined, after: ArmResource, actor: ChangeActor, tenantId: string, at: Date, guids: { name: string; correlationId: string } = { name: randomUUID(), correlationId: randomUUID() }): Json {
  const type = ((typeof after.type === 'string' ? after.type : resourceTypeOf(after.id)) ?? '').toLowerCase();
  // ARM's change names: 20 digits and a GUID.
  const name = `${String(at.getTime()).padStart(20, '0')}_${guids.name}`;
  const changes = before ? changedProperties(before, after) : {};
  return {
    id: `${after.id}/providers/Microsoft.Resources/changes/${name}`,
    name,
    type: 'microsoft.resources/changes',
    tenantId,
    location: typeof after.location === 'string' ? locationKey(after.location) : '',
    resourceGroup: (/\/resourcegroups\/([^/]+)/i.exec(after.id)?.[1] ?? '').toLowerCase(),
    subscriptionId: subscriptionInPath(after.id) ?? '',
    properties: {
      targetResourceId: after.id,
      targetResourceType: type,
      changeType: before ? 'Update' : 'Create',
      changeAttributes: {
        correlationId: guids.correlationId,
        changedByType: actor.changedByType ?? 'Unknown',
        changesCount: Object.keys(changes).length,
        clientType: actor.clientType ?? 'Unknown',
        changedBy: actor.changedBy ?? 'Unknown',
        operation: `${type}/write`,
        timestamp: at.toISOString().replace('Z', '+00:00'),
      },
      changes,
    },
  };
}
