import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/processes.js';

/** Every document the code, README, CLI help and docs cite exists in the repository, and so does every section they name. */
const SCANNED = ['src', 'bench', 'scripts', 'dashboards/src', 'test', 'docs', 'README.md', 'helm/apim-netwatch/README.md', 'config.example.yaml'];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (statSync(full).isFile()) return [full];
  return readdirSync(full).flatMap((name) => (name === 'fixtures' || name === 'node_modules' ? [] : files(join(path, name))));
}

const headings = (markdown: string) => new Set([...markdown.matchAll(/^#+\s+(.+)$/gm)].map((match) => match[1]!.replace(/`/g, '').trim()));

describe('document references', () => {
  const sources = SCANNED.flatMap(files).filter((file) => /\.(ts|md|yaml|sh)$/.test(file) && !file.endsWith('doc-references.test.ts'));

  it('every cited .md document exists (design.md is docs/design.md, in this repository)', () => {
    const missing: string[] = [];
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*[\w.-]+\.md)\b/g)) {
        const cited = match[1]!;
        const candidates = [join(ROOT, cited), join(ROOT, 'docs', cited), join(dirname(file), cited)];
        if (!candidates.some((candidate) => existsSync(candidate))) missing.push(`${relative(ROOT, file)} cites ${cited}`);
        if (cited === 'design.md') missing.push(`${relative(ROOT, file)} cites design.md: write docs/design.md`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every section cited as docs/design.md, "Section" is a heading there', () => {
    const design = headings(readFileSync(join(ROOT, 'docs/design.md'), 'utf8'));
    const missing: string[] = [];
    for (const file of sources) {
      for (const match of readFileSync(file, 'utf8').matchAll(/docs\/design\.md`?,? "([^"]+)"/g)) {
        // A citation may run over a comment's line break.
        const section = match[1]!.replace(/\s*\n\s*\*?\s*/g, ' ');
        if (!design.has(section)) missing.push(`${relative(ROOT, file)} cites the section "${section}"`);
      }
    }
    expect(missing).toEqual([]);
  });
});
