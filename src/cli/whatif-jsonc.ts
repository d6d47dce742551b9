import stripJsonComments from 'strip-json-comments';

/**
 * JSON with comments, as `az deployment` reads templates and parameters files (Azure Verified Modules' README
 * examples have `// Required parameters` lines). Comments become whitespace, so JSON.parse's error positions hold.
 */
export function withoutComments(text: string): string {
  return stripJsonComments(text);
}

/** Parses JSON, allowing comments; the error is JSON.parse's on the text without them. */
export function parseJsonWithComments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return JSON.parse(withoutComments(text)) as unknown;
  }
}
