/**
 * `npm run bench [-- --instances N] [--subscriptions S] [--concurrency C] [--concurrency-per-subscription c]
 *  [--scrapes n] [--no-resource-graph] [--watch-interval SECONDS] [--changes K]`
 *
 * Builds a simulated fleet (synthetic/fleet-world.ts: N instances x 2 regions over S subscriptions, default
 * 1,000 x 2 in 20), serves it from the ARM simulator in a process of its own with ARM-like latency
 * (uniform 50-200 ms per request) and ARM's per-subscription token bucket (250 burst, 25/s), runs one
 * full poll and then a second one (the steady state) through the real Monitor in this process (SDK
 * clients over HTTPS, Resource Graph, NetworkStatus, network config, analysis, rendering), then times
 * GET /metrics of the running express app against a plain prom-client registry holding the same
 * series, served by express in a process of its own; a scraper process of its own times both, as
 * Prometheus would. Then the configuration watch runs at `--watch-interval` (default 60 s, the service's
 * default) while K breaking NSG changes (default 3) are written at random points of its cycle, each timed
 * until /metrics shows it (bench/detect.ts). This process is thus the monitor as deployed: `npm run bench` runs it compiled,
 * with the heap limits the Helm chart gives it (NODE_OPTIONS there), and its peak RSS is the kernel's
 * maxRSS.
 *
 * Output (docs/design.md, "Benchmark report"): human-readable lines, then as the LAST line one JSON object.
 * It measures; it asserts nothing. Ratios, not absolute times, are the results: machines are noisy.
 *
 * Lower bound of a poll (poll_lower_bound_seconds), from the latency model, the concurrency caps and
 * the token buckets, with L = mean latency ((min + max) / 2), C = global concurrency, c = per-subscription
 * concurrency, B = burst, r = refill per second, R = ARM requests of the poll (every attempt), R_s =
 * requests against subscription s, D = discovery requests that must run one after another before any
 * instance can be read (Resource Graph pages of the APIM query; without Resource Graph, the pages of the
 * largest subscription's list):
 *
 *   lower bound = D x L + max( (R - D) x L / C,                 throughput of the global cap
 *                              max_s R_s x L / min(c, C),        throughput of one subscription's cap
 *                              max_s max(0, R_s - B) / r )       refill of one subscription's bucket
 *
 * It is a bound on the expected time (mean latency); the poll ratio is poll_seconds / lower bound.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { getHeapStatistics } from 'node:v8';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { validateConfig } from '../src/config/load.js';
import { createApp } from '../src/http/app.js';
import { Monitor } from '../src/service/monitor.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FleetReport } from '../src/analysis/report.js';
import type { ScrapeTimes } from './scrapes.js';
import { LATENCY, RESOURCE_GRAPH_QUOTA, THROTTLE } from '../synthetic/fleet-world.js';
import { measureDetection } from './detect.js';


/** A helper process of the benchmark: started, its first stdout line (JSON) read, stopped. */
interface ChildProcess<Info> {
  info: Info;
  /** Its peak RSS (the kernel's high-water mark, VmHWM), in bytes; undefined off Linux. */
  peakRss(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Runs a sibling script (compiled by `npm run bench`, or under tsx) in a process of its own, so that
 * only the monitor is measured here (CPU, RSS, heap limit). Its stdin stays open: it exits when the
 * pipe closes, so it never outlives this process, even one killed by the OOM killer.
 */
async function startChild<Info>(name: string, args: string[]): Promise<ChildProcess<Info>> {
  const compiled = import.meta.url.endsWith('.js');
  const script = fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  const child = spawn(process.execPath, [...(compiled ? [] : ['--import', 'tsx']), script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  return {
    info: JSON.parse(first) as Info,
    peakRss() {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb === undefined ? undefined : Number(kb) * 1024;
      } catch {
        return undefined;
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface SimulatorInfo {
  url: string;
  caCertPem: string;
  subscriptionIds: string[];
  regions: number;
  resources: number;
}

function simulatorRequests(simulator: SimulatorInfo): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    httpsGet(`${simulator.url}/_simulator/stats`, { ca: simulator.caCertPem }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve((JSON.parse(body) as { requests: number }).requests));
    }).on('error', reject);
  });
}

/** The report as the baseline process reads it (NDJSON: unresolved targets, then an instance per line), written as it goes. */
async function writeReport(file: string, report: FleetReport): Promise<void> {
  const out = createWriteStream(file, 'utf8');
  const write = async (value: unknown) => {
    if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
  };
  await write({ unresolvedTargets: report.unresolvedTargets });
  for (const instance of report.instances) await write(instance);
  out.end();
  await finished(out);
}

const GRAPH_TOP = 1000;

const { values: args } = parseArgs({
  options: {
    instances: { type: 'string', default: '1000' },
    subscriptions: { type: 'string', default: '20' },
    concurrency: { type: 'string' },
    'concurrency-per-subscription': { type: 'string' },
    scrapes: { type: 'string' },
    'baseline-scrapes': { type: 'string' },
    'no-resource-graph': { type: 'boolean', default: false },
    'watch-interval': { type: 'string', default: '60' },
    changes: { type: 'string', default: '3' },
  },
  strict: true,
});

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: --${name} must be a positive integer, not ${value}\n`);
    process.exit(2);
  }
  return n;
}

const instances = positiveInt('instances', args.instances, 1000);
const subscriptionsWanted = positiveInt('subscriptions', args.subscriptions, 20);
const scrapes = positiveInt('scrapes', args.scrapes, instances >= 500 ? 40 : 100);
const baselineScrapes = positiveInt('baseline-scrapes', args['baseline-scrapes'], instances >= 500 ? 10 : 30);
const resourceGraph = !args['no-resource-graph'];
const watchInterval = Number(args['watch-interval']);
const changes = Number(args.changes);
if (!(watchInterval >= 0.1) || !Number.isInteger(changes) || changes < 0) {
  process.stderr.write('bench: --watch-interval takes seconds (at least 0.1), --changes a whole number (0: no detection measured)\n');
  process.exit(2);
}

const heapLimit = getHeapStatistics().heap_size_limit;
const heapFlags = process.execArgv.filter((arg) => /^--max-(old|semi)-space-size/.test(arg)).join(' ');

const say = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => bytes / (1024 * 1024);
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

// This process is the monitor (plus this harness): its peak RSS is the kernel's high-water mark.
const rssNow = () => process.memoryUsage().rss;
const peakRss = () => Math.max(rssNow(), process.resourceUsage().maxRSS * 1024);
const stages: Array<[string, number]> = [['modules loaded', rssNow()]];

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Scrapes from a process of its own (bench/scraper-process.ts), as Prometheus would: its buffers are not the monitor's. */
async function scrapeFromOwnProcess(url: string, n: number, warmup: number): Promise<ScrapeTimes> {
  const scraper = await startChild<ScrapeTimes>('scraper-process', ['--url', url, '--scrapes', String(n), '--warmup', String(warmup)]);
  await scraper.stop();
  return scraper.info;
}

async function main(): Promise<void> {
  const started = performance.now();
  const simulatorProcess = await startChild<SimulatorInfo>('simulator-process', ['--instances', String(instances), '--subscriptions', String(subscriptionsWanted)]);
  const simulator = simulatorProcess.info;
  stages.push(['simulator started', rssNow()]);
  const subscriptions = simulator.subscriptionIds.length;
  say(`apim-netwatch benchmark: ${instances} instances x ${simulator.regions} regions in ${subscriptions} subscriptions (${simulator.resources} ARM resources, served by a simulator process of its own)`);
  say(`simulated ARM: latency ${LATENCY.minMs}-${LATENCY.maxMs} ms per request (uniform), token bucket ${THROTTLE.burst} burst + ${THROTTLE.refillPerSecond}/s per subscription`);

  const config = validateConfig(
    {
      azure: { endpoint: simulator.url, credential: 'simulator', subscriptions: simulator.subscriptionIds, resourceGraph },
      watch: { intervalSeconds: watchInterval },
      ...(args.concurrency ? { concurrency: positiveInt('concurrency', args.concurrency, 1) } : {}),
      ...(args['concurrency-per-subscription']
        ? { concurrencyPerSubscription: positiveInt('concurrency-per-subscription', args['concurrency-per-subscription'], 1) }
        : {}),
      log: { level: 'warn' },
    },
    'bench',
    {},
  );
  // Logs go to stderr: stdout carries the report, the JSON object last.
  const log = pino({ level: 'warn' }, pino.destination(2));
  let collectedAt = 0;
  const monitor = new Monitor(config, {
    log,
    caPem: simulator.caCertPem,
    processMetrics: true,
    onProgress: (done, total) => {
      if (done === total) collectedAt = performance.now();
    },
  });
  say(`monitor: concurrency ${config.concurrency} (per subscription ${config.concurrencyPerSubscription}), Resource Graph ${resourceGraph ? 'on' : 'off'}, network configuration ${config.readNetworkConfig ? 'read' : 'not read'}`);

  // One full poll through the real pipeline.
  const pollStarted = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await monitor.poller.pollNow();
  const pollSeconds = (performance.now() - pollStarted) / 1000;
  // The monitor's own CPU (the simulator runs in a process of its own): what a poll costs the machine.
  const pollCpu = process.cpuUsage(cpuBefore);
  const collectSeconds = ((collectedAt || performance.now()) - pollStarted) / 1000;
  stages.push(['after the poll', rssNow()]);
  if (!report) throw new Error('the poll failed; see the log on stderr');
  const stats = monitor.lastCollectStats;
  if (!stats) throw new Error('the poll left no request statistics');
  const requests = stats.armRequests.total;
  const upTargets = report.instances.filter((i) => i.targetUp).length;
  say(
    `poll: ${pollSeconds.toFixed(2)} s, ${report.instances.length} instances read (${upTargets} up), outcome ${report.subscriptionFailures.length + report.instances.length - upTargets === 0 ? 'success' : 'partial'}; ` +
      `ARM reads done after ${collectSeconds.toFixed(2)} s, analysis and rendering ${(pollSeconds - collectSeconds).toFixed(2)} s`,
  );
  say(`ARM requests: ${requests} (${(requests / instances).toFixed(3)} per instance; simulator saw ${await simulatorRequests(simulator)}); by operation ${JSON.stringify(stats.armRequests.byOperation)}; Resource Graph ${stats.resourceGraph}`);

  // The lower bound (see the header comment for the formula).
  const meanLatency = (LATENCY.minMs + LATENCY.maxMs) / 2 / 1000;
  const concurrency = config.concurrency;
  const perSubscriptionCap = Math.min(config.concurrencyPerSubscription, concurrency);
  const perSubscription = Object.values(stats.armRequests.bySubscription);
  const busiest = Math.max(0, ...perSubscription);
  const serialDiscovery = resourceGraph && stats.resourceGraph === 'used' ? Math.max(1, Math.ceil(instances / GRAPH_TOP)) : Math.max(1, Math.ceil(Math.ceil(instances / subscriptions) / 100));
  const throughputBound = ((requests - serialDiscovery) * meanLatency) / concurrency;
  const subscriptionBound = (busiest * meanLatency) / perSubscriptionCap;
  const bucketBound = Math.max(0, ...perSubscription.map((n) => Math.max(0, n - THROTTLE.burst) / THROTTLE.refillPerSecond));
  const lowerBound = serialDiscovery * meanLatency + Math.max(throughputBound, subscriptionBound, bucketBound);
  say(
    `lower bound: D x L + max((R - D) x L / C, max_s R_s x L / min(c, C), max_s (R_s - B)+ / r) = ${serialDiscovery} x ${meanLatency} + max(${throughputBound.toFixed(2)}, ${subscriptionBound.toFixed(2)}, ${bucketBound.toFixed(2)}) = ${lowerBound.toFixed(2)} s` +
      ` (R ${requests}, busiest subscription ${busiest}, C ${concurrency}, c ${perSubscriptionCap}, B ${THROTTLE.burst}, r ${THROTTLE.refillPerSecond}/s)`,
  );
  say(`poll ratio: ${(pollSeconds / lowerBound).toFixed(2)} x the lower bound (ARM reads alone: ${(collectSeconds / lowerBound).toFixed(2)} x; the bound has no CPU term)`);

  // The steady state: what every later poll of a running service looks like (warm connections and
  // caches, and the previous poll's snapshot and report alive while the next is built: its RSS peak).
  const steadyStarted = performance.now();
  const steadyCpuBefore = process.cpuUsage();
  if (!(await monitor.poller.pollNow())) throw new Error('the second poll failed; see the log on stderr');
  const steadySeconds = (performance.now() - steadyStarted) / 1000;
  const steadyCpu = process.cpuUsage(steadyCpuBefore);
  const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
  say(`monitor CPU: ${cpuSeconds(pollCpu).toFixed(2)} s in the first poll, ${cpuSeconds(steadyCpu).toFixed(2)} s in the second (${((cpuSeconds(steadyCpu) * 1000) / instances).toFixed(2)} s per 1,000 instances)`);
  stages.push(['after a second poll', rssNow()]);
  say(`second poll (steady state): ${steadySeconds.toFixed(2)} s, ${(steadySeconds / lowerBound).toFixed(2)} x the lower bound`);

  const exposition = monitor.expositionStats;
  const series = exposition.series;
  say(
    `series: ${series} fleet series (${mb(exposition.bytes).toFixed(1)} MB of exposition text, kept gzipped: ${mb(exposition.gzipBytes).toFixed(1)} MB; ` +
      `rendered and compressed in ${exposition.milliseconds.toFixed(0)} ms after the analysis); ${(series / instances).toFixed(1)} series per instance, ` +
      `${(series / (instances * simulator.regions)).toFixed(1)} per instance-region`,
  );

  // GET /metrics of the running express app (the cached gzip of the fleet + the process's own metrics) ...
  const app = createApp({
    report: () => monitor.report,
    fleetMetrics: () => monitor.fleetBody(),
    selfMetrics: () => monitor.selfMetrics.render(),
    simulated: true,
  });
  const ours = createServer(app);
  const oursUrl = `${await listen(ours)}/metrics`;
  const oursTimes = await scrapeFromOwnProcess(oursUrl, scrapes, 2);
  const oursBytes = oursTimes.bytes;
  say(`GET /metrics (ours, cached gzip): p50 ${oursTimes.p50.toFixed(2)} ms, p99 ${oursTimes.p99.toFixed(2)} ms over ${scrapes} scrapes (${mb(oursBytes).toFixed(1)} MB on the wire each)`);
  await close(ours);
  stages.push(['after our scrapes', rssNow()]);
  const peakRssOurs = peakRss();

  // The configuration watch, as it runs between polls: its cost at rest, and how soon a breaking change shows.
  const detection = changes > 0 && resourceGraph ? await measureDetection({ monitor, simulator, changes, intervalSeconds: watchInterval, say }) : undefined;
  const detected = [...(detection?.detectSeconds ?? [])].sort((a, b) => a - b);
  if (detection) {
    say(
      `configuration watch every ${watchInterval} s: ${detection.requestsPerRun} Resource Graph requests per run (${detection.requestsPerMinute.toFixed(1)} per minute); ` +
        `breaking changes shown on /metrics after p50 ${detected[Math.floor((detected.length - 1) / 2)]!.toFixed(1)} s, max ${detected.at(-1)!.toFixed(1)} s (${detected.length} changes)`,
    );
    stages.push(['after the watch', rssNow()]);
  }
  const peakRssWithWatch = peakRss();
  await detection?.verify();

  // ... and the same series in a plain prom-client registry, served by express the usual way, in a
  // process of its own (its registry takes hundreds of MB at fleet size).
  const scratch = mkdtempSync(join(tmpdir(), 'apim-netwatch-bench-'));
  const reportFile = join(scratch, 'report.ndjson');
  await writeReport(reportFile, report);
  const baseline = await startChild<{ url: string }>('baseline-process', ['--report', reportFile]);
  const baselineTimes = await scrapeFromOwnProcess(baseline.info.url, baselineScrapes, 1);
  say(`GET /metrics (plain prom-client registry, same series, in a process of its own): p50 ${baselineTimes.p50.toFixed(2)} ms, p99 ${baselineTimes.p99.toFixed(2)} ms over ${baselineScrapes} scrapes`);
  const baselinePeakRss = baseline.peakRss();
  await baseline.stop();
  rmSync(scratch, { recursive: true, force: true });
  const speedup = baselineTimes.p50 / oursTimes.p50;
  say(`metrics speed-up: ${speedup.toFixed(1)}x (baseline p50 / ours)`);

  await simulatorProcess.stop();
  say(`RSS by stage: ${stages.map(([name, rss]) => `${name} ${mb(rss).toFixed(0)} MB`).join(', ')}`);
  say(
    `peak RSS: ${mb(peakRssOurs).toFixed(0)} MB, the monitor and its HTTP server through two polls and our scrapes, ${mb(peakRssWithWatch).toFixed(0)} MB with the configuration watch's runs too (heap limit ${mb(heapLimit).toFixed(0)} MB${heapFlags ? `, ${heapFlags} as the Helm chart runs it` : ''}); ` +
      `the baseline's process ${baselinePeakRss === undefined ? 'not measured' : `${mb(baselinePeakRss).toFixed(0)} MB`}; total run ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  say('targets (issue "Fleet scale and resilience"): /metrics p50 < 30 ms and >= 20x prom-client; <= 1.2 ARM requests per instance; poll <= 1.5x lower bound; peak RSS < 300 MB');

  const result = {
    instances,
    regions: simulator.regions,
    subscriptions,
    series,
    // The series budget (README, "Series budget"): what one more instance, or one more region of one, costs.
    series_per_instance: round(series / instances, 1),
    series_per_instance_region: round(series / (instances * simulator.regions), 1),
    poll_seconds: round(pollSeconds),
    poll_lower_bound_seconds: round(lowerBound),
    poll_ratio: round(pollSeconds / lowerBound),
    collect_seconds: round(collectSeconds),
    collect_ratio: round(collectSeconds / lowerBound),
    steady_poll_seconds: round(steadySeconds),
    steady_poll_ratio: round(steadySeconds / lowerBound),
    poll_cpu_seconds: round(cpuSeconds(pollCpu)),
    steady_poll_cpu_seconds: round(cpuSeconds(steadyCpu)),
    cpu_seconds_per_1000_instances: round((cpuSeconds(steadyCpu) * 1000) / instances),
    arm_requests: requests,
    arm_requests_per_instance: round(requests / instances),
    arm_requests_by_operation: stats.armRequests.byOperation,
    resource_graph: stats.resourceGraph,
    concurrency,
    concurrency_per_subscription: config.concurrencyPerSubscription,
    metrics_p50_ms: round(oursTimes.p50),
    metrics_p99_ms: round(oursTimes.p99),
    metrics_bytes: oursBytes,
    baseline_metrics_p50_ms: round(baselineTimes.p50),
    baseline_metrics_p99_ms: round(baselineTimes.p99),
    metrics_speedup: round(speedup, 2),
    peak_rss_mb: round(mb(peakRssOurs), 1),
    peak_rss_with_watch_mb: round(mb(peakRssWithWatch), 1),
    heap_limit_mb: round(mb(heapLimit), 1),
    baseline_peak_rss_mb: baselinePeakRss === undefined ? null : round(mb(baselinePeakRss), 1),
    rss_modules_loaded_mb: round(mb(stages[0]![1]), 1),
    ...(detection
      ? {
          watch_interval_seconds: watchInterval,
          watch_requests_per_run: detection.requestsPerRun,
          watch_requests_per_minute: round(detection.requestsPerMinute, 2),
          // Of the caller's Resource Graph quota (15 per 5 s: 180 a minute).
          watch_quota_share: round(detection.requestsPerMinute / ((RESOURCE_GRAPH_QUOTA.queries * 60) / RESOURCE_GRAPH_QUOTA.windowSeconds), 3),
          detect_changes: detected.length,
          detect_p50_seconds: round(detected[Math.floor((detected.length - 1) / 2)]!, 2),
          detect_max_seconds: round(detected.at(-1)!, 2),
        }
      : {}),
  };
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(result)}\n`, () => resolve()));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
