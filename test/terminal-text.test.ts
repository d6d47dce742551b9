import { describe, expect, it } from 'vitest';
import { toRegionStatuses } from '../src/azure/normalise.js';
import { checkTable } from '../src/cli/check-output.js';
import { MAX_LINE, cellText, lineText, terminalSafe } from '../src/cli/terminal-text.js';
import { MAX_AZURE_TEXT } from '../src/model/text.js';
import { craftedReport } from './helpers/report.js';

// What an attacker (or a broken service) can put in an endpoint name or error text.
const ATTACK = 'a\u001b[2Jb\u001b]0;pwned\u0007c\u001b[8mhidden\rd\u0000e\u009b31mf\u202eg\nh';

describe('Azure strings on a terminal', () => {
  it('control characters are escaped, line breaks become spaces', () => {
    expect(terminalSafe(ATTACK)).toBe('a\\x1b[2Jb\\x1b]0;pwned\\x07c\\x1b[8mhidden d\\x00e\\x9b31mf\\u202eg h');
    expect(cellText('x'.repeat(1000))).toHaveLength(300);
  });

  it('a cut keeps its marker and never leaves half a character; lines outside tables are cut the same way', () => {
    expect(cellText('🚀'.repeat(400))).toBe(`${'🚀'.repeat(149)}…`);
    const line = lineText(`  changed: rule x added by ${'\u202e'.repeat(5)}${'a'.repeat(10_000)}`);
    expect(line).toHaveLength(MAX_LINE);
    expect(line.endsWith('…')).toBe(true);
    expect(line).toContain('\\u202e');
    expect(terminalSafe('\u061c\u2069')).toBe('\\u061c\\u2069');
  });

  it("check's table carries no raw control character from the report, and no endless text", () => {
    const report = craftedReport(ATTACK);
    report.instances[0]!.regions[0]!.endpoints[0]!.error = `${ATTACK}${'y'.repeat(1_000_000)}`;
    const text = checkTable(report, false);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).toContain('\\x1b[2J');
    expect(text.length).toBeLessThan(20_000);
  });

  it('an error text of 1 MB is cut when read, saying how long it was', () => {
    const [region] = toRegionStatuses([
      { location: 'West Europe', networkStatus: { dnsServers: [], connectivityStatus: [{ name: 'x', status: 'failure', error: 'z'.repeat(1_000_000), resourceType: 'BlobStorage', isOptional: false }] } },
    ] as never);
    const error = region!.connectivity[0]!.error;
    expect(error.startsWith('z'.repeat(MAX_AZURE_TEXT))).toBe(true);
    expect(error.endsWith('… [cut: 1000000 characters in all]')).toBe(true);
  });
});
