import { isDeepStrictEqual } from 'node:util';
import type { Attribution } from '../analysis/change-attribution.js';
import { authorshipOf, stillOpen, type ChangeRecord, type ElementPositions } from '../analysis/change-authors.js';
import type { Authorship, ChangeItem, ConfigChange } from '../model/config-change.js';

/**
 * Who made a region's changes, settled again each time Resource Graph's records are read: a change and each
 * verdict it changed are joined to the records until the wait for them is over (a late record may name
 * someone else, or a second person), and only while it lasts.
 */

/** What the ledger holds for one region: its recent changes, newest first, and the verdicts they changed. */
export interface HeldRegion {
  changes: ConfigChange[];
  attributions: Map<string, Attribution>;
}

const unsettled = (authorship: Authorship): boolean => authorship.authorState === 'pending' || authorship.authorState === 'unreadable';

/** A change's joins to the verdicts it changed. */
const joinsOf = (held: HeldRegion, change: ConfigChange): Attribution[] => [...held.attributions.values()].filter((attribution) => attribution.change === change);

/** The changes of the region whose records are still asked for, each once: the list and the joins share change objects. */
export function stillAsked(held: HeldRegion, now: Date): ConfigChange[] {
  const changes = new Set([...held.changes, ...[...held.attributions.values()].map((attribution) => attribution.change)]);
  return [...changes].filter((change) => stillOpen(change, now) || unsettled(change) || joinsOf(held, change).some((join) => unsettled(join.authorship)));
}

/** The items a change's own authorship is about: those that decided the verdicts it changed, else all. */
function decidingItemsOf(held: HeldRegion, change: ConfigChange): ChangeItem[] {
  const deciding = new Set(joinsOf(held, change).flatMap((join) => join.decidingItems.map((item) => `${item.kind} ${item.name}`)));
  const items = change.items.filter((item) => deciding.has(`${item.kind} ${item.name}`));
  return items.length > 0 ? items : change.items;
}

/** Marks on `change` the items its authorship is about, when not all; whether that reads differently. */
export function markDecidingItems(held: HeldRegion, change: ConfigChange): boolean {
  const items = decidingItemsOf(held, change);
  const deciding = items.length < change.items.length ? items : undefined;
  const differs = !isDeepStrictEqual(deciding, change.decidingItems);
  if (deciding) change.decidingItems = deciding;
  else delete change.decidingItems;
  return differs;
}

/** Only the authorship fields of `from` (a change carries more). */
const authorshipIn = (from: Authorship): Authorship => {
  const { authorState, author, candidates, authorError } = from;
  return { authorState, ...(author ? { author } : {}), ...(candidates ? { candidates } : {}), ...(authorError !== undefined ? { authorError } : {}) };
};

/** `next` in place of what `target` said; whether that reads differently. */
function replace(target: Authorship, next: Authorship): boolean {
  const authorship = authorshipIn(next);
  const before = authorshipIn(target);
  delete target.author;
  delete target.candidates;
  delete target.authorError;
  Object.assign(target, authorship);
  return !isDeepStrictEqual(before, authorship);
}

/** What the records (or the error reading them) say now of `items`; an error leaves what was found standing. */
function nowSays(current: Authorship, records: readonly ChangeRecord[] | { error: string }, change: ConfigChange, now: Date, items: readonly ChangeItem[], positions?: ElementPositions): Authorship {
  if (!('error' in records)) return authorshipOf(change, records, now, items, positions);
  return unsettled(current) ? { authorState: 'unreadable', authorError: records.error } : current;
}

/** Settles the region's changes still asked for against `records`; whether anything reads differently. */
export function settleRegion(held: HeldRegion, records: readonly ChangeRecord[] | { error: string }, now: Date, positionsOf: (change: ConfigChange) => ElementPositions | undefined): boolean {
  let touched = false;
  for (const change of stillAsked(held, now)) {
    const positions = positionsOf(change);
    touched = markDecidingItems(held, change) || touched;
    touched = replace(change, nowSays(change, records, change, now, change.decidingItems ?? change.items, positions)) || touched;
    for (const join of joinsOf(held, change)) touched = replace(join.authorship, nowSays(join.authorship, records, change, now, join.decidingItems, positions)) || touched;
  }
  return touched;
}
