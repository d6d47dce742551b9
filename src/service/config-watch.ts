import type { Logger } from 'pino';
import { judgeFleet, judgeInstance, type AnalysisPolicy } from '../analysis/analyse.js';
import { withChangedConfig } from '../analysis/config-change.js';
import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { emptyTally } from '../azure/clients.js';
import { rereadNetwork } from '../azure/network-reread.js';
import type { CollectOptions } from '../azure/poll-context.js';
import type { WatchOutcome, WatchQuery } from '../metrics/self-metrics.js';
import { WATCH_GRAPH_RESERVE } from '../azure/network-reread.js';
import type { FleetSnapshot, InstanceSnapshot } from '../model/snapshot.js';
import type { ChangeLedger } from './change-ledger.js';

/** The verdicts shown now and what they were judged on. */
export interface Shown {
  snapshot: FleetSnapshot;
  report: FleetReport;
}

export interface WatchDeps {
  /** `targetTimeoutMs` is each Resource Graph read's deadline too. */
  read: Pick<CollectOptions, 'clients' | 'concurrency' | 'concurrencyPerSubscription' | 'log' | 'targetTimeoutMs'>;
  policy: AnalysisPolicy;
  intervalMs: number;
  /** What is shown now; undefined while a poll runs (it will show what it read) or before the first. */
  shown(): Shown | undefined;
  /** Shows a fleet in which `changed` were judged again. */
  amend(shown: Shown, changed: readonly InstanceReport[]): Promise<void>;
  ran(outcome: WatchOutcome, regionsRejudged: number): void;
  /** Counts the watch's Resource Graph requests (pages) by query. */
  queried(query: WatchQuery, requests: number): void;
  /** Where what changed is noted and joined to the verdicts it changed. */
  changes: ChangeLedger;
  /** Asks Resource Graph who made the changes still waiting for it (after each run). */
  lookUpAuthors?: () => Promise<void>;
  log: Logger;
}

/**
 * The configuration watch: between NetworkStatus polls, every `intervalMs`, it reads the fleet's
 * network configuration again through Resource Graph, judges again the instances whose configuration
 * changed, and shows them at once. NetworkStatus itself is left to the poll.
 */
export class ConfigWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly deps: WatchDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    // After a 429, its Retry-After (capped) or the doubling back-off; while the quota's window is spent down to
    // the reserve, its reset. A timer, so that stop() ends the wait at once.
    const wait = Math.max(this.deps.intervalMs, this.deps.read.clients.graphQuota.delayMs(WATCH_GRAPH_RESERVE));
    this.timer = setTimeout(() => {
      this.running = this.run().finally(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  /** One run; never rejects (a failure is logged and counted, and the poll's verdicts stand). */
  async run(): Promise<WatchOutcome> {
    let outcome: WatchOutcome = 'failed';
    let regions = 0;
    try {
      ({ outcome, regions } = await this.counted('network', () => this.compare()));
    } catch (err) {
      this.deps.log.error({ err }, 'the configuration watch failed; the last poll\'s verdicts stand');
    }
    this.deps.ran(outcome, regions);
    // Throttled, the author query would only be refused too (or wait out the back-off, holding a stop): next run.
    if (outcome === 'throttled') return outcome;
    try {
      if (this.deps.lookUpAuthors) await this.counted('resourcechanges', this.deps.lookUpAuthors);
    } catch (err) {
      this.deps.log.warn({ err }, 'cannot look up who made the configuration changes; asking again next run');
    }
    return outcome;
  }

  /** Runs `step`, counting its Resource Graph requests as `query`'s (a poll's running meanwhile are the poll's). */
  private async counted<T>(query: WatchQuery, step: () => Promise<T>): Promise<T> {
    const requests = emptyTally();
    try {
      return await this.deps.read.clients.countingInto(requests, step);
    } finally {
      this.deps.queried(query, requests.byOperation.Resources_Query ?? 0);
    }
  }

  private async compare(): Promise<{ outcome: WatchOutcome; regions: number }> {
    const shown = this.deps.shown();
    if (!shown) return { outcome: 'skipped', regions: 0 };
    const readAt = new Date();
    const reread = await rereadNetwork(this.deps.read, shown.snapshot.instances);
    if (!reread) {
      const backOff = this.deps.read.clients.graphQuota.delayMs(WATCH_GRAPH_RESERVE);
      if (backOff > 0) {
        this.deps.log.warn({ backOffSeconds: Math.round(backOff / 1000) }, 'Resource Graph throttled the configuration watch (a 429, or its quota spent): it backs off; the last poll\'s verdicts stand');
        return { outcome: 'throttled', regions: 0 };
      }
      this.deps.log.warn('the configuration watch could not read the network configuration through Resource Graph; the last poll\'s verdicts stand until the next poll');
      return { outcome: 'failed', regions: 0 };
    }
    const now = new Date();
    const shownReports = new Map(shown.report.instances.map((report) => [report.instance.id, report]));
    const changed: InstanceReport[] = [];
    let regions = 0;
    const instances: InstanceSnapshot[] = [];
    for (const instance of shown.snapshot.instances) {
      const amended = instance.network?.some((region) => region.subnet) ? withChangedConfig(instance, await reread(instance)) : undefined;
      if (!amended) {
        instances.push(instance);
        continue;
      }
      regions += amended.locations.length;
      const report = judgeInstance(amended.snapshot, now, this.deps.policy, shown.snapshot.serviceTags);
      changed.push(this.deps.changes.observe(instance, shownReports.get(instance.instance.id), amended.snapshot, report, readAt));
      this.deps.log.info({ instance: instance.instance.id, regions: amended.locations }, 'network configuration changed since the last read: judged again');
      instances.push(amended.snapshot);
    }
    this.deps.changes.read(readAt);
    if (changed.length === 0) return { outcome: 'unchanged', regions: 0 };
    // A poll that started meanwhile reads the configuration itself, and shows it when it ends.
    if (this.deps.shown()?.snapshot !== shown.snapshot) return { outcome: 'skipped', regions: 0 };
    const snapshot: FleetSnapshot = { ...shown.snapshot, instances };
    for (const report of changed) shownReports.set(report.instance.id, report);
    await this.deps.amend({ snapshot, report: judgeFleet(snapshot, [...shownReports.values()], this.deps.policy, now) }, changed);
    return { outcome: 'changed', regions };
  }
}
