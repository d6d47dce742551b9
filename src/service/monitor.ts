import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import { analyseFleet, ANALYSIS_FAILED, type AnalysisPolicy } from '../analysis/analyse.js';
import { AnalysisCaches } from '../analysis/cache.js';
import type { FleetReport } from '../analysis/report.js';
import type { FleetSnapshot } from '../model/snapshot.js';
import { ArmClients } from '../azure/clients.js';
import type { CollectStats } from '../azure/fleet-reading.js';
import { ServiceTagsCache } from '../azure/service-tags-cache.js';
import type { Config } from '../config/schema.js';
import type { ExpositionBody } from '../metrics/exposition-body.js';
import { ExpositionStore, servedFamilies } from '../metrics/exposition-store.js';
import { fleetWideFamily, ownFamily, type FleetFamily } from '../metrics/family.js';
import { SelfMetrics, type ExpositionRenderStats } from '../metrics/self-metrics.js';
import { Poller } from '../poller/poller.js';
import { inShard } from '../poller/shard.js';
import { checkWritable, loadSnapshot, saveSnapshot } from './persistence.js';
import { ConfigWatch, type WatchDeps } from './config-watch.js';
import { ChangeLedger, lookUpAuthors } from './change-ledger.js';
import { armClients } from './arm-clients.js';
import { latestWrites } from '../azure/resource-changes.js';
import type { ChangeAuthor } from '../model/config-change.js';
import { Poll } from './poll.js';
import { Probes } from './probes.js';

export interface MonitorOptions {
  log: Logger;
  /** PEM of an extra CA for the ARM endpoint (the in-process simulator's); else `azure.caCertFile`. */
  caPem?: string;
  processMetrics?: boolean;
  /** Shorter SDK retry delays (tests). */
  retryDelayMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** A credential to use instead of the one `azure.credential` selects (tests, benchmarks). */
  credential?: TokenCredential;
  /** The process's self-metrics when they outlive this monitor (a reload's monitor counts on); else its own. */
  selfMetrics?: SelfMetrics;
}

/** The whole service wired from a config: ARM clients, the poll on its schedule, the configuration watch between polls, the exposition store. */
export class Monitor {
  readonly selfMetrics: SelfMetrics;
  readonly poller: Poller;
  /** Absent when turned off, or without the configuration or Resource Graph to watch. */
  readonly watch: ConfigWatch | undefined;
  /** ARM requests and Resource Graph use of the last completed collection (also logged per poll). */
  lastCollectStats: CollectStats | undefined;
  /** The fleet's series, kept gzipped per instance and family; a scrape sends the last published body as it is. */
  private readonly exposition: ExpositionStore;
  /** The configuration changes seen, joined to the verdicts they changed, with who made them. */
  private readonly changes = new ChangeLedger();
  /** Instances whose changes read differently since they were shown, while a poll ran: shown when it ends. */
  private readonly changesToShow = new Set<string>();
  private lastExposition: ExpositionRenderStats = { instances: 0, series: 0, bytes: 0, gzipBytes: 0, milliseconds: 0 };
  private readonly log: Logger;
  private readonly clients: ArmClients;
  private readonly analyse: (snapshot: FleetSnapshot) => FleetReport;
  /** The last save, awaited by `stop()` so a shutdown never leaves a half-written state file. */
  private saving: Promise<void> = Promise.resolve();
  /** Fired at shutdown: every ARM request and Retry-After wait in flight ends at once. */
  private readonly shutdown = new AbortController();
  /** Connectivity checks from the gateways, on their own budget: never awaited by the poll or the watch. */
  readonly probes: Probes;

