import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { checkTable } from '../src/cli/check-output.js';
import { MAX_CELL, MAX_LINE } from '../src/cli/terminal-text.js';
import { createApp } from '../src/http/app.js';
import { fleetPage } from '../src/http/pages/fleet-page.js';
import { instancePage } from '../src/http/pages/instance-page.js';
import { staticExposition } from '../src/metrics/exposition-body.js';
import { MAX_LABEL_VALUE, labelValue } from '../src/metrics/exposition.js';
import type { VerdictChange } from '../src/model/config-change.js';
import { find, parseExposition, renderFleet } from './helpers/metrics.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';
import { CRAFTED_NOW, craftedReport } from './helpers/report.js';

/** What Azure lets through in names and authors: a bidi override, C0 and C1 controls. */
const HOSTILE = 'mallory\u202Etxt.exe\u0007\u001b[2J\u0000\u0085\u2066x\u200F';
/** A 10 kB author, as a Resource Graph `changedBy` can be. */
const LONG_AUTHOR = `${HOSTILE}${'a'.repeat(10_000)}@contoso.example`;
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The crafted report, its rule and instance names hostile, its denied SQL flow made by a write of `author`'s. */
function hostileReport(author = LONG_AUTHOR): FleetReport {
  const report = craftedReport(HOSTILE);
  const region = report.instances[0]!.regions[0]!;
  const change: VerdictChange = {
    resourceId: region.config!.nsgId!,
    resourceKind: 'networkSecurityGroup',
    resourceName: 'nsg',
    items: [{ kind: 'rule', name: `Deny${HOSTILE}`, change: 'added' }],
    detectedAt: '2030-01-01T11:50:00.000Z',
    previousReadAt: '2030-01-01T11:45:00.000Z',
    authorState: 'found',
    author: {
      changedBy: author,
      changedByType: 'User',
      clientType: 'Azure Portal',
      operation: 'microsoft.network/networksecuritygroups/write',
      timestamp: '2030-01-01T11:48:00.000Z',
      changeType: 'Update',
      changedPaths: [],
    },
    previousVerdict: 'allowed',
  };
  region.config!.flows[0]!.change = change;
  region.config!.changes = [change];
  return report;
}

describe('label values from Azure are cut at a documented length', () => {
  it('a 10 kB changed_by becomes a label of 256 characters ending in the cut marker, and promtool passes the exposition', async () => {
    const text = await renderFleet(hostileReport());
    const [change] = find(parseExposition(text), 'apim_network_config_change_timestamp_seconds', {});
    const changedBy = change!.labels.changed_by!;
    expect(changedBy).toHaveLength(MAX_LABEL_VALUE);
    expect(changedBy.startsWith(HOSTILE)).toBe(true);
    expect(changedBy).toMatch(/…\[cut [0-9a-f]{8}\]$/);
    // No series carries more than a few label values' worth of text.
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThan(2_000);
    expect(promtoolCheckMetrics(text)).toEqual({ status: 0, output: '' });
  });

  it('two long values that share their start stay two series; short values are written as they are', () => {
    const shared = 'x'.repeat(MAX_LABEL_VALUE);
    expect(labelValue(`${shared}-alice`)).not.toBe(labelValue(`${shared}-bob`));
    expect(labelValue('a'.repeat(MAX_LABEL_VALUE))).toBe('a'.repeat(MAX_LABEL_VALUE));
    expect(labelValue('say "hi"\\')).toBe('say \\"hi\\"\\\\');
    // A cut never splits a character outside the basic plane into half a surrogate pair.
    const emoji = '🚀'.repeat(MAX_LABEL_VALUE);
    expect(labelValue(emoji)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe("check's lines are bounded like its table cells", () => {
  it('a 10 kB author makes no line longer than the bound, and no raw control character reaches the terminal', () => {
    const text = checkTable(hostileReport(), false);
    const [table, ...sections] = text.split('\n\n');
    const rowMax = 7 * (MAX_CELL + 2);
    for (const line of table!.split('\n')) expect(line.length).toBeLessThanOrEqual(rowMax);
    const lines = sections.flatMap((section) => section.split('\n'));
    expect(lines.some((line) => line.includes('changed: '))).toBe(true);
    for (const line of lines) expect(line.length, line.slice(0, 80)).toBeLessThanOrEqual(MAX_LINE);
    expect(text).not.toMatch(RAW_UNSAFE);
    expect(text).toContain('mallory\\u202etxt.exe\\x07\\x1b[2J');
  });
});

describe('control and bidi characters on the HTML pages are shown escaped, and kept verbatim in JSON', () => {
  const report = hostileReport('mallory\u202E@contoso.example');
  const context = { simulated: false, now: CRAFTED_NOW };
  const shown = (escape: string) => `<span class=ctl style=color:var(--down-bg);font-family:ui-monospace,monospace>${escape}</span>`;

  it('the fleet and instance pages show \\u202e and \\x1b, never the characters themselves', () => {
    for (const page of [fleetPage(report, context), instancePage(report, report.instances[0]!, context)]) {
      expect(page).not.toMatch(RAW_UNSAFE);
      expect(page).toContain(`mallory${shown('\\u202e')}txt.exe${shown('\\x07')}${shown('\\x1b')}[2J${shown('\\x00')}${shown('\\x85')}`);
    }
    expect(fleetPage(report, context)).toContain(`mallory${shown('\\u202e')}@contoso.example`);
  });

  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = createApp({ report: () => report, fleetMetrics: () => staticExposition(''), selfMetrics: async () => '', simulated: false, now: () => CRAFTED_NOW });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('the JSON API keeps them verbatim, and the served page does not', async () => {
    const json = await (await fetch(`${base}/api/v1/status`)).text();
    expect(json).toContain(JSON.stringify(`apim-${HOSTILE}`).slice(1, -1));
    expect(json).toContain('mallory\u202E@contoso.example');
    const page = await (await fetch(`${base}/`)).text();
    expect(page).not.toMatch(RAW_UNSAFE);
    expect(page).toContain('\\u202e');
  });
});
