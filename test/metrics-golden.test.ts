import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPromClientRegistry, renderWithPromClient } from '../synthetic/prom-client-baseline.js';
import { edgeCaseFleetReport } from '../synthetic/fleet-report.js';
import { FLEET_FAMILIES } from '../src/metrics/families.js';
import { canonicalExposition, renderFleet } from './helpers/metrics.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'metrics', 'golden.prom');

/** Exposition -> sorted `name{label="value",...} value` with labels sorted and values unescaped then re-quoted. */
function sampleSet(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    const labels: Array<[string, string]> = [];
    let i = nameEnd;
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const eq = line.indexOf('="', i);
        const key = line.slice(i, eq);
        let value = '';
        i = eq + 2;
        for (; line[i] !== '"'; i++) {
          if (line[i] === '\\') {
            i++;
            value += line[i] === 'n' ? '\n' : line[i];
          } else value += line[i];
        }
        labels.push([key, value]);
        i++;
        if (line[i] === ',') i++;
      }
      i++;
    }
    expect(line[i], `a space before the value in: ${line}`).toBe(' ');
    const value = Number(line.slice(i + 1));
    labels.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    out.push(`${name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}} ${value}`);
  }
  return out.sort();
}

/** prom-client's text without what ours leaves out: the blank line between families and the headers of empty families. */
function withoutEmptyFamilies(promClient: string): string {
  return promClient
    .split('\n\n')
    .map((family) => family.replace(/\n$/, ''))
    .filter((family) => family.split('\n').some((line) => line && !line.startsWith('#')))
    .map((family) => `${family}\n`)
    .join('');
}

describe('fleet exposition vs prom-client (the same families, the same series)', () => {
  const report = edgeCaseFleetReport();

  it('has exactly the same samples', async () => {
    const ours = await renderFleet(report);
    const theirs = await renderWithPromClient(report);
    const oursSet = sampleSet(ours);
    expect(oursSet).toEqual(sampleSet(theirs));
    expect(new Set(oursSet).size, 'no duplicate series').toBe(oursSet.length);
    // The edge cases are in there, unescaped correctly by both.
    expect(oursSet.some((s) => s.includes(JSON.stringify('C:\\share\\"quoted"\nsecond line')))).toBe(true);
    expect(oursSet.some((s) => s.includes('grüppe 🚀'))).toBe(true);
    expect(oursSet).toContain(
      'apim_netwatch_target_up{apim_service="apim-unreadable",location="",resource_group="rg-x",subscription_id="00000000-0000-0000-0000-000000000009"} 0',
    );
  });

  it('is line for line what prom-client writes, family by family (the lines of a family in any order)', async () => {
    const ours = await renderFleet(report);
    const theirs = await renderWithPromClient(report);
    expect(canonicalExposition(ours)).toBe(canonicalExposition(withoutEmptyFamilies(theirs)));
    // Every family of the contract has series in this report (so each was compared), in declaration order.
    const headers = ours.split('\n').filter((line) => line.startsWith('# TYPE')).map((line) => line.split(' ')[2]);
    expect(headers).toEqual(FLEET_FAMILIES.map((family) => family.name));
  });

  it('does not depend on the order of the report', async () => {
    const shuffled = { ...report, instances: [...report.instances].reverse(), unresolvedTargets: [...report.unresolvedTargets].reverse() };
    expect(canonicalExposition(await renderFleet(shuffled))).toBe(canonicalExposition(await renderFleet(report)));
  });

  it('the prom-client registry holds one gauge per fleet family', () => {
    const names = buildPromClientRegistry(report).getMetricsAsArray().map((metric) => metric.name);
    expect(names).toEqual(FLEET_FAMILIES.map((family) => family.name));
  });
});

describe('golden exposition (test/fixtures/metrics/golden.prom, the lines of each family sorted)', () => {
  it('matches the committed file line for line', async () => {
    const text = canonicalExposition(await renderFleet(edgeCaseFleetReport(2)));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(dirname(GOLDEN), { recursive: true });
      writeFileSync(GOLDEN, text);
    }
    const help =
      'the fleet exposition changed. If the change is intended (and keeps the metrics contract of docs/design.md), ' +
      'regenerate the file with `UPDATE_GOLDEN=1 npx vitest run test/metrics-golden.test.ts`, review `git diff test/fixtures/metrics/golden.prom`, and commit it';
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: ${help}`).toBe(true);
    const golden = readFileSync(GOLDEN, 'utf8');
    if (golden !== text) {
      const a = golden.split('\n');
      const b = text.split('\n');
      const at = a.findIndex((line, index) => line !== b[index]);
      const line = at === -1 ? Math.min(a.length, b.length) : at;
      expect.fail(`${help}.\nFirst difference at line ${line + 1}:\n  golden:   ${JSON.stringify(a[line])}\n  rendered: ${JSON.stringify(b[line])}`);
    }
  });

  it('passes promtool check metrics with no findings', () => {
    expect(promtoolCheckMetrics(readFileSync(GOLDEN, 'utf8'))).toEqual({ status: 0, output: '' });
  });
});
