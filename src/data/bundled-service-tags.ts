import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * Every service tag of Azure's public cloud as published on 2026-06-26 (3,237 tags, every region;
 * provenance in src/data/README.md), gzip-compressed in the package: whatif's default, the demo fleet's
 * `serviceTags.list`, and what `serve` falls back to when ARM cannot list its cloud's tags.
 */
const FILE = 'servicetags-public-20260626.json.gz';

/** How outputs name this data. */
export const BUNDLED_SERVICE_TAGS = 'bundled snapshot of the Azure public cloud, 2026-06-26';

/** src/data under tsx or vitest; from a build (dist/data, .bench/src/data), the src/data of the package above it (data files are not copied). */
function bundledPath(): string {
  const candidates = [`./${FILE}`, `../../src/data/${FILE}`, `../../../src/data/${FILE}`].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error(`cannot find the bundled ${FILE}; looked in:\n  ${candidates.join('\n  ')}`);
  return found;
}

let text: string | undefined;

/** A fresh copy of the `serviceTags.list` body (callers may mutate it). */
export function bundledServiceTagsBody(): unknown {
  text ??= gunzipSync(readFileSync(bundledPath())).toString('utf8');
  return JSON.parse(text) as unknown;
}
