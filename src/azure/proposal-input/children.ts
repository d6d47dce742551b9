import { armBody, type Collected } from './collected.js';
import type { RuleDoubts } from './arm-rule-doubts.js';
import { isRecord, nameOf, sameName, type Json } from './json.js';
import { KINDS, type Kind } from './kinds.js';
import { shown } from './messages.js';
import type { FoundResource } from './types.js';

/** What a template leaves unknown about a child (a rule's doubts, a route's unresolved values), and how it joins its parent. */
export interface ChildDoubts {
  doubts?: RuleDoubts;
  unresolved?: string[];
  /**
   * A template's child replaces one of the same name already there (a portal export lists rules both inline
   * and as resources): Azure applies the separate resource after its parent.
   */
  replacesSameName?: boolean;
}

/** Adds a rule (route) to its parent's body, which this module built, so the input is never changed. */
export function appendChild(parent: FoundResource, item: Json, notes: string[], childWhere: string, doubts: ChildDoubts = {}): void {
  const properties = parent.body.properties as Json;
  const field = KINDS[parent.kind].field;
  const current = properties[field];
  if (current !== undefined && !Array.isArray(current)) {
    notes.push(`${childWhere}: not added to ${KINDS[parent.kind].label} "${shown(parent.name)}" (${parent.where}), whose ${field} is ${shown(nameOf(current))}, not a list`);
    return;
  }
  const items: unknown[] = [...(current ?? [])];
  const same = doubts.replacesSameName ? items.findIndex((existing) => isRecord(existing) && sameName(existing.name, item.name)) : -1;
  const index = same >= 0 ? same : items.length;
  if (same >= 0 && JSON.stringify((items[same] as Json).properties) !== JSON.stringify(item.properties)) {
    notes.push(`${childWhere}: ${KINDS[parent.kind].child} "${shown(nameOf(item.name))}" is also in ${KINDS[parent.kind].label} "${shown(parent.name)}"'s ${field} with other values; the separate resource's are judged, as Azure applies it last`);
  }
  items[index] = item;
  properties[field] = items;
  if (parent.ruleDoubts) parent.ruleDoubts.delete(index);
  if (doubts.doubts && Object.keys(doubts.doubts).length > 0) (parent.ruleDoubts ??= new Map()).set(index, doubts.doubts);
  if (doubts.unresolved && doubts.unresolved.length > 0) parent.unresolvedValues = [...(parent.unresolvedValues ?? []), ...doubts.unresolved];
}

/** A separate rule (route) whose parent is not in the document, or cannot be told. */
export interface Orphan {
  kind: Kind;
  /** The parent's name as the child gives it, when it does. */
  parent: string | undefined;
  /** Children with the same key are judged together. */
  key: string;
  item: Json;
  where: string;
  why: string;
  doubts?: ChildDoubts;
}

/** Judges orphans as NSGs (route tables) of their own, one per parent, so that no rule is dropped silently. */
export function addOrphans(orphans: Orphan[], out: Collected): void {
  const groups = new Map<string, Orphan[]>();
  for (const orphan of orphans) {
    const key = `${orphan.kind}|${orphan.key.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), orphan]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const kind = KINDS[first.kind];
    const where = group.map((orphan) => orphan.where).join(', ');
    const body = armBody(first.parent === undefined ? {} : { name: first.parent }, kind.type, {});
    const found: FoundResource = { kind: first.kind, name: first.parent ?? `(${kind.label} of ${first.where})`, where, body };
    for (const orphan of group) appendChild(found, orphan.item, out.notes, orphan.where, orphan.doubts);
    out.add(found);
    out.notes.push(`${where}: ${first.why}; judged as ${kind.article} ${kind.label} of its own`);
  }
}
