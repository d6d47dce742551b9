/**
 * Characters from Azure's strings that must never reach a reader as they are: C0 and C1 controls (ESC starts
 * terminal sequences, CR and NUL rewrite or split a line) and the bidirectional marks, embeddings, overrides
 * and isolates, which reorder what is shown (Trojan Source, CVE-2021-42574). Terminals and pages show them
 * escaped; JSON keeps them verbatim.
 */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f';
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

/** The character class's body, to combine with other characters (`[${UNSAFE_CLASS}&<>]`). */
export const UNSAFE_CLASS = `${CONTROLS}${BIDI}`;

/** Tab, line feed, carriage return: whitespace a reader sees as space, never hidden text. */
export const isLineWhitespace = (char: string): boolean => char === '\t' || char === '\n' || char === '\r';

/** How an unsafe character is shown: `\x1b`, `\u202e`. */
export function escapedCharacter(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
