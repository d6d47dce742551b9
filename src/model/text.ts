/** The longest error text kept from Azure (a 1 MB text would otherwise fill the report, the page and every poll's memory). */
export const MAX_AZURE_TEXT = 2048;

/** `text` cut to `max` characters, saying how long it was. */
export function truncated(text: string, max = MAX_AZURE_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [cut: ${text.length} characters in all]`;
}
