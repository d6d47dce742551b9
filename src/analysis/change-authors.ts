import type { Authorship, ChangeAuthor, ChangeItem, ChangeRecord, ConfigChange } from '../model/config-change.js';
import { childIds, explains, touchOf, type ElementPositions } from './change-touches.js';

/**
 * Who made a change the monitor saw, or the part of it that decided a verdict: among Resource Graph's
 * `resourcechanges` records of writes to the changed resource in the change's window, those whose changed paths
 * touch the deciding items (change-touches.ts). Never the newest write as such: two people may write the same
 * NSG seconds apart, and the records of either may arrive first.
 */

export type { ChangeRecord, ElementPositions };

/** How long the monitor asks for a change's records: they arrive within about five minutes, so three times that. */
export const AUTHOR_WAIT_MS = 15 * 60_000;
/** Resource Graph reflects a write late (usually within 30 s, no documented bound): a write this long before the previous read may still be the one. */
export const GRAPH_LAG_ALLOWANCE_MS = 10 * 60_000;
/** Our clock against ARM's. */
const CLOCK_SKEW_MS = 60_000;
/** Candidates named at most: an ambiguous author is a short list, not a log. */
const MAX_CANDIDATES = 5;

const parentVnet = (subnetId: string): string => subnetId.replace(/\/subnets\/[^/]+$/i, '');

/**
 * The resources whose records may hold the writes of `items` (default: all of the change's): a subnet's are
 * recorded on its VNet, the parent; a rule's or a route's maybe on the child resource too.
 */
export function recordedOn(change: ConfigChange, items: readonly ChangeItem[] = change.items): string[] {
  const own = change.resourceKind === 'subnet' ? [change.resourceId, parentVnet(change.resourceId)] : [change.resourceId];
  return [...own, ...childIds(change, items)];
}

/** Whether the records of `change` may still come or change what they say. */
export const stillOpen = (change: ConfigChange, now: Date): boolean => now.getTime() - Date.parse(change.detectedAt) < AUTHOR_WAIT_MS;

/** The records of writes to the change's resources between the read before it (less Resource Graph's lag) and the read that saw it. */
function inWindow(change: ConfigChange, records: readonly ChangeRecord[]): ChangeRecord[] {
  const ids = new Set(recordedOn(change).map((id) => id.toLowerCase()));
  const from = Date.parse(change.previousReadAt) - GRAPH_LAG_ALLOWANCE_MS;
  const to = Date.parse(change.detectedAt) + CLOCK_SKEW_MS;
  return records.filter((record) => {
    const at = Date.parse(record.author.timestamp);
    return ids.has(record.targetResourceId.toLowerCase()) && at >= from && at <= to;
  });
}

/** `definite`: its paths show it wrote a deciding item; `possible`: its paths cannot say either way. */
function sortRecords(change: ConfigChange, items: readonly ChangeItem[], records: readonly ChangeRecord[], positions?: ElementPositions) {
  const definite: ChangeRecord[] = [];
  const possible: ChangeRecord[] = [];
  for (const record of inWindow(change, records)) {
    const touches = items.map((item) => [item, touchOf(record, change, item, positions)] as const).filter(([item, touch]) => touch && explains(touch, item));
    if (touches.some(([, touch]) => touch !== 'maybe')) definite.push(record);
    else if (touches.length > 0) possible.push(record);
  }
  return { definite, possible };
}

const newestFirst = (a: ChangeAuthor, b: ChangeAuthor): number => Date.parse(b.timestamp) - Date.parse(a.timestamp);

/** One write per person (their newest), newest first: the same person writing twice is one author. */
function byPerson(records: readonly ChangeRecord[]): ChangeAuthor[] {
  const newest = new Map<string, ChangeAuthor>();
  for (const { author } of records) {
    const known = newest.get(author.changedBy.toLowerCase());
    if (!known || Date.parse(author.timestamp) > Date.parse(known.timestamp)) newest.set(author.changedBy.toLowerCase(), author);
  }
  return [...newest.values()].sort(newestFirst);
}

/**
 * Who wrote `items` of `change` (all of them by default), as `records` say at `now`: `found` once a record's paths
 * show a write to them; `ambiguous` when several people's records could have (their paths cannot tell them apart);
 * `pending` while no record shows it (one whose paths cannot tell counts only once the wait is over); then
 * `not-recorded`. Until the wait is over a later record may still change the answer, so it is asked again.
 */
export function authorshipOf(change: ConfigChange, records: readonly ChangeRecord[], now: Date, items: readonly ChangeItem[] = change.items, positions?: ElementPositions): Authorship {
  const { definite, possible } = sortRecords(change, items, records, positions);
  const waited = !stillOpen(change, now);
  if (definite.length === 0 && (!waited || possible.length === 0)) return { authorState: waited ? 'not-recorded' : 'pending' };
  const people = byPerson([...definite, ...possible]);
  if (people.length === 1) return { authorState: 'found', author: byPerson(definite.length > 0 ? definite : possible)[0]! };
  return { authorState: 'ambiguous', candidates: people.slice(0, MAX_CANDIDATES) };
}
