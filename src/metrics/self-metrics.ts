import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { GRAPH_READ_FAILURES, type GraphReadFailure } from '../azure/graph-read-error.js';
import type { ArmObserver, ArmRequestEvent } from '../azure/observer.js';
import type { FleetReport } from '../analysis/report.js';
import type { ExpositionStats } from './exposition-store.js';
import { VERSION } from '../version.js';

/** A published exposition's size, and how long the report took to become it. */
export type ExpositionRenderStats = ExpositionStats & { milliseconds: number };

const GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export type PollOutcome = 'success' | 'partial' | 'failure';

/** A configuration watch run: verdicts changed, nothing changed, the bulk read failed, or not run (a poll was running, or nothing read yet). */
export type WatchOutcome = 'changed' | 'unchanged' | 'failed' | 'throttled' | 'skipped';
const WATCH_OUTCOMES: readonly WatchOutcome[] = ['changed', 'unchanged', 'failed', 'throttled', 'skipped'];
/** What the configuration watch asks Resource Graph: the network configuration, and who changed it. */
const WATCH_QUERIES = ['network', 'resourcechanges'] as const;
export type WatchQuery = (typeof WATCH_QUERIES)[number];

/** The monitor's own health, kept in a prom-client registry (a handful of series, any scrape rate). */
export class SelfMetrics implements ArmObserver {
  readonly registry = new Registry();
  private readonly pollDuration = new Gauge({
    name: 'apim_netwatch_poll_duration_seconds',
    help: 'How long the last completed poll of the fleet took.',
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'apim_netwatch_poll_last_success_timestamp_seconds',
    help: 'When the last poll that read every target completed, in seconds since the epoch.',
    registers: [this.registry],
  });
  private readonly lastCompleted = new Gauge({
    name: 'apim_netwatch_poll_last_completed_timestamp_seconds',
    help: 'When the last poll completed, successful or not, in seconds since the epoch.',
    registers: [this.registry],
  });
  private readonly polls = new Counter({
    name: 'apim_netwatch_polls_total',
    help: 'Polls by outcome: success (every target read), partial (some failed), failure (nothing read).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly skipped = new Counter({
    name: 'apim_netwatch_polls_skipped_total',
    help: 'Scheduled polls skipped because the previous one was still running.',
    registers: [this.registry],
  });
  private readonly armRequests = new Counter({
    name: 'apim_netwatch_arm_requests_total',
    help: 'ARM requests sent (every retry counts), by REST operation and HTTP status code.',
    labelNames: ['operation', 'code'],
    registers: [this.registry],
  });
  private readonly rateLimit = new Gauge({
    name: 'apim_netwatch_arm_ratelimit_remaining',
    help: "The most requests ARM said were left (x-ms-ratelimit-remaining-<scope>: its token bucket) in any answer since the poll before the last one ended, by subscription and scope: the budget the last poll started with. A burst drains a bucket and ARM refills it within seconds, so only a budget that other callers keep drained stays low.",
    labelNames: ['subscription_id', 'scope'],
    registers: [this.registry],
  });
  /**
   * The most each (subscription, scope) had left in any answer since the gauge was last set: published when a poll
   * ends. The last header would show the bucket just after the poll's burst, low after every poll.
   */
  private readonly rateLimitSeen = new Map<string, { labels: { subscription_id: string; scope: string }; remaining: number }>();
  private readonly subscriptionUp = new Gauge({
    name: 'apim_netwatch_subscription_up',
    help: 'Whether the last poll could list the APIM instances of the subscription (1) or not (0).',
    labelNames: ['subscription_id'],
    registers: [this.registry],
  });
  private readonly watchRuns = new Counter({
    name: 'apim_netwatch_watch_runs_total',
    help: 'Configuration watch runs by outcome: changed (regions re-judged), unchanged, failed (the bulk read failed: the poll\'s verdicts stand), throttled (Resource Graph answered 429, or its quota allows no query soon: the watch backs off, the poll\'s verdicts stand), skipped (a poll was running).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly watchQueries = new Counter({
    name: 'apim_netwatch_watch_graph_requests_total',
    help: 'Resource Graph requests (pages) the configuration watch sent, by query: network (the configuration read again), resourcechanges (who made a change).',
    labelNames: ['query'],
    registers: [this.registry],
  });
  /** Registered at the first quota header: before one, there is no sample (a 0 would read as "quota spent"). */
  private graphQuota: Gauge | undefined;
  private readonly graphReadsFailed = new Counter({
    name: 'apim_netwatch_resource_graph_reads_failed_total',
    help: 'Resource Graph reads (every page of one query) that failed and fell back, by reason: repeated_skip_token, page_limit (paging past what totalRecords foretold), deadline, quota (its reset too far to wait for), throttled (429), error.',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly watchRegions = new Counter({
    name: 'apim_netwatch_watch_regions_rejudged_total',
    help: 'Instance regions whose configuration changed between polls and were judged again by the configuration watch.',
    registers: [this.registry],
  });
  private readonly watchLastRun = new Gauge({
    name: 'apim_netwatch_watch_last_run_timestamp_seconds',
    help: 'When the configuration watch last ran to the end (changed or unchanged), in seconds since the epoch.',
    registers: [this.registry],
  });

  private readonly probes = new Counter({
    name: 'apim_netwatch_probes_total',
    help: 'Connectivity checks asked of APIM gateways, by outcome: connected, disconnected, unknown (Azure could not say), throttled (429), forbidden (403: probes off for the subscription), timeout, error.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly expositionSeries = new Gauge({
    name: 'apim_netwatch_exposition_series',
    help: 'Series of the fleet exposition rendered by the last poll (what /metrics serves besides these own metrics).',
    registers: [this.registry],
  });
  private readonly expositionBytes = new Gauge({
    name: 'apim_netwatch_exposition_bytes',
    help: 'Size of the fleet exposition rendered by the last poll, as text (identity) and as kept and sent (gzip).',
    labelNames: ['encoding'],
    registers: [this.registry],
  });
  private readonly expositionSeconds = new Gauge({
    name: 'apim_netwatch_exposition_render_seconds',
    help: 'How long completing the fleet exposition took once the last poll\'s report was ready (most of it is written while the poll reads).',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    new Gauge({
      name: 'apim_netwatch_build_info',
      help: 'Build information of the running apim-netwatch.',
      labelNames: ['version', 'nodejs_version'],
      registers: [this.registry],
    }).set({ version: VERSION, nodejs_version: process.version }, 1);
    // Every outcome exists from the start, so that increase() sees the first failure too.
    for (const outcome of ['success', 'partial', 'failure'] as const) this.polls.inc({ outcome }, 0);
    for (const outcome of WATCH_OUTCOMES) this.watchRuns.inc({ outcome }, 0);
    for (const query of WATCH_QUERIES) this.watchQueries.inc({ query }, 0);
    for (const reason of GRAPH_READ_FAILURES) this.graphReadsFailed.inc({ reason }, 0);
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // prom-client names these gauges `_total`, which promtool (rightly) reports as a lint finding.
      for (const name of GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    }
  }

  onRequest(event: ArmRequestEvent): void {
    this.armRequests.inc({ operation: event.operation, code: event.code });
    for (const [scope, remaining] of Object.entries(event.rateLimitRemaining)) {
      const labels = { subscription_id: event.subscriptionId ?? '', scope };
      const key = `${labels.subscription_id}\n${scope}`;
      const seen = this.rateLimitSeen.get(key);
      if (!seen || remaining > seen.remaining) this.rateLimitSeen.set(key, { labels, remaining });
    }
    if (event.userQuota) this.quotaGauge().set(event.userQuota.remaining);
  }

  onGraphReadFailed(reason: GraphReadFailure): void {
    this.graphReadsFailed.inc({ reason });
  }

  private quotaGauge(): Gauge {
    this.graphQuota ??= new Gauge({
      name: 'apim_netwatch_resource_graph_quota_remaining',
      help: "Resource Graph queries left in the caller's current window, as its last response said (x-ms-user-quota-remaining; 15 per 5 s by default); absent until a response said. The watch leaves some to the poll.",
      registers: [this.registry],
    });
    return this.graphQuota;
  }

  pollSkipped(): void {
    this.skipped.inc();
  }

  pollCompleted(report: FleetReport, durationSeconds: number, outcome: PollOutcome): void {
    this.pollDuration.set(durationSeconds);
    this.polls.inc({ outcome });
    const now = Date.parse(report.generatedAt) / 1000;
    this.lastCompleted.set(now);
    if (outcome === 'success') this.lastSuccess.set(now);
    this.publishRateLimits();
    this.subscriptionUp.reset();
    // A subscription read without error counts whether it holds instances or not (a connectivity subscription's hubs).
    const subscriptions = new Set([...(report.subscriptionsRead ?? []), ...report.instances.map((instance) => instance.instance.subscriptionId)]);
    for (const subscription of subscriptions) this.subscriptionUp.set({ subscription_id: subscription }, 1);
    for (const failure of report.subscriptionFailures) {
      if (failure.subscriptionId) this.subscriptionUp.set({ subscription_id: failure.subscriptionId }, 0);
    }
  }

  pollFailed(durationSeconds: number): void {
    this.pollDuration.set(durationSeconds);
    this.polls.inc({ outcome: 'failure' });
    this.lastCompleted.set(Date.now() / 1000);
    this.publishRateLimits();
  }

  /** What each subscription and scope had left at best since the last poll ended; one the poll did not ask is dropped. */
  private publishRateLimits(): void {
    this.rateLimit.reset();
    for (const { labels, remaining } of this.rateLimitSeen.values()) this.rateLimit.set(labels, remaining);
    this.rateLimitSeen.clear();
  }

  watchRan(outcome: WatchOutcome, regionsRejudged: number): void {
    this.watchRuns.inc({ outcome });
    this.watchRegions.inc(regionsRejudged);
    if (outcome === 'changed' || outcome === 'unchanged') this.watchLastRun.set(Date.now() / 1000);
  }

  probeCounted(outcome: string): void {
    this.probes.inc({ outcome });
  }

  watchQueried(query: WatchQuery, requests: number): void {
    this.watchQueries.inc({ query }, requests);
  }

  expositionRendered(stats: ExpositionRenderStats): void {
    this.expositionSeries.set(stats.series);
    this.expositionBytes.set({ encoding: 'identity' }, stats.bytes);
    this.expositionBytes.set({ encoding: 'gzip' }, stats.gzipBytes);
    this.expositionSeconds.set(stats.milliseconds / 1000);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
}
