import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import { analyseFleet, ANALYSIS_FAILED, type AnalysisPolicy } from '../analysis/analyse.js';
import { AnalysisCaches } from '../analysis/cache.js';
import type { FleetReport } from '../analysis/report.js';
import type { FleetSnapshot } from '../model/snapshot.js';
import { ArmClients } from '../azure/clients.js';
import type { CollectStats } from '../azure/fleet-reading.js';
import { createCredential } from '../azure/credentials.js';
import { ServiceTagsCache } from '../azure/service-tags-cache.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { certificateProblem } from '../config/pem.js';
import type { ExpositionBody } from '../metrics/exposition-body.js';
import { ExpositionStore } from '../metrics/exposition-store.js';
import { fleetWideFamily, ownFamily, type FleetFamily } from '../metrics/family.js';
import { SelfMetrics, type ExpositionRenderStats } from '../metrics/self-metrics.js';
import { Poller } from '../poller/poller.js';
import { inShard } from '../poller/shard.js';
import { checkWritable, loadSnapshot, saveSnapshot } from './persistence.js';
import { ConfigWatch, type WatchDeps } from './config-watch.js';
import { Poll } from './poll.js';

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
  private readonly exposition = new ExpositionStore();
  private lastExposition: ExpositionRenderStats = { instances: 0, series: 0, bytes: 0, gzipBytes: 0, milliseconds: 0 };
  private readonly log: Logger;
  private readonly analyse: (snapshot: FleetSnapshot) => FleetReport;
  /** The last save, awaited by `stop()` so a shutdown never leaves a half-written state file. */
  private saving: Promise<void> = Promise.resolve();
  /** Fired at shutdown: every ARM request and Retry-After wait in flight ends at once. */
  private readonly shutdown = new AbortController();

  constructor(readonly config: Config, options: MonitorOptions) {
    const { log } = options;
    this.log = log;
    if (config.stateFile) checkWritable(config.stateFile);
    this.selfMetrics = new SelfMetrics({ processMetrics: options.processMetrics ?? true });
    const clients = armClients(config, options, this.selfMetrics, this.shutdown.signal);
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
        const polled = await new Poll({ read, policy, exposition: this.exposition, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }, previous).run();
        this.lastCollectStats = polled.snapshot.stats;
        return polled;
      },
      publish: async (report, seconds, outcome, snapshot) => {
        for (const instance of report.instances) {
          if (instance.failure?.code === ANALYSIS_FAILED) log.error({ instance: instance.instance.id }, instance.failure.message);
        }
        this.save(snapshot);
        this.selfMetrics.pollCompleted(report, seconds, outcome);
        // The poll wrote each instance's own series as it judged it: what is left needs the whole fleet.
        await this.show(report, fleetWideFamily);
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
      log,
    });
  }

  /**
   * Serves the report's series on /metrics: the store takes what changed in the families `only` selects
   * (all by default), then puts the body together; never rejects.
   */
  private async show(report: FleetReport, only?: (family: FleetFamily) => boolean): Promise<void> {
    try {
      const began = performance.now();
      await this.exposition.putReport(report, only);
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
  }

  /** Serves `saved` (judged now, marked with its age) until the first poll replaces it. */
  private async adopt(saved: FleetSnapshot): Promise<FleetReport> {
    // The shard count may have changed since: keep only what this replica owns now.
    const { sharding } = this.config;
    const snapshot = sharding.count > 1 ? { ...saved, instances: saved.instances.filter((i) => inShard(i.instance.id, sharding)) } : saved;
    const report = this.analyse(snapshot);
    const ageSeconds = Math.max(0, Math.round((Date.now() - snapshot.takenAt.getTime()) / 1000));
    report.restored = { takenAt: snapshot.takenAt.toISOString(), ageSeconds };
    this.poller.restore(snapshot, report);
    await this.show(report);
    return report;
  }

  /** Polls on the configured schedule, and watches the configuration between polls (unless turned off). */
  start(): void {
    this.poller.start(this.config.schedule);
    this.watch?.start();
  }

  /** Stops polling for a successor (a reload): a running poll finishes and is published first, so there is a snapshot to take over. */
  async retire(): Promise<void> {
    await this.watch?.stop();
    await this.poller.stop();
    await this.saving;
  }

  /** Stops polling: requests in flight are aborted (the poll ends with what it has), and pending state is written. */
  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.watch?.stop();
    await this.poller.stop({ discard: true });
    await this.saving;
  }

  get report(): FleetReport | undefined {
    return this.poller.latest;
  }

  /** The fleet's exposition as /metrics serves it now, decompressed (tests and tools). */
  fleetMetrics(): Promise<string> {
    return this.exposition.text();
  }

  /** Size and cost of the last published exposition. */
  get expositionStats(): ExpositionRenderStats {
    return { ...this.lastExposition };
  }

  /** What /metrics serves of the fleet. */
  fleetBody(): ExpositionBody {
    return this.exposition;
  }
}

/** The SDK clients of this configuration: its endpoint, credential, CA, retries, timeouts and the shutdown signal. */
function armClients(config: Config, options: MonitorOptions, observer: SelfMetrics, abortSignal: AbortSignal): ArmClients {
  const caPem = options.caPem ?? readCaFile(config.azure.caCertFile);
  const { credential, kind } = options.credential
    ? { credential: options.credential, kind: 'given' as const }
    : createCredential(config.azure.credential, config.azure.endpoint);
  if (kind === 'simulator') options.log.warn({ endpoint: config.azure.endpoint }, 'using the static simulator credential: the ARM endpoint is on this machine');
  return new ArmClients({
    endpoint: config.azure.endpoint,
    credential,
    maxRetries: config.azure.maxRetries,
    requestTimeoutMs: config.azure.requestTimeoutSeconds * 1000,
    maxRetryAfterMs: config.azure.maxRetryAfterSeconds * 1000,
    abortSignal,
    observer,
    ...(caPem ? { caPem } : {}),
    ...(config.azure.credentialScope ? { credentialScope: config.azure.credentialScope } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
  });
}

function readCaFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const pem = readFileSync(file, 'utf8');
    const problem = certificateProblem(pem);
    if (problem) throw new ConfigError(`azure.caCertFile: ${file} ${problem}; give the PEM of the CA that signed the ARM endpoint's certificate`);
    return pem;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`azure.caCertFile: cannot read ${file}: ${(err as Error).message}`);
  }
}
