/**
 * Control characters from Azure's strings must not reach a terminal as they are: ESC starts sequences that
 * clear the screen, retitle the window or hide text, CR and NUL rewrite or split a row, and bidi controls
 * reorder what is shown. Line breaks and tabs become spaces; the rest is shown escaped (`\x1b`, `\u202e`).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => {
    if (char === '\n' || char === '\r' || char === '\t') return ' ';
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** A table cell: terminal-safe and at most `max` characters (the JSON output and the status page have the full text). */
export function cellText(text: string, max = 300): string {
  const safe = terminalSafe(text);
  return safe.length <= max ? safe : `${safe.slice(0, max - 1)}…`;
}
