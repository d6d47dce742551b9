import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { alertGroups, DEFAULT_RULES_OPTIONS } from '../src/alerts/rules.js';
import { configSchema } from '../src/config/schema.js';
import { colourEnabled } from '../src/cli/check-output.js';
import { ERROR_CODES } from '../src/errors.js';
import { startSimulator } from '../src/simulator/server.js';
import { loadWorldFile } from '../src/simulator/world.js';
import { ROOT, runCli } from './helpers/processes.js';

/** The README's tables, each checked against its single source, so a new option, key, alert or code cannot go undocumented. */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a section, from its heading line (exactly) to the next heading of the same or a higher level. */
function section(heading: string): string {
  const lines = README.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const level = /^#+/.exec(heading)![0].length;
  const end = lines.findIndex((line, index) => index > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** Table rows of a section (indented tables in lists too), as their cells. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .map((line) => line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);

/** The commander program of src/cli/main.ts, built but not run: parseAsync is caught before it parses anything. */
async function cliProgram(): Promise<Command> {
  let program: Command | undefined;
  const parse = vi.spyOn(Command.prototype, 'parseAsync').mockImplementation(function (this: Command) {
    program = this;
    return Promise.resolve(this);
  });
  try {
    await import('../src/cli/main.js');
  } finally {
    parse.mockRestore();
  }
  if (!program) throw new Error('src/cli/main.ts did not call program.parseAsync');
  return program;
}

/** Every leaf key of a zod object schema, dotted (an array or a record is a leaf). */
function schemaKeys(schema: unknown, prefix = ''): string[] {
  const def = (schema as { _zod: { def: { type: string; innerType?: unknown; in?: unknown; shape?: Record<string, unknown> } } })._zod.def;
  if (def.innerType) return schemaKeys(def.innerType, prefix);
  if (def.type === 'pipe') return schemaKeys(def.in, prefix);
  if (def.type !== 'object') return [prefix];
  return Object.entries(def.shape!).flatMap(([key, value]) => schemaKeys(value, prefix ? `${prefix}.${key}` : key));
}

describe("the README's tables", () => {
  it('the commands table names every command and every option commander defines for it', async () => {
    const program = await cliProgram();
    const commands = section('## Commands');
    const rows = tableRows(commands);
    const missing: string[] = [];
    for (const command of program.commands) {
      const row = rows.find((cells) => cells[0]!.startsWith(`\`${command.name()} `) || cells[0] === `\`${command.name()}\``);
      if (!row) {
        missing.push(`command ${command.name()}`);
        continue;
      }
      for (const option of command.options) if (!row.join(' ').includes(option.long!)) missing.push(`${command.name()} ${option.long}`);
    }
    // The program's own options (--debug, --version) are said under the table.
    for (const option of program.options) if (!commands.includes(`\`${option.long}\``)) missing.push(`apim-netwatch ${option.long}`);
    expect(program.commands.length).toBeGreaterThanOrEqual(4);
    expect(missing).toEqual([]);
  });

  it('the configuration table names every key of the config schema', () => {
    const keys = schemaKeys(configSchema);
    const documented = new Set(tableRows(section('## Configuration')).flatMap((cells) => backticked(cells[0]!)));
    expect(keys).toContain('server.host');
    expect(keys.filter((key) => !documented.has(key))).toEqual([]);
  });

  it('the alerts table names every alert of src/alerts/rules.ts', () => {
    const alerts = alertGroups(DEFAULT_RULES_OPTIONS).flatMap((group) => group.rules.map((rule) => rule.alert));
    const documented = new Set(tableRows(section('## Alerts, dashboards and Helm')).flatMap((cells) => backticked(cells[0]!)));
    expect(alerts.length).toBeGreaterThanOrEqual(22);
    expect(alerts.filter((alert) => !documented.has(alert))).toEqual([]);
  });

  it('the error-code table names every code of src/errors.ts', () => {
    const documented = new Set(tableRows(section('## Commands')).flatMap((cells) => backticked(cells[0]!)));
    expect(Object.values(ERROR_CODES).filter((code) => !documented.has(code))).toEqual([]);
  });
});

describe('what the README says about colour', () => {
  it('NO_COLOR beats FORCE_COLOR, which beats TERM=dumb and a pipe', () => {
    expect(README).toContain('So `NO_COLOR` beats `FORCE_COLOR`, which beats `TERM=dumb`.');
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '1', TERM: 'dumb' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1', TERM: 'dumb' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
  });
});

describe("the README's minimal world file", () => {
  it('is served by the simulator as simulate --world reads it, and check finds its instance healthy', async () => {
    const block = /```json\n([\s\S]*?)```/.exec(section('#### A minimal world file'))![1]!;
    // As the README says: NetworkStatus times set to now, else they are stale.
    const fresh = block.replaceAll(/"lastUpdated": "[^"]+"/g, `"lastUpdated": "${new Date().toISOString()}"`);
    const dir = mkdtempSync(join(tmpdir(), 'readme-world-'));
    writeFileSync(join(dir, 'world.json'), fresh);
    // What `simulate --world FILE` does: load and validate the file, then serve it.
    const simulator = await startSimulator({ world: await loadWorldFile(join(dir, 'world.json')) });
    try {
      writeFileSync(join(dir, 'ca.pem'), simulator.caCertPem);
      const subscription = /\/subscriptions\/([0-9a-f-]{36})\//.exec(block)![1]!;
      writeFileSync(
        join(dir, 'netwatch.yaml'),
        `azure:\n  endpoint: ${simulator.url}\n  caCertFile: ${join(dir, 'ca.pem')}\n  subscriptions: [${subscription}]\n`,
      );
      const result = await runCli(['check', '--config', join(dir, 'netwatch.yaml'), '--output', 'json']);
      const report = JSON.parse(result.stdout) as { summary: { monitored: number; healthy: number }; blocked: unknown[]; unchecked: unknown[] };
      expect({ code: result.code, summary: report.summary, blocked: report.blocked, unchecked: report.unchecked }).toMatchObject({
        code: 0,
        summary: { monitored: 1, healthy: 1 },
        blocked: [],
        unchecked: [],
      });
    } finally {
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
