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

/** "by netops@contoso.example (User) via Azure Portal at 14:02 UTC". */
function byWhom(author: ChangeAuthor, now: Date): string {
  const client = author.clientType ? ` via ${author.clientType}` : '';
  return `by ${author.changedBy} (${author.changedByType})${client} at ${clock(author.timestamp, now)}`;
}

function whatChanged(change: ConfigChange): string {
  const items = change.items.slice(0, SHOWN_ITEMS).map((item) => `${ITEM_TEXT[item.kind]} ${item.name} ${item.change}`);
  const more = change.items.length > SHOWN_ITEMS ? ` and ${change.items.length - SHOWN_ITEMS} more` : '';
  return `${items.join(', ')}${more} (${KIND_TEXT[change.resourceKind]} ${change.resourceName})`;
}

/**
 * "rule DenySql-CHG0815 added (NSG nsg-prod) by netops@contoso.example (User) via Azure Portal at 14:02 UTC";
 * before Resource Graph has the record, when the monitor read it and that who is not known yet.
 */
export function changeSentence(change: ConfigChange, now: Date = new Date()): string {
  const what = whatChanged(change);
  const { author } = change;
  if (change.authorState === 'found' && author) return `${what} ${byWhom(author, now)}`;
  const read = `seen at ${clock(change.detectedAt, now)}`;
  if (change.authorState === 'pending') return `${what}, ${read}; who made it is not recorded yet (Resource Graph records changes within about five minutes)`;
  if (change.authorState === 'unreadable') return `${what}, ${read}; who made it cannot be read: ${change.authorError ?? 'Resource Graph failed'}`;
  return `${what}, ${read}; Resource Graph recorded no write by anyone`;
}

/** "last write to nsg-prod: by netops@contoso.example (User) via Azure Portal at 14:02 UTC" (`check`, which has no earlier read to compare with). */
export function lastWriteSentence(resourceId: string, author: ChangeAuthor, now: Date = new Date()): string {
  return `last write to ${resourceNameOf(resourceId)}: ${author.changeType ? `${author.changeType.toLowerCase()} ` : ''}${byWhom(author, now)}`;
}
