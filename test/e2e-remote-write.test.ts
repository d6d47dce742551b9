import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startService, type RunningService } from '../src/cli/serve.js';
import { parseExposition } from './helpers/metrics.js';
import { waitFor } from './helpers/ports.js';
import { instantQuery, startPrometheus, type Daemon } from './helpers/prometheus.js';

/**
 * The monitor on the demo fleet pushes to a real Prometheus started with --web.enable-remote-write-receiver on
 * 127.0.0.1 (nothing scrapes it): Prometheus then holds the same series, names and labels, as a scrape of
 * /metrics reads, with the job and instance labels a scrape would add. A second service denies families.
 */

type LabelSet = Record<string, string>;
const key = (labels: LabelSet): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

async function scrapedSeries(port: number): Promise<Set<string>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  // A scrape drops empty label values as the push does: compared without them.
  const present = (labels: LabelSet) => Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== ''));
  return new Set(parseExposition(text).map((sample) => key({ __name__: sample.name, ...present(sample.labels), job: 'apim-netwatch', instance: hostname() })));
}

async function pushedSeries(prometheus: Daemon, selector: string): Promise<Set<string>> {
  return new Set((await instantQuery(prometheus.url, selector)).map((sample) => key(sample.metric)));
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((item) => !b.has(item)).slice(0, 5);
}

function configFile(dir: string, name: string, body: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, stringify({ server: { host: '127.0.0.1' }, log: { level: 'warn' }, ...body }));
  return file;
}

describe('remote-write to a real Prometheus receiver', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netwatch-rw-'));
  let prometheus: Daemon;
  let service: RunningService | undefined;
  let denying: RunningService | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeTargets: [], ruleFiles: [], remoteWriteReceiver: true });
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await denying?.stop();
    await prometheus?.stop();
  });

  it('shows the same series, names and labels, as a scrape of /metrics', async () => {
    const url = `${prometheus.url}/api/v1/write`;
    service = await startService({ demo: true, port: 0, config: configFile(dir, 'push.yaml', { remoteWrite: { url, intervalSeconds: 1 } }) });
    const port = service.port;
    await waitFor('the first poll', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
    const fleetFamilies = new Set(parseExposition(await service.monitor.fleetMetrics()).map((sample) => sample.name));
    expect(fleetFamilies.size).toBeGreaterThan(10);
    // Self-metrics gain series as the process runs (a GC kind, a status code): compare once both sides settle.
    let last = { scraped: new Set<string>(), pushed: new Set<string>() };
    await waitFor(
      'the pushed series to match a scrape',
      async () => {
        const scraped = await scrapedSeries(port);
        const pushed = await pushedSeries(prometheus, '{job="apim-netwatch"}');
        last = { scraped, pushed };
        return scraped.size === pushed.size && difference(scraped, pushed).length === 0 ? true : undefined;
      },
      30_000,
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nscraped, not pushed: ${difference(last.scraped, last.pushed).join('\n')}\npushed, not scraped: ${difference(last.pushed, last.scraped).join('\n')}`);
    });
    expect(last.pushed.size).toBeGreaterThan(500);
    // A value too: the demo's instance count as Prometheus holds it, against /metrics.
    const info = await instantQuery(prometheus.url, 'count(apim_instance_info{job="apim-netwatch"})');
    const scrapedInfo = parseExposition(await service.monitor.fleetMetrics()).filter((sample) => sample.name === 'apim_instance_info');
    expect(Number(info[0]!.value[1])).toBe(scrapedInfo.length);
    // The push counts itself among the monitor's own metrics.
    const own = await instantQuery(prometheus.url, 'apim_netwatch_remote_write_samples_total{job="apim-netwatch",outcome="sent"}');
    expect(Number(own[0]!.value[1])).toBeGreaterThan(500);
    const success = await instantQuery(prometheus.url, 'apim_netwatch_remote_write_last_success_timestamp_seconds');
    expect(Number(success[0]!.value[1])).toBeGreaterThan(Date.now() / 1000 - 60);
  }, 90_000);

  it('metrics.families.deny leaves the same families out of /metrics and of the push', async () => {
    const url = `${prometheus.url}/api/v1/write`;
    const deny = ['apim_network_endpoint_last_.*', 'apim_network_flow_allowed', 'nodejs_.*'];
    const externalLabels = { instance: 'denying' };
    denying = await startService({
      demo: true,
      port: 0,
      config: configFile(dir, 'deny.yaml', { remoteWrite: { url, intervalSeconds: 1, externalLabels }, metrics: { families: { deny } } }),
    });
    const port = denying.port;
    await waitFor('the first poll', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined));
    const scraped = parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    const names = new Set(scraped.map((sample) => sample.name));
    expect(names.has('apim_network_endpoint_up')).toBe(true);
    expect(names.has('apim_netwatch_poll_duration_seconds')).toBe(true);
    for (const name of names) expect(name).not.toMatch(/^(apim_network_endpoint_last_.*|apim_network_flow_allowed|nodejs_.*)$/);
    const pushed = await waitFor(
      'the denying service\'s push',
      async () => {
        const series = await instantQuery(prometheus.url, '{instance="denying"}');
        return series.some((sample) => sample.metric.__name__ === 'apim_network_endpoint_up') ? series : undefined;
      },
      30_000,
      500,
    );
    const pushedNames = new Set(pushed.map((sample) => sample.metric.__name__));
    for (const name of pushedNames) expect(name).not.toMatch(/^(apim_network_endpoint_last_.*|apim_network_flow_allowed|nodejs_.*)$/);
    expect(pushedNames.has('apim_network_flow_unknown') || pushedNames.has('apim_network_dependency_up')).toBe(true);
  }, 90_000);
});
