import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import { analyseFleet } from '../analysis/analyse.js';
import type { FleetReport } from '../analysis/report.js';
import { ArmClients } from '../azure/clients.js';
import { collectSnapshot, type CollectStats } from '../azure/collect.js';
import { createCredential } from '../azure/credentials.js';
import { ServiceTagsCache } from '../azure/service-tags-cache.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { FleetExposition, type ExpositionBody } from '../metrics/fleet-exposition.js';
import { SelfMetrics } from '../metrics/self-metrics.js';
import { Poller } from '../poller/poller.js';

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

/** The whole pipeline wired from a config: ARM clients -> collect -> analyse -> rendered report. */
export class Monitor {
  readonly selfMetrics: SelfMetrics;
  readonly poller: Poller;
  /** ARM requests and Resource Graph use of the last completed collection (also logged per poll). */
  lastCollectStats: CollectStats | undefined;
  /** The fleet's series, re-rendered per changed instance once per poll; a scrape serves its text. */
  private readonly fleet = new FleetExposition();

  constructor(readonly config: Config, options: MonitorOptions) {
    const { log } = options;
    const caPem = options.caPem ?? readCaFile(config.azure.caCertFile);
    const { credential, kind } = options.credential
      ? { credential: options.credential, kind: 'given' as const }
      : createCredential(config.azure.credential, config.azure.endpoint);
    if (kind === 'simulator') log.warn({ endpoint: config.azure.endpoint }, 'using the static simulator credential: the ARM endpoint is on this machine');
    this.selfMetrics = new SelfMetrics({ processMetrics: options.processMetrics ?? true });
    const clients = new ArmClients({
      endpoint: config.azure.endpoint,
      credential,
      maxRetries: config.azure.maxRetries,
      requestTimeoutMs: config.azure.requestTimeoutSeconds * 1000,
      observer: this.selfMetrics,
      ...(caPem ? { caPem } : {}),
      ...(config.azure.credentialScope ? { credentialScope: config.azure.credentialScope } : {}),
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    });
    const policy = {
      staleAfterSeconds: config.staleAfterSeconds,
      pagingDependencies: config.paging.dependencies,
      driftGroups: config.drift.groups,
    };
    const serviceTags = new ServiceTagsCache(clients, log);
    this.poller = new Poller({
      collect: async (previous) => {
        const snapshot = await collectSnapshot({
          clients,
          subscriptions: config.azure.subscriptions,
          instances: config.targets.instances,
          tags: config.targets.tags,
          concurrency: config.concurrency,
          concurrencyPerSubscription: config.concurrencyPerSubscription,
          resourceGraph: config.azure.resourceGraph,
          ...(config.readNetworkConfig ? { serviceTags } : {}),
          log,
          ...(previous ? { previous } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        });
        this.lastCollectStats = snapshot.stats;
        return snapshot;
      },
      analyse: (snapshot) => analyseFleet(snapshot, policy, new Date()),
      publish: (report, seconds, outcome) => {
        this.fleet.update(report);
        // Compressed now, in zlib's thread pool, so the next scrape finds it ready.
        this.fleet.gzip().catch((err: unknown) => log.error({ err }, 'cannot gzip the exposition'));
        this.selfMetrics.pollCompleted(report, seconds, outcome);
      },
      pollFailed: (seconds) => this.selfMetrics.pollFailed(seconds),
      pollSkipped: () => this.selfMetrics.pollSkipped(),
      log,
    });
  }

  get report(): FleetReport | undefined {
    return this.poller.latest;
  }

  fleetMetrics(): string {
    return this.fleet.text;
  }

  /** What /metrics serves of the fleet (UTF-8 and gzip, cached per poll). */
  fleetBody(): ExpositionBody {
    return this.fleet;
  }
}

function readCaFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`azure.caCertFile: cannot read ${file}: ${(err as Error).message}`);
  }
}
