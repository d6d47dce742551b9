import type { ChangeAuthor, ChangeRecord, ConfigChange } from '../model/config-change.js';

/** Which of Resource Graph's `resourcechanges` records is the write behind a change the monitor saw. */

export type { ChangeRecord };

/** How long the monitor asks for a change's record: records arrive within about five minutes, so three times that. */
export const AUTHOR_WAIT_MS = 15 * 60_000;
/** Resource Graph reflects a write late (usually within 30 s, no documented bound): a write this long before the previous read may still be the one. */
export const GRAPH_LAG_ALLOWANCE_MS = 10 * 60_000;
/** Our clock against ARM's. */
const CLOCK_SKEW_MS = 60_000;

const parentVnet = (subnetId: string): string => subnetId.replace(/\/subnets\/[^/]+$/i, '');

/** The resources whose records may hold the write: a subnet's changes are also recorded on its VNet, the parent resource. */
export function recordedOn(change: ConfigChange): string[] {
  return change.resourceKind === 'subnet' ? [change.resourceId, parentVnet(change.resourceId)] : [change.resourceId];
}

/**
 * The newest record of a write to the changed resource between the last read that saw the old
 * configuration (less Resource Graph's lag) and the read that saw the new one.
 */
export function authorOf(change: ConfigChange, records: readonly ChangeRecord[]): ChangeAuthor | undefined {
  const ids = new Set(recordedOn(change).map((id) => id.toLowerCase()));
  const from = Date.parse(change.previousReadAt) - GRAPH_LAG_ALLOWANCE_MS;
  const to = Date.parse(change.detectedAt) + CLOCK_SKEW_MS;
  let newest: ChangeAuthor | undefined;
  for (const record of records) {
    if (!ids.has(record.targetResourceId.toLowerCase())) continue;
    const at = Date.parse(record.author.timestamp);
    if (!(at >= from && at <= to)) continue;
    if (!newest || at > Date.parse(newest.timestamp)) newest = record.author;
  }
  return newest;
}

/** A change with what the records say about it at `now`: found, still pending, or not recorded after the wait. */
export function withAuthor(change: ConfigChange, records: readonly ChangeRecord[], now: Date): ConfigChange {
  const author = authorOf(change, records);
  if (author) return { ...change, authorState: 'found', author };
  if (now.getTime() - Date.parse(change.detectedAt) >= AUTHOR_WAIT_MS) return { ...change, authorState: 'not-recorded' };
  return change;
}
