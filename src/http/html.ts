import { UNSAFE_CLASS, escapedCharacter, isLineWhitespace } from '../model/unsafe-characters.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const NEEDS_ESCAPE = new RegExp(`[&<>"'${UNSAFE_CLASS}]`, 'g');

/**
 * A control or bidi character shown as its escape (`\u202e`), marked out so it is not read as the text's own.
 * No quotes in the markup: should it land inside an attribute value, it cannot end the attribute.
 */
const shownControl = (char: string) => `<span class=ctl style=color:var(--down-bg);font-family:ui-monospace,monospace>${escapedCharacter(char)}</span>`;

/**
 * Every string that came from Azure goes through this before it reaches HTML: markup characters as entities,
 * control and bidi characters visibly escaped (`shownControl`; in an attribute value, `inAttribute`, the escape
 * alone). Tabs and line breaks stay: HTML shows them as space.
 */
export function escapeHtml(text: string, inAttribute = false): string {
  return text.replace(NEEDS_ESCAPE, (char) => {
    const entity = HTML_ESCAPES[char];
    if (entity !== undefined) return entity;
    if (isLineWhitespace(char)) return char;
    return inAttribute ? escapedCharacter(char) : shownControl(char);
  });
}

/** A fragment of markup that is already safe: built by `html`, or trusted on purpose with `raw`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks a trusted fragment (markup written in this code base, never data) as safe to embed as is. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A value that may be interpolated into `html`: text is escaped, SafeHtml is kept, arrays are joined. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue, inAttribute: boolean): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: HtmlValue) => render(item, inAttribute)).join('');
  return escapeHtml(String(value), inAttribute);
}

/** Inside a tag (a `<` not yet closed by `>`), where a value can only be an attribute's (templates quote them). */
function insideTag(markup: string): boolean {
  return markup.lastIndexOf('<') > markup.lastIndexOf('>');
}

/**
 * Tagged template for markup: every interpolated value is escaped unless it is a SafeHtml (the result
 * of another `html` or of `raw`). Booleans, null and undefined render as nothing, so
 * `${cond && html`...`}` works. Attribute values must be quoted in the template.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value, insideTag(out)) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}
