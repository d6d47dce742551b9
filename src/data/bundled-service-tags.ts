import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A real subset of Microsoft's public-cloud service tags (global tags plus West and North Europe;
 * provenance in the file's README), shipped for the demo fleet and as whatif's default.
 */
const FILE = 'servicetags-subset.json';

/** src/data under tsx or vitest; from a build (dist/data, .bench/src/data), the src/data of the package above it (JSON is not copied). */
function bundledPath(): string {
  const candidates = [`./${FILE}`, `../../src/data/${FILE}`, `../../../src/data/${FILE}`].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`cannot find the bundled ${FILE}; looked in:\n  ${candidates.join('\n  ')}`);
  return found;
}

let text: string | undefined;

/** A fresh copy of the `serviceTags.list` body (callers may mutate it). */
export function bundledServiceTagsBody(): unknown {
  text ??= readFileSync(bundledPath(), 'utf8');
  return JSON.parse(text) as unknown;
}
