import { armBody, type Collected } from './collected.js';
import { nameOf, type Json } from './json.js';
import { KINDS, type Kind } from './kinds.js';
import { shown } from './messages.js';
import type { FoundResource } from './types.js';

/** Adds a rule (route) to its parent's body, which this module built, so the input is never changed. */
export function appendChild(parent: FoundResource, item: unknown, notes: string[], childWhere: string): void {
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
export interface Orphan {
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
    const body = armBody(first.parent === undefined ? {} : { name: first.parent }, kind.type, { [kind.field]: group.map((orphan) => orphan.item) });
    out.add({ kind: first.kind, name: first.parent ?? `(${kind.label} of ${first.where})`, where, body });
    out.notes.push(`${where}: ${first.why}; judged as ${kind.article} ${kind.label} of its own`);
  }
}