  constructor(readonly config: Config, options: MonitorOptions) {
    const { log } = options;
    this.log = log;
    if (config.stateFile) checkWritable(config.stateFile);
    this.selfMetrics = options.selfMetrics ?? new SelfMetrics({ processMetrics: options.processMetrics ?? true });
    this.exposition = new ExpositionStore(servedFamilies(config.metrics.families));
    const clients = armClients(config, options, this.selfMetrics, this.shutdown.signal);
    this.clients = clients;
    this.probes = new Probes({ config, clients, log, selfMetrics: this.selfMetrics, latest: () => (this.poller.polling ? undefined : this.poller.latest), show: (r, only) => this.show(r, only) });
    const policy = {
      staleAfterSeconds: config.staleAfterSeconds,
      paging: config.paging.dependencies,
      driftGroups: config.drift.groups,
      // Owned by the monitor: regions (and polls) with the same service tags share what was judged.
      caches: new AnalysisCaches(),
    };
    const read = {
      clients,
      subscriptions: config.azure.subscriptions,
      instances: config.targets.instances,
      tags: config.targets.tags,
      concurrency: config.concurrency,
      concurrencyPerSubscription: config.concurrencyPerSubscription,
      resourceGraph: config.azure.resourceGraph,
      ...(config.readNetworkConfig ? { serviceTags: new ServiceTagsCache(clients, log) } : {}),
      log,
      ...(config.sharding.count > 1 ? { owns: (id: string) => inShard(id, config.sharding) } : {}),
      targetTimeoutMs: config.azure.targetTimeoutSeconds * 1000,
    };
    this.analyse = (snapshot) => analyseFleet(snapshot, policy, new Date());
    this.poller = new Poller({
      poll: async (previous) => {
        const shown = this.poller.latest;
        const deps = { read, policy, exposition: this.exposition, changes: this.changes, ...(shown ? { shown } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
        const polled = await new Poll(deps, previous).run();
        this.lastCollectStats = polled.snapshot.stats;
        return polled;
      },
      publish: async (report, seconds, outcome, snapshot) => {
        for (const instance of report.instances) {
          if (instance.failure?.code === ANALYSIS_FAILED) log.error({ instance: instance.instance.id }, instance.failure.message);
        }
        this.save(snapshot);
        this.changes.read(snapshot.takenAt);
        this.selfMetrics.pollCompleted(report, seconds, outcome);
        // Without the watch, each poll asks who made the changes it saw (records come within about five minutes).
        if (!this.watch) await this.lookUpAuthors();
        // The poll wrote each instance's own series as it judged it: what is left needs the whole fleet, and the
        // changes whose authors came in meanwhile.
        this.joinChanges(report);
        await this.show(report, fleetWideFamily);
        this.probes.polled(report);
      },
      pollFailed: (seconds) => this.selfMetrics.pollFailed(seconds),
      pollSkipped: () => this.selfMetrics.pollSkipped(),
      log,
    });
    this.watch = this.configWatch(read, policy);
  }

  private configWatch(read: WatchDeps['read'], policy: AnalysisPolicy): ConfigWatch | undefined {
    const { config, log } = this;
    if (!config.watch.enabled) return undefined;
    if (!config.readNetworkConfig || !config.azure.resourceGraph) {
      log.warn('watch.enabled needs readNetworkConfig and azure.resourceGraph: configuration changes show at the next poll only');
      return undefined;
    }
    return new ConfigWatch({
      read,
      policy,
      intervalMs: config.watch.intervalSeconds * 1000,
      shown: () => {
        const { snapshot, latest: report } = this.poller;
        return snapshot && report && !this.poller.polling ? { snapshot, report } : undefined;
      },
      amend: async (shown, changed) => {
        this.poller.restore(shown.snapshot, shown.report);
        for (const instance of changed) this.exposition.put(instance, ownFamily);
        this.save(shown.snapshot);
        await this.show(shown.report, fleetWideFamily);
      },
      ran: (outcome, regions) => this.selfMetrics.watchRan(outcome, regions),
      queried: (query, requests) => this.selfMetrics.watchQueried(query, requests),
      changes: this.changes,
      lookUpAuthors: async () => {
        await this.lookUpAuthors();
        await this.showChanges();
      },
      log,
    });
  }

  /** Asks Resource Graph who made the changes still waiting for it; the instances they change are shown next. */
  private async lookUpAuthors(): Promise<void> {
    const touched = this.config.azure.resourceGraph
      ? await lookUpAuthors(this.changes, this.clients, this.log)
      : this.changes.settle({ error: 'azure.resourceGraph is off: who made a change is read from Resource Graph\'s resourcechanges' }, new Date());
    for (const id of touched) this.changesToShow.add(id);
  }

  /** Shows the instances whose changes read differently now (unless a poll runs: it joins them in when it ends). */
  private async showChanges(): Promise<void> {
    const { snapshot, latest } = this.poller;
    if (this.changesToShow.size === 0 || !snapshot || !latest || this.poller.polling) return;
    const report = { ...latest, instances: [...latest.instances] };
    this.joinChanges(report);
    this.poller.restore(snapshot, report);
    await this.show(report, fleetWideFamily);
  }

  /** Joins into `report` (not published yet) the changes that read differently since, and writes those instances' series. */
  private joinChanges(report: FleetReport): void {
    if (this.changesToShow.size === 0) return;
    report.instances = report.instances.map((instance) => {
      if (!this.changesToShow.has(instance.instance.id)) return instance;
      const joined = this.changes.attach(instance);
      this.exposition.put(joined, ownFamily);
      return joined;
    });
    this.changesToShow.clear();
  }

  /**
   * Serves the report's series on /metrics: the store takes what changed in the families `only` selects
   * (all by default), then puts the body together; never rejects.
   */
  private async show(report: FleetReport, only?: (family: FleetFamily) => boolean): Promise<void> {
    try {
      const began = performance.now();
      await this.exposition.putReport(this.probes.attach(report), only);
      const stats = this.exposition.publish();
      this.lastExposition = { ...stats, milliseconds: performance.now() - began };
      this.selfMetrics.expositionRendered(this.lastExposition);
    } catch (err) {
      this.log.error({ err }, 'cannot render the exposition; /metrics keeps serving the previous one');
    }
  }

  private save(snapshot: FleetSnapshot): void {
    const file = this.config.stateFile;
    if (!file) return;
    this.saving = this.saving
      .then(() => saveSnapshot(file, snapshot))
      .catch((err: unknown) => this.log.warn({ file, err: (err as Error).message }, 'cannot save the state file; a restart will start empty'));
  }

  /**
   * Serves the snapshot an earlier process saved in `stateFile`, re-judged against the clock now (so old
   * data shows as stale, never as fresh) and marked with its age, until the first poll replaces it.
   */
  async restore(): Promise<FleetReport | undefined> {
    const file = this.config.stateFile;
    if (!file) return undefined;
    try {
      const saved = await loadSnapshot(file);
      if (!saved) return undefined;
      const report = await this.adopt(saved);
      const ageSeconds = report.restored?.ageSeconds ?? 0;
      this.log.info({ file, ageSeconds, instances: report.instances.length }, `serving the last known state from ${file}, ${ageSeconds} s old, until the first poll`);
      return report;
    } catch (err) {
      this.log.warn({ file, err: (err as Error).message }, 'cannot restore the state file; starting empty');
      return undefined;
    }
  }

  /**
   * Takes over what another monitor last read (a configuration reload), so that `/metrics` and the pages
   * never go empty between the two: judged again under this monitor's policy, until its first poll.
   */
  async takeOver(from: Monitor): Promise<void> {
    const snapshot = from.poller.snapshot;
    if (snapshot) await this.adopt(snapshot);
    // After adopt: its read time is the old monitor's last read, not the snapshot's.
    this.changes.takeOver(from.changes);
    for (const id of this.changes.instances()) this.changesToShow.add(id);
    await this.showChanges();
  }

  /** Serves `saved` (judged now, marked with its age) until the first poll replaces it. */
  private async adopt(saved: FleetSnapshot): Promise<FleetReport> {
    // The shard count may have changed since: keep only what this replica owns now.
    const { sharding } = this.config;
    const snapshot = sharding.count > 1 ? { ...saved, instances: saved.instances.filter((i) => inShard(i.instance.id, sharding)) } : saved;
    const report = this.analyse(snapshot);
    const ageSeconds = Math.max(0, Math.round((Date.now() - snapshot.takenAt.getTime()) / 1000));
    report.restored = { takenAt: snapshot.takenAt.toISOString(), ageSeconds };
    this.changes.read(snapshot.takenAt);
    this.poller.restore(snapshot, report);
    await this.show(report);
    return report;
  }

  /** Polls on the configured schedule, and watches the configuration between polls (unless turned off); never once stopped. */
  start(): void {
    if (this.shutdown.signal.aborted) return;
    this.poller.start(this.config.schedule);
    this.watch?.start();
    this.probes.start();
  }

  /** Stops polling for a successor (a reload): a running poll finishes and is published first, so there is a snapshot to take over. */
  async retire(): Promise<void> {
    this.probes.stop();
    await this.watch?.stop();
    await this.poller.stop();
    await this.saving;
    this.clients.close();
  }

  /** Stops polling: requests in flight are aborted (the poll ends with what it has), and pending state is written. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    this.probes.stop();
    await this.watch?.stop();
    await this.poller.stop({ discard: true });
    await this.saving;
    this.clients.close();
  }

  /** The newest recorded write to each of `resourceIds`, from Resource Graph's 14 days of changes (`check`). */
  latestWrites(resourceIds: readonly string[]): Promise<Map<string, ChangeAuthor>> {
    return latestWrites(this.clients, resourceIds);
  }

  get report(): FleetReport | undefined { return this.poller.latest; }

  /** The fleet's exposition as /metrics serves it now, decompressed (tests and tools). */
  fleetMetrics(): Promise<string> { return this.exposition.text(); }

  /** Size and cost of the last published exposition. */
  get expositionStats(): ExpositionRenderStats { return { ...this.lastExposition }; }

  /** What /metrics serves of the fleet. */
  fleetBody(): ExpositionBody { return this.exposition; }
}
