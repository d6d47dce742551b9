import { isRecord } from './json.js';
import { ProposalInputError } from './types.js';

/** Words for what whatif reads, for messages that say what was expected. */
export const EXPECTED = 'an NSG or route table (an ARM template, `terraform show -json` output, `az network nsg show` output or an ARM REST body)';

/** What a value is, in a few words, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (isRecord(value)) return Object.keys(value).length === 0 ? 'an empty JSON object' : 'a JSON object';
  if (typeof value === 'string') return `a string (${shown(JSON.stringify(value))})`;
  return `a ${typeof value} (${shown(String(value))})`;
}

/** Text from the document, made safe for a one-line message. */
export function shown(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** At most five, then how many more: messages stay one readable line. */
export function listed(items: readonly string[], max = 5): string {
  const distinct = [...new Set(items)];
  const head = distinct.slice(0, max).map((item) => shown(item, 60)).join(', ');
  return distinct.length > max ? `${head} and ${distinct.length - max} more` : head;
}

/** What a template or plan holds instead of an NSG: its resource types, or none. */
export function heldInstead(types: readonly string[]): string {
  return types.length === 0 ? 'no resources' : `only ${listed(types)}`;
}

/** The error for a document that cannot be read, on one line that starts with the file's name. */
export function refuse(file: string, message: string): ProposalInputError {
  return new ProposalInputError(`${file}: ${message}`.replace(/\s*[\r\n]+\s*/g, ' '));
}
