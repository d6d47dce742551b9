import type { Json } from './json.js';
import type { FoundResource, ProposalContents, ProposalFormat } from './types.js';

/** What a document holds so far; resources are added in document order. */
export class Collected {
  readonly nsgs: FoundResource[] = [];
  readonly routeTables: FoundResource[] = [];
  readonly notes: string[] = [];

  add(resource: FoundResource): void {
    (resource.kind === 'nsg' ? this.nsgs : this.routeTables).push(resource);
  }

  get empty(): boolean {
    return this.nsgs.length === 0 && this.routeTables.length === 0;
  }

  contents(format: ProposalFormat): ProposalContents {
    return { format, nsgs: this.nsgs, routeTables: this.routeTables, notes: this.notes };
  }
}

/**
 * A body in the ARM REST shape the normalisers read: the identifying fields given (name, id, location, in
 * the order given), then `type` and `properties`. Always a new object, so the input is never changed.
 */
export function armBody(identity: Json, type: unknown, properties: Json): Json {
  return { ...identity, type, properties };
}
