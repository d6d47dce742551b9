/** Guards for parsed JSON, which may hold anything (the object guard is the network readers' own). */

export { isRecord, type Json } from '../normalise-json.js';

/** A name as text: a string as is, anything else (an expression object, a number) as JSON, absent as ''. */
export function nameOf(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
}

/** Azure names compare case-insensitively; whitespace inside ARM expressions does not matter. */
export function sameName(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && a.replace(/\s+/g, '').toLowerCase() === b.replace(/\s+/g, '').toLowerCase();
}
