import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { FleetReport } from '../analysis/report.js';
import { PreviousInstances } from '../model/previous-instances.js';
import type { FleetSnapshot } from '../model/snapshot.js';
import type { PollOutcome } from '../metrics/self-metrics.js';

export interface PollerDeps {
  /** Reads and judges the fleet; given the last poll's instances so that failing targets keep their last data. */
  poll(previous: PreviousInstances): Promise<{ snapshot: FleetSnapshot; report: FleetReport }>;
  /**
   * Called with every completed poll's report and the snapshot it came from (metrics, API, persistence);
   * the poll ends when what it returns settles (it must not reject).
   */
  publish(report: FleetReport, durationSeconds: number, outcome: PollOutcome, snapshot: FleetSnapshot): void | Promise<void>;
  pollFailed(durationSeconds: number, err: unknown): void;
  pollSkipped(): void;
  log: Logger;
}

export function outcomeOf(report: FleetReport): PollOutcome {
  const failed =
    report.instances.filter((instance) => !instance.targetUp).length +
    report.unresolvedTargets.length +
    report.subscriptionFailures.length;
  if (failed === 0) return 'success';
  const read = report.instances.filter((instance) => instance.targetUp).length;
  return read > 0 ? 'partial' : 'failure';
}

/** One poll at start-up, then on the cron schedule; a poll still running makes the next one skip. */
export class Poller {
  private running: Promise<FleetReport | undefined> | undefined;
  private task: ScheduledTask | undefined;
  private previous: FleetSnapshot | undefined;
  /** Set by stop(): no poll starts any more. */
  private stopping = false;
  /** Set by stop({ discard }): the running poll was cut short (its requests aborted), so it is not published. */
  private discarding = false;
  latest: FleetReport | undefined;

  constructor(private readonly deps: PollerDeps) {}

  /** The last complete snapshot (between polls; during a poll, the one being replaced is handed over to it). */
  get snapshot(): FleetSnapshot | undefined {
    return this.previous;
  }

  /**
   * Serves a snapshot saved by an earlier process until the first poll completes; it is also the
   * `previous` of that poll, so targets that fail at once keep their last data (judged as stale).
   */
  restore(snapshot: FleetSnapshot, report: FleetReport): void {
    this.previous = snapshot;
    this.latest = report;
  }

  /** Whether a poll is running now. */
  get polling(): boolean {
    return this.running !== undefined;
  }

  /** Polls now and on `schedule`; once stopped, never again (a schedule set then would hold the process). */
  start(schedule: string): void {
    if (this.stopping) return;
    void this.pollNow();
    this.task = cron.schedule(schedule, () => void this.pollNow(), { noOverlap: false });
  }

  /** Runs a poll unless one is running; never rejects (a failed poll is logged and counted). */
  pollNow(): Promise<FleetReport | undefined> {
    if (this.stopping) return Promise.resolve(this.latest);
    if (this.running) {
      this.deps.pollSkipped();
      this.deps.log.warn('previous poll still running; skipping this one (is the schedule shorter than a poll?)');
      return this.running;
    }
    this.running = this.runPoll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runPoll(): Promise<FleetReport | undefined> {
    const started = performance.now();
    // Handed over, not kept: the poll lets each old instance go as it reads that instance. A poll that
    // fails as a whole (a bug: targets fail one by one) leaves the next what it had not read yet.
    const previous = new PreviousInstances(this.previous);
    this.previous = undefined;
    try {
      const { snapshot, report } = await this.deps.poll(previous);
      if (this.discarding) {
        this.deps.log.info('poll cut short by shutdown: not published');
        return undefined;
      }
      const seconds = (performance.now() - started) / 1000;
      const outcome = outcomeOf(report);
      this.previous = snapshot;
      this.latest = report;
      await this.deps.publish(report, seconds, outcome, snapshot);
      this.deps.log.info(
        { outcome, seconds: Number(seconds.toFixed(3)), ...report.summary },
        `poll complete: ${report.summary.instances} instances, ${report.summary.down} down, ${report.summary.unknown} unknown`,
      );
      return report;
    } catch (err) {
      this.previous ??= previous.remaining();
      const seconds = (performance.now() - started) / 1000;
      this.deps.pollFailed(seconds, err);
      this.deps.log.error({ err }, 'poll failed');
      return undefined;
    }
  }

  /**
   * Stops the schedule and waits for a running poll to finish; with `discard`, that poll (whose requests
   * the caller aborted) is not published: its targets would all read as failed.
   */
  async stop(options: { discard?: boolean } = {}): Promise<void> {
    this.stopping = true;
    this.discarding = options.discard ?? false;
    await this.task?.destroy();
    this.task = undefined;
    await this.running;
  }
}
