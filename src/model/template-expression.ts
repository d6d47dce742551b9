/** ARM template expressions (`[parameters('port')]`) cannot be evaluated here; `[[` escapes a literal `[`. */
export function isTemplateExpression(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('[') && !trimmed.startsWith('[[') && trimmed.endsWith(']');
}
