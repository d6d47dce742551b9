import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_JSON_SCHEMA, checkJson, checkTable, colourEnabled, createProgress } from '../src/cli/check-output.js';
import { lineText, MAX_LINE } from '../src/cli/terminal-text.js';
import { craftedReport } from './helpers/report.js';
import { ROOT, runCli } from './helpers/processes.js';

const TOP_LEVEL_KEYS = ['schema', 'generated_at', 'exit_code', 'summary', 'problems', 'blocked', 'unchecked', 'warnings', 'instances'];

function reportWithEverything() {
  const report = craftedReport('plain');
  report.subscriptionFailures.push({ subscriptionId: '00000000-0000-4000-8000-000000000009', operation: 'list', code: 'AuthorizationFailed', statusCode: 403, message: 'no access' });
  return report;
}

/** Every key of an object, recursively, through the first element of arrays. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    if (value.length > 0) keysOf(value[0], into);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      into.add(key);
      keysOf(child, into);
    }
  }
  return into;
}

describe('check --output json', () => {
  const json = JSON.parse(checkJson(reportWithEverything())) as Record<string, unknown>;

  it(`pins the top-level keys and the schema value ${CHECK_JSON_SCHEMA}`, () => {
    expect(Object.keys(json)).toEqual(TOP_LEVEL_KEYS);
    expect(json.schema).toBe('apim-netwatch/check/v1');
    expect(json.exit_code).toBe(1);
  });

  it('every key it prints is documented in README, section "check --output json"', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('### check --output json');
    expect(start).toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n#', start + 10));
    const missing = [...keysOf(json)].filter((key) => !section.includes(`"${key}"`));
    expect(missing).toEqual([]);
  });
});

describe('check table colours and progress', () => {
  it('colour: a TTY only, NO_COLOR off whatever else, FORCE_COLOR on (0/false off), TERM=dumb off', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    const report = craftedReport('plain');
    expect(checkTable(report, false)).not.toContain('\x1b[');
    expect(checkTable(report, true)).toContain('\x1b[');
  });

  it('progress: rewritten in place on a TTY (throttled, first and last always), cleared at the end', () => {
    const writes: string[] = [];
    let clock = 0;
    const progress = createProgress({ isTTY: true, write: (text: string) => writes.push(text) }, 100, () => clock);
    progress.update(0, 1000);
    for (let done = 1; done <= 1000; done++) {
      clock += 1;
      progress.update(done, 1000);
    }
    progress.finish();
    expect(writes[0]).toBe('\r\x1b[2Kpolling 0/1000 instances');
    expect(writes.at(-2)).toBe('\r\x1b[2Kpolling 1000/1000 instances');
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    expect(writes.length).toBeLessThan(15);
    expect(writes.every((w) => w.startsWith('\r') && !w.includes('\n'))).toBe(true);
  });

  it('progress: nothing at all when the stream is not a TTY', () => {
    const writes: string[] = [];
    const progress = createProgress({ isTTY: false, write: (text: string) => writes.push(text) });
    progress.update(0, 3);
    progress.update(3, 3);
    progress.finish();
    expect(writes).toEqual([]);
  });

  it('the CLI honours FORCE_COLOR into a pipe and NO_COLOR over it; no progress on a piped stderr', async () => {
    const forced = await runCli(['check', '--demo'], { FORCE_COLOR: '1', NO_COLOR: '' });
    expect(forced.stdout).toContain('\x1b[');
    expect(forced.stderr).not.toContain('polling');
    const none = await runCli(['check', '--demo'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(none.stdout).not.toContain('\x1b[');
    expect(none.stdout).toMatch(/contoso-internal\s+westeurope\s+sql\s+yes\s+yes\s+DOWN/);
  }, 60_000);
});

/** The lines of a table section: from its heading to the next blank line. */
function sectionLines(table: string, heading: string): string[] {
  const start = table.indexOf(`\n${heading}\n`);
  if (start < 0) return [];
  const body = table.slice(start + heading.length + 2);
  return body.slice(0, body.indexOf('\n\n')).split('\n');
}

describe('check table: "Could not check"', () => {
  it('lists every target JSON `unchecked` lists even when something pages (exit 1), and keeps the PAGING verdict last', () => {
    const report = reportWithEverything();
    const json = JSON.parse(checkJson(report)) as { exit_code: number; unchecked: Array<{ target: string; reason: string }> };
    expect(json.exit_code).toBe(1);
    expect(json.unchecked).toHaveLength(1);
    const table = checkTable(report, false);
    expect(sectionLines(table, 'Could not check')).toEqual(['  /subscriptions/00000000-0000-4000-8000-000000000009: AuthorizationFailed: no access']);
    expect(table.trimEnd().split('\n').at(-1)).toMatch(/^PAGING: .*outbound Sql Tcp\/1433 denied in apim-plain/);
  });

  it('has no such section when everything was checked', () => {
    expect(checkTable(craftedReport('plain'), false)).not.toContain('Could not check');
  });

  it('keeps an unchecked reason from Azure on one terminal-safe line, cut like the other lines', () => {
    const report = craftedReport('plain');
    report.subscriptionFailures.push({ subscriptionId: '00000000-0000-4000-8000-000000000009', operation: 'list', code: 'AuthorizationFailed', statusCode: 403, message: `no\x1b[2J\naccess ${'x'.repeat(2000)}` });
    const [line, ...rest] = sectionLines(checkTable(report, false), 'Could not check');
    expect(rest).toEqual([]);
    expect(line).not.toContain('\x1b');
    expect(line).toContain('no\\x1b[2J access');
    expect(line).toHaveLength(MAX_LINE);
    expect(line!.endsWith('…')).toBe(true);
  });

  it('check --demo exits 1 and its table lists what JSON `unchecked` lists', async () => {
    const [table, json] = await Promise.all([runCli(['check', '--demo']), runCli(['check', '--demo', '--output', 'json'])]);
    expect(table.code).toBe(1);
    expect(json.code).toBe(1);
    const unchecked = (JSON.parse(json.stdout) as { unchecked: Array<{ target: string; reason: string }> }).unchecked;
    expect(unchecked.length).toBeGreaterThan(0);
    expect(unchecked.map((u) => u.target)).toContainEqual(expect.stringMatching(/\/contoso-hybrid \(westeurope\)$/));
    expect(sectionLines(table.stdout, 'Could not check')).toEqual(unchecked.map((u) => lineText(`  ${u.target}: ${u.reason}`)));
    expect(table.stdout.trimEnd().split('\n').at(-1)).toMatch(/^PAGING: /);
  }, 60_000);
});
