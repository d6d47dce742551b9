import type { ChangeAuthor, ChangeItem, ConfigChange } from '../model/config-change.js';
import { resourceNameOf } from '../model/ids.js';

/** A configuration change in one line, for pages and the CLI: what changed, by whom, through what, when. */

const KIND_TEXT: Record<ConfigChange['resourceKind'], string> = {
  networkSecurityGroup: 'NSG',
  routeTable: 'route table',
  subnet: 'subnet',
  virtualNetwork: 'VNet',
};

const ITEM_TEXT: Record<ChangeItem['kind'], string> = { rule: 'rule', route: 'route', serviceEndpoint: 'service endpoint', setting: 'setting' };

const SHOWN_ITEMS = 3;

/** `14:02 UTC` today, else `2026-12-01 14:02 UTC`. */
function clock(iso: string, now: Date): string {
  const at = new Date(iso);
  const time = `${at.toISOString().slice(11, 16)} UTC`;
  return at.toISOString().slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${at.toISOString().slice(0, 10)} ${time}`;
}

/** "netops@contoso.example (User) via Azure Portal at 14:02 UTC". */
function who(author: ChangeAuthor, now: Date): string {
  const client = author.clientType ? ` via ${author.clientType}` : '';
  return `${author.changedBy} (${author.changedByType})${client} at ${clock(author.timestamp, now)}`;
}

const listed = (items: readonly ChangeItem[]): string => {
  const shown = items.slice(0, SHOWN_ITEMS).map((item) => `${ITEM_TEXT[item.kind]} ${item.name} ${item.change}`);
  return `${shown.join(', ')}${items.length > SHOWN_ITEMS ? ` and ${items.length - SHOWN_ITEMS} more` : ''}`;
};

/** The items whose writer the sentence names (those that decided a verdict, when not all), in their resource. */
function whatChanged(change: ConfigChange): string {
  return `${listed(change.decidingItems ?? change.items)} (${KIND_TEXT[change.resourceKind]} ${change.resourceName})`;
}

/** "; also changed: rule AllowHttp added" when the sentence is about only some of the change's items. */
function alsoChanged(change: ConfigChange): string {
  const deciding = change.decidingItems;
  if (!deciding) return '';
  const others = change.items.filter((item) => !deciding.some((d) => d.kind === item.kind && d.name === item.name));
  return others.length > 0 ? `; also changed: ${listed(others)}` : '';
}

function whoSaid(change: ConfigChange, now: Date): string {
  const { author, candidates } = change;
  if (change.authorState === 'found' && author) return ` by ${who(author, now)}`;
  if (change.authorState === 'ambiguous' && candidates?.length) {
    return ` by one of: ${candidates.map((candidate) => who(candidate, now)).join(', ')} (Resource Graph's records of their writes cannot tell which made it)`;
  }
  const read = `, seen at ${clock(change.detectedAt, now)}`;
  if (change.authorState === 'pending') return `${read}; who made it is not recorded yet (Resource Graph records changes within about five minutes)`;
  if (change.authorState === 'unreadable') return `${read}; who made it cannot be read: ${change.authorError ?? 'Resource Graph failed'}`;
  return `${read}; Resource Graph recorded no write by anyone`;
}

/**
 * "rule DenySql-CHG0815 added (NSG nsg-prod) by netops@contoso.example (User) via Azure Portal at 14:02 UTC";
 * "... by one of: a (User) ..., b (User) ..." when the records cannot tell; before Resource Graph has the
 * record, when the monitor read it and that who is not known yet.
 */
export function changeSentence(change: ConfigChange, now: Date = new Date()): string {
  return `${whatChanged(change)}${whoSaid(change, now)}${alsoChanged(change)}`;
}

/** "last write to nsg-prod: by netops@contoso.example (User) via Azure Portal at 14:02 UTC" (`check`, which has no earlier read to compare with). */
export function lastWriteSentence(resourceId: string, author: ChangeAuthor, now: Date = new Date()): string {
  return `last write to ${resourceNameOf(resourceId)}: ${author.changeType ? `${author.changeType.toLowerCase()} ` : ''}by ${who(author, now)}`;
}
