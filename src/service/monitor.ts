import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { analyseFleet } from '../analysis/analyse.js';
import type { FleetReport } from '../analysis/report.js';
import { ArmClients } from '../azure/clients.js';
import { collectSnapshot } from '../azure/collect.js';
import { createCredential } from '../azure/credentials.js';
import { ServiceTagsCache } from '../azure/service-tags-cache.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/load.js';
import { renderFleet } from '../metrics/render.js';
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
}

/** The whole pipeline wired from a config: ARM clients -> collect -> analyse -> rendered report. */
export class Monitor {
  readonly selfMetrics: SelfMetrics;
  readonly poller: Poller;
  private fleetText = '';

  constructor(readonly config: Config, options: MonitorOptions) {
    const { log } = options;
    const caPem = options.caPem ?? readCaFile(config.azure.caCertFile);
    const { credential, kind } = createCredential(config.azure.credential, config.azure.endpoint);
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
      collect: (previous) =>
        collectSnapshot({
          clients,
          subscriptions: config.azure.subscriptions,
          instances: config.targets.instances,
          tags: config.targets.tags,
          concurrency: config.concurrency,
          ...(config.readNetworkConfig ? { serviceTags } : {}),
          log,
          ...(previous ? { previous } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        }),
      analyse: (snapshot) => analyseFleet(snapshot, policy, new Date()),
      publish: (report, seconds, outcome) => {
        this.fleetText = renderFleet(report);
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
    return this.fleetText;
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
