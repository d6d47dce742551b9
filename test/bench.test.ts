import { describe, expect, it } from 'vitest';
import { runScript } from './helpers/processes.js';

/** The benchmark's report contract (docs/design.md, "Benchmark report"); numbers are measured, never asserted. */

const REQUIRED_KEYS = [
  'instances',
  'subscriptions',
  'series',
  'series_per_instance',
  'poll_seconds',
  'poll_lower_bound_seconds',
  'poll_ratio',
  'arm_requests_per_instance',
  'metrics_p50_ms',
  'metrics_p99_ms',
  'baseline_metrics_p50_ms',
  'metrics_speedup',
  'peak_rss_mb',
  'poll_cpu_seconds',
  'cpu_seconds_per_1000_instances',
  'detect_p50_seconds',
  'detect_max_seconds',
  'watch_requests_per_minute',
] as const;


describe('npm run bench', () => {
  it('prints human-readable lines, then one JSON object with every required key as the last line', async () => {
    const { code, stdout, stderr } = await runScript('bench/run.ts', ['--instances', '20', '--subscriptions', '4', '--scrapes', '5', '--baseline-scrapes', '3', '--watch-interval', '0.5', '--changes', '2'], {}, 120_000);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.slice(0, -1).every((line) => !line.startsWith('{'))).toBe(true);
    const report = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    for (const key of REQUIRED_KEYS) {
      expect(report, key).toHaveProperty(key);
      expect(typeof report[key], key).toBe('number');
      expect(Number.isFinite(report[key]), key).toBe(true);
    }
    expect(report.instances).toBe(20);
    expect(report.subscriptions).toBe(4);
    expect(report.series).toBeGreaterThan(0);
    expect(stdout).toMatch(/lower bound: D x L \+ max/);
    // Two breaking changes written into the simulator, each timed until /metrics showed it.
    expect(report.detect_changes).toBe(2);
    expect(stdout.match(/DenySql-BENCH\d on \S+ \(\w+\) shown on \/metrics/g)).toHaveLength(2);
    expect(report.watch_requests_per_minute).toBeGreaterThan(0);
  }, 150_000);
});
