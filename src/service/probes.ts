import type { Logger } from 'pino';
import { probeVerdict } from '../analysis/probe.js';
import { probeKey, unknownRouteProbes, type ProbeObservation, type ProbeRequest } from '../analysis/probe-plan.js';
import type { FleetReport } from '../analysis/report.js';
import type { ArmClients } from '../azure/clients.js';
import { runConnectivityCheck, type ProbeProtocol } from '../azure/connectivity-check.js';
import type { Config } from '../config/schema.js';
import type { FleetFamily } from '../metrics/family.js';
import { PROBE_FAMILIES } from '../metrics/probe-families.js';
import type { SelfMetrics } from '../metrics/self-metrics.js';
import { parseApimId, shortRegion } from '../model/ids.js';
import { ProbeScheduler } from './probe-scheduler.js';

export interface ProbesDeps {
  config: Pick<Config, 'probes' | 'paging'>;
  clients: ArmClients;
  log: Logger;
  selfMetrics: SelfMetrics;
  /** The report shown now, if any, and no poll running (a poll shows the probes when it ends). */
  latest(): FleetReport | undefined;
  /** Shows `report` again in the families `only` selects. */
  show(report: FleetReport, only: (family: FleetFamily) => boolean): Promise<void>;
}

const PROBE_NAMES = new Set(PROBE_FAMILIES.map((family) => family.name));
export const probeFamily = (family: FleetFamily): boolean => PROBE_NAMES.has(family.name);

/**
 * The monitor's probes: what asks for them (each poll's unknown routes, configured targets on a timer), the
 * scheduler that runs them on a budget, and the latest answer per check, attached to the report shown.
 */
export class Probes {
  private readonly scheduler: ProbeScheduler | undefined;
  private readonly observations = new Map<string, ProbeObservation>();
  /** Check -> when last asked for (epoch ms). */
  private readonly asked = new Map<string, number>();
  private targetTimer: NodeJS.Timeout | undefined;
  private reshowTimer: NodeJS.Timeout | undefined;
  /** Only a started (serving) monitor probes: a one-shot `check` polls once and exits without waiting for them. */
  private started = false;

  constructor(private readonly deps: ProbesDeps) {
    const { config, clients, log, selfMetrics } = deps;
    if (!config.probes.enabled) return;
    this.scheduler = new ProbeScheduler({
      maxPerMinute: config.probes.maxPerMinute,
      concurrency: config.probes.concurrency,
      run: (r) => runConnectivityCheck(clients, { apimId: r.apimId, region: r.location, address: r.address, port: r.port, protocol: r.protocol.toUpperCase() as ProbeProtocol }),
      answered: (request, outcome) => this.answered(request, probeVerdict(outcome.response)),
      counted: (outcome) => selfMetrics.probeCounted(outcome),
      log,
    });
  }

  /** Configured targets now (those whose region is known) and every `probes.intervalSeconds`. */
  start(): void {
    this.started = true;
    if (!this.scheduler || this.deps.config.probes.targets.length === 0) return;
    this.askTargets(() => true);
    this.targetTimer = setInterval(() => this.askTargets(() => true), this.deps.config.probes.intervalSeconds * 1000);
    this.targetTimer.unref();
  }

  stop(): void {
    this.started = false;
    this.scheduler?.stop();
    if (this.targetTimer) clearInterval(this.targetTimer);
    if (this.reshowTimer) clearTimeout(this.reshowTimer);
  }

  /** After a poll: probe the unknown or at-risk routes not asked within `unknownIntervalSeconds`, and targets still waiting for a region. */
  polled(report: FleetReport): void {
    if (!this.scheduler || !this.started) return;
    const now = Date.now();
    const every = this.deps.config.probes.unknownIntervalSeconds * 1000;
    for (const request of unknownRouteProbes(report, this.deps.config.paging.dependencies)) {
      const key = probeKey(request);
      const last = this.asked.get(key);
      if (last !== undefined && now - last < every) continue;
      if (this.scheduler.enqueue(request)) this.asked.set(key, now);
    }
    this.askTargets((key) => !this.asked.has(key), report);
    const ids = new Set(report.instances.map((instance) => instance.instance.id.toLowerCase()));
    for (const [key, seen] of this.observations) if (!ids.has(seen.apimId.toLowerCase())) this.observations.delete(key);
  }

  /** `report` with each instance's latest probe answers (the same report when there are none). */
  attach(report: FleetReport): FleetReport {
    if (this.observations.size === 0) return report;
    const byInstance = new Map<string, ProbeObservation[]>();
    for (const seen of this.observations.values()) {
      const id = seen.apimId.toLowerCase();
      byInstance.set(id, [...(byInstance.get(id) ?? []), seen]);
    }
    const instances = report.instances.map((instance) => {
      const probes = byInstance.get(instance.instance.id.toLowerCase());
      return probes ? { ...instance, probes } : instance;
    });
    return { ...report, instances };
  }

  /** The scheduler, for tests. */
  get queue(): ProbeScheduler | undefined {
    return this.scheduler;
  }

  private askTargets(want: (key: string) => boolean, report = this.deps.latest()): void {
    for (const target of this.deps.config.probes.targets) {
      const primary = report?.instances.find((i) => i.instance.id.toLowerCase() === target.instance.toLowerCase())?.instance.regions[0]?.location;
      const location = target.region ? shortRegion(target.region) : primary;
      if (!location) continue;
      const ref = parseApimId(target.instance);
      const request: ProbeRequest = {
        apimId: target.instance,
        subscriptionId: ref.subscriptionId,
        location,
        dependency: 'target',
        address: target.address,
        port: target.port,
        protocol: target.protocol,
        trigger: 'target',
      };
      const key = probeKey(request);
      if (want(key) && this.scheduler!.enqueue(request)) this.asked.set(key, Date.now());
    }
  }

  private answered(request: ProbeRequest, verdict: ReturnType<typeof probeVerdict>): void {
    this.deps.selfMetrics.probeCounted(verdict.state);
    const connected = verdict.state === 'connected' ? 1 : verdict.state === 'disconnected' ? 0 : undefined;
    const latencyMs = verdict.state === 'connected' ? verdict.latencyMs : undefined;
    this.observations.set(probeKey(request), {
      ...request,
      ...(connected !== undefined ? { connected } : {}),
      ...(latencyMs !== undefined ? { latencySeconds: latencyMs / 1000 } : {}),
      at: Date.now(),
    });
    // Answers often come together: one render for those within a moment.
    this.reshowTimer ??= setTimeout(() => {
      this.reshowTimer = undefined;
      const report = this.deps.latest();
      if (report) void this.deps.show(report, probeFamily);
    }, 100);
  }
}
