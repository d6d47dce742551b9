import { cutText } from '../model/cut-text.js';
import { UNSAFE_CLASS, escapedCharacter, isLineWhitespace } from '../model/unsafe-characters.js';

/**
 * Control characters from Azure's strings must not reach a terminal as they are: ESC starts sequences that
 * clear the screen, retitle the window or hide text, CR and NUL rewrite or split a row, and bidi controls
 * reorder what is shown. Line breaks and tabs become spaces; the rest is shown escaped (`\x1b`, `\u202e`).
 */
const UNSAFE = new RegExp(`[${UNSAFE_CLASS}]`, 'g');

/** The longest table cell, and the longest line of `check` outside the table (a 10 kB author must not make a 10 kB line). */
export const MAX_CELL = 300;
export const MAX_LINE = 400;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => (isLineWhitespace(char) ? ' ' : escapedCharacter(char)));
}

/** A table cell: terminal-safe and at most `max` characters (the JSON output and the status page have the full text). */
export function cellText(text: string, max = MAX_CELL): string {
  return cutText(terminalSafe(text), max, '…');
}

/** A line of text outside a table: terminal-safe and at most `max` characters, like a cell. */
export function lineText(text: string, max = MAX_LINE): string {
  return cellText(text, max);
}
