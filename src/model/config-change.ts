/**
 * A change to the network configuration a region's verdicts rest on, as the monitor saw it (what changed,
 * when it was first read), and who made it, as Resource Graph's `resourcechanges` table recorded it.
 */

/** The resource whose configuration changed. Subnets are child resources: theirs show on the VNet in ARM's records. */
export type ChangedResourceKind = 'networkSecurityGroup' | 'routeTable' | 'subnet' | 'virtualNetwork';

/** One thing that changed in the resource, by name: an NSG rule, a route, a service endpoint, a setting. */
export interface ChangeItem {
  kind: 'rule' | 'route' | 'serviceEndpoint' | 'setting';
  name: string;
  change: 'added' | 'removed' | 'modified';
}

/** A row of Resource Graph's `resourcechanges`, in the terms the monitor shows (`properties.changeAttributes`). */
export interface ChangeAuthor {
  /** A user principal name, an application ID, or `System` / `Unknown` as Azure records them. */
  changedBy: string;
  /** `User`, `App`, or `System` / `Unknown`. */
  changedByType: string;
  /** `Azure Portal`, `Azure CLI`, `ARM Template`, ... (empty when Azure did not record one). */
  clientType: string;
  /** The ARM operation, `microsoft.network/networksecuritygroups/write`. */
  operation: string;
  /** When ARM applied the write (ISO 8601). */
  timestamp: string;
  /** `Create`, `Update` or `Delete`. */
  changeType: string;
  correlationId?: string;
  /** The property paths Azure says changed (`properties.securityRules[...]`), at most a few dozen. */
  changedPaths: string[];
}

/**
 * What a record's `changes` say the write touched. Azure keys them by leaf property path, array elements by
 * index (`properties.securityRules[3].properties.access`), so a record names an element only when the
 * element's `name` (a service endpoint's `service`) is among the changed leaves; otherwise its index is read
 * against the resource as the monitor read it (src/analysis/change-touches.ts).
 */
export interface WrittenPaths {
  /** Array elements written: `{ array: 'properties.securityRules', index: 3 }`, outer indices of the array's path as `[]`. */
  elements: WrittenElement[];
  /** Every changed path with its indices as `[]`: `properties.subnets[].properties.networkSecurityGroup.id`. */
  paths: string[];
  /** The record cannot say what it touched: a create or delete, an update without `changes`, or fewer of them than `changesCount`. */
  whole: boolean;
}

export interface WrittenElement {
  array: string;
  index: number;
  /** The element's name before and after the write, when its name leaf changed (an element added, removed or shifted). */
  nameBefore?: string;
  nameAfter?: string;
}

/** A `resourcechanges` row, read: the resource it is about, who wrote it, and what the write touched. */
export interface ChangeRecord {
  targetResourceId: string;
  author: ChangeAuthor;
  /** Absent: nothing is known of what it touched (treated as `whole`). */
  written?: WrittenPaths;
}

/**
 * `pending`: Resource Graph has no record yet of a write that touched what changed (records arrive within about
 * five minutes); `found`: `author` holds the one who did; `ambiguous`: the records of several people's writes
 * could have made it and their paths cannot tell which (`candidates`, newest first); `not-recorded`: none arrived
 * in the time the monitor waits; `unreadable`: `resourcechanges` could not be read (`authorError` says why).
 */
export type AuthorState = 'pending' | 'found' | 'ambiguous' | 'not-recorded' | 'unreadable';

/** Who made a change (or the part of it that decided a verdict), as the records say so far. */
export interface Authorship {
  authorState: AuthorState;
  author?: ChangeAuthor;
  /** `ambiguous`: everyone whose recorded write could have made it (their newest such write each), newest first. */
  candidates?: ChangeAuthor[];
  authorError?: string;
}

export interface ConfigChange extends Authorship {
  resourceId: string;
  resourceKind: ChangedResourceKind;
  resourceName: string;
  items: ChangeItem[];
  /** When the monitor first read the changed configuration (ISO 8601). */
  detectedAt: string;
  /** When it last read the configuration as it was before: ARM's write happened after this, less Resource Graph's lag. */
  previousReadAt: string;
  /**
   * The items whose writers `author` (or `candidates`) names, when not all of `items`: those that decided a
   * verdict (the one it is joined to, or, on a region's list, any verdict the change changed).
   */
  decidingItems?: ChangeItem[];
}

/** A change joined to a verdict it changed: what the verdict was before. */
export interface VerdictChange extends ConfigChange {
  previousVerdict: string;
}
