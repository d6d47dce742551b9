import type { ChangeAuthor, ChangeRecord } from '../model/config-change.js';
import { subscriptionInPath } from '../model/ids.js';
import { isObject } from './arm-response.js';
import type { ArmClients } from './clients.js';
import { writtenPathsOf } from './resource-change-paths.js';
import { quotable, RESOURCE_GRAPH_MAX_TOP, type GraphRow } from './resource-graph.js';

/**
 * Who changed a resource: Resource Graph's `resourcechanges` table (14 days of ARM writes, each with
 * `changedBy`, `clientType`, `operation` and the changed property paths; records arrive within about
 * five minutes). One query for every resource asked about; its shape is the one Microsoft documents
 * (`extend changeTime = todatetime(properties.changeAttributes.timestamp) ... | order by changeTime desc`),
 * which the simulator interprets.
 */

/** Resource IDs per query: the query text stays well within Resource Graph's limits. */
const IDS_PER_QUERY = 100;
/** Paths kept per record: enough to show what changed, never a whole NSG's worth. */
const PATHS_KEPT = 20;

export function resourceChangesQuery(resourceIds: readonly string[], since: Date): string {
  const ids = resourceIds.map((id) => `'${id.toLowerCase()}'`).join(', ');
  return [
    'resourcechanges',
    '| extend changeTime = todatetime(properties.changeAttributes.timestamp), targetResourceId = tolower(tostring(properties.targetResourceId))',
    `| where changeTime > datetime(${since.toISOString()}) and targetResourceId in (${ids})`,
    '| order by changeTime desc',
  ].join('\n');
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A `resourcechanges` row as the monitor shows it, with what it touched; undefined for a row without a target or a time. */
export function changeRecordOf(row: GraphRow): ChangeRecord | undefined {
  const properties = isObject(row.properties) ? row.properties : {};
  const attributes = isObject(properties.changeAttributes) ? properties.changeAttributes : {};
  const targetResourceId = text(properties.targetResourceId);
  const timestamp = text(attributes.timestamp);
  if (!targetResourceId || Number.isNaN(Date.parse(timestamp))) return undefined;
  const author: ChangeAuthor = {
    // Azure writes `System` for a background change, `Unknown` when it cannot tell: shown as they are.
    changedBy: text(attributes.changedBy) || 'Unknown',
    changedByType: text(attributes.changedByType) || 'Unknown',
    clientType: text(attributes.clientType),
    operation: text(attributes.operation),
    timestamp: new Date(timestamp).toISOString(),
    changeType: text(properties.changeType),
    changedPaths: isObject(properties.changes) ? Object.keys(properties.changes).slice(0, PATHS_KEPT) : [],
  };
  const correlationId = text(attributes.correlationId);
  if (correlationId) author.correlationId = correlationId;
  return { targetResourceId, author, written: writtenPathsOf(properties, attributes) };
}

/**
 * The records of writes to `resourceIds` since `since`, newest first, through `run` (the caller's limiter).
 * Throws what Resource Graph answered when a query fails.
 */
export async function readResourceChanges(
  clients: ArmClients,
  resourceIds: readonly string[],
  since: Date,
  run: <T>(task: () => Promise<T>) => Promise<T>,
  reserve = 0,
): Promise<ChangeRecord[]> {
  const ids = [...new Set(resourceIds.filter(quotable).map((id) => id.toLowerCase()))];
  const records: ChangeRecord[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const batch = ids.slice(i, i + IDS_PER_QUERY);
    const subscriptions = [...new Set(batch.map((id) => subscriptionInPath(id)).filter((sub): sub is string => sub !== undefined))];
    await clients.resourceGraph().queryPages(subscriptions, resourceChangesQuery(batch, since), run, (rows) => {
      for (const row of rows) {
        const record = changeRecordOf(row);
        if (record) records.push(record);
      }
    }, RESOURCE_GRAPH_MAX_TOP, reserve);
  }
  return records;
}

/** How far back `resourcechanges` goes. */
const RETENTION_MS = 14 * 24 * 3600_000;

/**
 * The newest recorded write to each of `resourceIds` (lower-cased ID -> who) within Resource Graph's 14 days
 * of changes: what a one-shot `check`, which has no earlier read to compare with, can say of who last changed
 * the resource behind a blocked verdict.
 */
export async function latestWrites(clients: ArmClients, resourceIds: readonly string[], now = new Date()): Promise<Map<string, ChangeAuthor>> {
  const records = await readResourceChanges(clients, resourceIds, new Date(now.getTime() - RETENTION_MS), (task) => task());
  const newest = new Map<string, ChangeAuthor>();
  for (const record of records) {
    const id = record.targetResourceId.toLowerCase();
    const known = newest.get(id);
    if (!known || Date.parse(record.author.timestamp) > Date.parse(known.timestamp)) newest.set(id, record.author);
  }
  return newest;
}
