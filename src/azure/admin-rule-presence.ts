import { isObject } from './arm-response.js';
import { networkManagerOf } from './normalise-admin-rules.js';
import type { GraphRow } from './resource-graph.js';
import { subscriptionInPath } from '../model/ids.js';

/**
 * Which VNets may have security admin rules in force, from Resource Graph (pure: rows in, answers out).
 *
 * Rows of `effectivesecurityadminrules` (`networkresources`) name the VNets that have some. Azure writes
 * them late (after a deployment is indexed) and in either casing, so a VNet without a row is not proof
 * of none: where a network manager that can deploy security admin rules covers the VNet's subscription
 * (`resources`, `microsoft.network/networkmanagers`), such a VNet is asked too.
 */

export const ADMIN_RULES_QUERY = "networkresources | where type =~ 'microsoft.network/effectivesecurityadminrules'";
export const NETWORK_MANAGERS_QUERY = "resources | where type =~ 'microsoft.network/networkmanagers'";

const ROW_SUFFIX = '/providers/microsoft.network/effectivesecurityadminrules/default';
/** A network manager scoped to a management group may cover any subscription. */
const ANY_SUBSCRIPTION = '*';


/** `record[name]` in whatever casing Azure wrote the key (`id` / `Id`, `properties` / `Properties`). */
function field(record: unknown, name: string): unknown {
  if (!isObject(record)) return undefined;
  if (name in record) return record[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

/** The VNet a row is about: its ID without the row's suffix, else its `resourceId` property. */
export function vnetOfRow(row: GraphRow): string | undefined {
  const id = typeof row.id === 'string' ? row.id.toLowerCase() : '';
  if (id.endsWith(ROW_SUFFIX)) return id.slice(0, -ROW_SUFFIX.length);
  const resourceId = field(field(row, 'properties'), 'resourceId');
  return typeof resourceId === 'string' && resourceId !== '' ? resourceId.toLowerCase() : undefined;
}

/** The network managers of the configuration snapshots a row names (`effectiveSecurityAdminConfigurations[].id`, either casing). */
export function managersOfRow(row: GraphRow): string[] {
  const configurations = field(field(row, 'properties'), 'effectiveSecurityAdminConfigurations');
  const ids = (Array.isArray(configurations) ? configurations : []).map((entry) => field(entry, 'id'));
  return [...new Set(ids.map((id) => (typeof id === 'string' ? networkManagerOf(id) : '')).filter((name) => name !== ''))];
}

/** The subscriptions (lower-cased, or `*`) a network manager row covers with security admin rules; none when it cannot deploy them. */
export function subscriptionsCovered(row: GraphRow): string[] {
  const properties = field(row, 'properties');
  const accesses = field(properties, 'networkManagerScopeAccesses');
  // A manager without SecurityAdmin access deploys connectivity or routing only; an unreadable list may be anything.
  if (Array.isArray(accesses) && !accesses.some((access) => typeof access === 'string' && access.toLowerCase() === 'securityadmin')) return [];
  const scopes = field(properties, 'networkManagerScopes');
  const groups = field(scopes, 'managementGroups');
  const subscriptions = field(scopes, 'subscriptions');
  if (!isObject(scopes) || (Array.isArray(groups) && groups.length > 0) || !Array.isArray(subscriptions)) return [ANY_SUBSCRIPTION];
  return subscriptions.flatMap((scope) => {
    if (typeof scope !== 'string') return [];
    const id = subscriptionInPath(scope) ?? scope.trim();
    return id === '' ? [] : [id.toLowerCase()];
  });
}

export class AdminRulePresence {
  /** Network managers by lower-cased VNet ID, for every VNet a row names ([] when the row names none readably). */
  readonly rows = new Map<string, string[]>();
  /** Names of network managers able to deploy security admin rules, by the subscription they cover (or `*`). */
  private readonly covering = new Map<string, Set<string>>();

  addRow(row: GraphRow): void {
    const vnet = vnetOfRow(row);
    if (vnet) this.rows.set(vnet, managersOfRow(row));
  }

  addNetworkManager(row: GraphRow): void {
    const name = typeof row.name === 'string' && row.name !== '' ? row.name : (typeof row.id === 'string' ? row.id.split('/').pop() : '') ?? '';
    for (const subscription of subscriptionsCovered(row)) {
      const names = this.covering.get(subscription) ?? new Set<string>();
      names.add(name);
      this.covering.set(subscription, names);
    }
  }

  /** The network managers that could have deployed security admin rules to a VNet of this subscription. */
  managersCovering(subscriptionId: string): string[] {
    const names = new Set([...(this.covering.get(subscriptionId.toLowerCase()) ?? []), ...(this.covering.get(ANY_SUBSCRIPTION) ?? [])]);
    return [...names].sort();
  }
}
