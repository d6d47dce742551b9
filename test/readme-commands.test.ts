import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/processes.js';

/** The README's first lines: one command that runs the demo, one that sets up a fresh machine and runs the tests. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  return block.split('\n').filter(Boolean).map((line) => line.replace(/\s+#.*$/, '').trim());
}

describe("the README's commands", () => {
  it('CI runs exactly the README\'s test command, and that command installs what the tests need', () => {
    const [start, test] = readmeCommands();
    expect(start).toBe('npm ci && npm start');
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8').trim().split('\n');
    expect(ci.at(-1)).toBe(test);
    expect(test).toMatch(/^bash scripts\/install-system-deps\.sh && npm ci && npm test$/);
    const deps = readFileSync(join(ROOT, 'scripts/install-system-deps.sh'), 'utf8');
    for (const tool of ['prometheus', 'prometheus-alertmanager', 'chromium']) expect(deps).toContain(tool);
  });
});
