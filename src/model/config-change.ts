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

/** A `resourcechanges` row, read: the resource it is about and who wrote it. */
export interface ChangeRecord {
  targetResourceId: string;
  author: ChangeAuthor;
}

/**
 * `pending`: Resource Graph has no record of the write yet (they arrive within about five minutes);
 * `found`: `author` holds it; `not-recorded`: none arrived in the time the monitor waits;
 * `unreadable`: `resourcechanges` could not be read (`authorError` says why).
 */
export type AuthorState = 'pending' | 'found' | 'not-recorded' | 'unreadable';

export interface ConfigChange {
  resourceId: string;
  resourceKind: ChangedResourceKind;
  resourceName: string;
  items: ChangeItem[];
  /** When the monitor first read the changed configuration (ISO 8601). */
  detectedAt: string;
  /** When it last read the configuration as it was before: ARM's write happened after this, less Resource Graph's lag. */
  previousReadAt: string;
  authorState: AuthorState;
  author?: ChangeAuthor;
  authorError?: string;
}

/** A change joined to a verdict it changed: what the verdict was before. */
export interface VerdictChange extends ConfigChange {
  previousVerdict: string;
}
