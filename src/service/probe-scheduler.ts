import type { Logger } from 'pino';
import type { ConnectivityCheckOutcome } from '../azure/connectivity-check.js';
import { probeKey, type ProbeRequest } from '../analysis/probe-plan.js';

/** What became of one probe, as `apim_netwatch_probes_total{outcome}` counts it. */
export type ProbeOutcome = 'connected' | 'disconnected' | 'unknown' | 'throttled' | 'forbidden' | 'timeout' | 'error';

export interface ProbeSchedulerOptions {
  /** Connectivity-check actions per subscription in any 60 s. */
  maxPerMinute: number;
  /** Checks in flight at once, fleet-wide. */
  concurrency: number;
  run(request: ProbeRequest): Promise<ConnectivityCheckOutcome>;
  /** Every answer Azure gave (not called for failures). */
  answered(request: ProbeRequest, outcome: Extract<ConnectivityCheckOutcome, { ok: true }>): void;
  counted(outcome: ProbeOutcome): void;
  log: Logger;
  /** Without Retry-After, a 429 pauses its subscription this long (default 60 s). */
  defaultPauseMs?: number;
}

const WINDOW_MS = 60_000;

/**
 * Runs connectivity checks on their own, never awaited by the poll or the watch: a queue deduplicated by
 * check (instance, region, address, port, protocol), at most `maxPerMinute` starts per subscription in
 * any minute and `concurrency` in flight. 429 pauses the subscription for its Retry-After (the check waits
 * in the queue); 403 switches
 * probes off for that subscription (one warning), and nothing else notices.
 */
export class ProbeScheduler {
  private readonly queue = new Map<string, ProbeRequest>();
  private readonly inFlight = new Set<string>();
  /** Subscription -> start times (epoch ms) within the last minute. */
  private readonly starts = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();
  private readonly forbidden = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void>[] = [];

  constructor(private readonly options: ProbeSchedulerOptions) {}

  /** Queues a check unless the same one is queued or running, or its subscription refused probes. */
  enqueue(request: ProbeRequest): boolean {
    const key = probeKey(request);
    const sub = request.subscriptionId.toLowerCase();
    if (this.stopped || this.forbidden.has(sub) || this.queue.has(key) || this.inFlight.has(key)) return false;
    this.queue.set(key, request);
    this.pump();
    return true;
  }

  /** Whether a subscription refused probes (403). */
  isForbidden(subscriptionId: string): boolean {
    return this.forbidden.has(subscriptionId.toLowerCase());
  }

  get pending(): number {
    return this.queue.size + this.inFlight.size;
  }

  /** Stops starting checks; those in flight finish (each within its deadline), and their answers are dropped. */
  stop(): void {
    this.stopped = true;
    this.queue.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when the checks in flight now have ended (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.running);
  }

  /** When `sub` may start a check next (epoch ms); now or earlier means it may. */
  private nextStart(sub: string, now: number): number {
    const recent = (this.starts.get(sub) ?? []).filter((t) => t > now - WINDOW_MS);
    this.starts.set(sub, recent);
    const byBudget = recent.length < this.options.maxPerMinute ? now : recent[recent.length - this.options.maxPerMinute]! + WINDOW_MS;
    return Math.max(byBudget, this.pausedUntil.get(sub) ?? 0);
  }

  private pump(): void {
    if (this.stopped) return;
    const now = Date.now();
    let wake = Infinity;
    for (const [key, request] of this.queue) {
      if (this.inFlight.size >= this.options.concurrency) return;
      const sub = request.subscriptionId.toLowerCase();
      const next = this.nextStart(sub, now);
      if (next > now) {
        wake = Math.min(wake, next);
        continue;
      }
      this.queue.delete(key);
      this.inFlight.add(key);
      this.starts.get(sub)!.push(now);
      const run = this.runOne(key, request);
      this.running.push(run);
      void run.finally(() => {
        this.running = this.running.filter((r) => r !== run);
      });
    }
    if (wake !== Infinity && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, Math.max(10, wake - now));
      this.timer.unref();
    }
  }

  private async runOne(key: string, request: ProbeRequest): Promise<void> {
    let outcome: ConnectivityCheckOutcome;
    try {
      outcome = await this.options.run(request);
    } catch (err) {
      outcome = { ok: false, failure: { kind: 'error', message: (err as Error).message } };
    }
    this.inFlight.delete(key);
    if (this.stopped) return;
    this.settle(request, outcome);
    this.pump();
  }

  private settle(request: ProbeRequest, outcome: ConnectivityCheckOutcome): void {
    const { log, counted } = this.options;
    const sub = request.subscriptionId.toLowerCase();
    if (outcome.ok) {
      this.options.answered(request, outcome);
      return;
    }
    const { failure } = outcome;
    if (failure.kind === 'permission') {
      counted('forbidden');
      if (this.forbidden.has(sub)) return;
      this.forbidden.add(sub);
      for (const [key, queued] of this.queue) if (queued.subscriptionId.toLowerCase() === sub) this.queue.delete(key);
      log.warn({ subscription: request.subscriptionId }, `probes are off for subscription ${request.subscriptionId}: ${failure.message}`);
      return;
    }
    if (failure.kind === 'throttled') {
      counted('throttled');
      const pauseMs = failure.retryAfterSeconds !== undefined ? failure.retryAfterSeconds * 1000 : (this.options.defaultPauseMs ?? 60_000);
      this.pausedUntil.set(sub, Date.now() + pauseMs);
      // Asked again once the pause ends (pump runs after settle), not a whole trigger interval later.
      if (!this.queue.has(probeKey(request))) this.queue.set(probeKey(request), request);
      log.info({ subscription: request.subscriptionId, pauseSeconds: pauseMs / 1000 }, 'connectivity checks throttled (429): paused for the subscription');
      return;
    }
    counted(failure.kind === 'timeout' ? 'timeout' : 'error');
    log.debug({ apimId: request.apimId, address: request.address, port: request.port }, failure.message);
  }
}
