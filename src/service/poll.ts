import { judgeFleet, judgeInstance, type AnalysisPolicy } from '../analysis/analyse.js';
import type { FleetReport, InstanceReport } from '../analysis/report.js';
import { FleetReading, type CollectedSnapshot, type CollectOptions, type Discovery } from '../azure/fleet-reading.js';
import type { ServiceTagSet } from '../model/network.js';
import type { PreviousInstances } from '../model/previous-instances.js';
import type { InstanceSnapshot } from '../model/snapshot.js';
import type { ExpositionStore } from '../metrics/exposition-store.js';
import { ownFamily } from '../metrics/family.js';
import type { ChangeLedger } from './change-ledger.js';

export interface PollDeps {
  /** How ARM is read (clients, scope, concurrency, bulk reads), apart from the last poll's instances. */
  read: Omit<CollectOptions, 'previous'>;
  policy: AnalysisPolicy;
  /** Where each judged instance's own series go at once (the fleet-wide ones, and publishing, are the monitor's). */
  exposition?: ExpositionStore;
  /** Where configuration changes against the last read are noted, and joined into the reports. */
  changes?: ChangeLedger;
  /** The report shown before this poll, whose verdicts the changes are joined to. */
  shown?: FleetReport;
  /** Instances read so far out of all discovered (the CLI's progress line, the benchmark). */
  onProgress?: (done: number, total: number) => void;
}

export interface PollResult {
  snapshot: CollectedSnapshot;
  report: FleetReport;
}

/**
 * One poll, step after step: discover the instances, start the fleet-wide reads, read each instance,
 * judge it and render its series as soon as it is read (that CPU work overlapping the other instances'
 * requests), then judge what needs the whole fleet (drift). Publishing the result is the caller's.
 */
export class Poll {
  private readonly reading: FleetReading;
  /** Each instance as read, and as judged, by resource ID. */
  private readonly snapshots = new Map<string, InstanceSnapshot>();
  private readonly judged = new Map<string, InstanceReport>();
  /** The shown report's instances, by resource ID. */
  private readonly shown: Map<string, InstanceReport>;

  /** `previous`: the last poll's instances, whose data stands in for a target that fails now. */
  constructor(
    private readonly deps: PollDeps,
    private readonly previous: PreviousInstances,
  ) {
    this.reading = new FleetReading({ ...deps.read, previous });
    this.shown = new Map(deps.changes ? deps.shown?.instances.map((report) => [report.instance.id, report]) : []);
  }

  async run(): Promise<PollResult> {
    const discovery = await this.reading.discover();
    const serviceTags = this.reading.startBulkReads(discovery);
    await this.readAndJudge(discovery, serviceTags);
    // A bulk read no instance waited for (Virtual WAN hubs of a fleet without hubs) must not outlive the poll.
    await this.reading.settled();
    const snapshot: CollectedSnapshot = {
      takenAt: this.reading.takenAt,
      instances: discovery.instances.flatMap((entry) => this.snapshots.get(entry.info.id) ?? []),
      subscriptionFailures: discovery.subscriptionFailures,
      // Explicit targets list no subscription: nothing was read of those configured.
      subscriptionsRead: this.deps.read.instances.length > 0 ? [] : discovery.subscriptions.filter((id) => !discovery.subscriptionFailures.some((failure) => failure.subscriptionId === id)),
      unresolvedTargets: discovery.unresolvedTargets,
      stats: this.reading.finish(),
    };
    const tags = await serviceTags;
    if (tags) snapshot.serviceTags = tags;
    const report = judgeFleet(snapshot, [...this.judged.values()], this.deps.policy, new Date());
    return { snapshot, report };
  }

  /** `report` with the configuration changes since the last read joined in. */
  private noteChanges(before: InstanceSnapshot | undefined, snapshot: InstanceSnapshot, report: InstanceReport): InstanceReport {
    return this.deps.changes?.observe(before, this.shown.get(snapshot.instance.id), snapshot, report, this.reading.takenAt) ?? report;
  }

  /** Every instance read and judged; one that vanished since discovery is neither. */
  private async readAndJudge(discovery: Discovery, serviceTags: Promise<ServiceTagSet | undefined>): Promise<void> {
    const total = discovery.instances.length;
    let done = 0;
    this.deps.onProgress?.(0, total);
    await Promise.all(
      discovery.instances.map(async (entry) => {
        const before = this.previous.peek(entry.info.id);
        const snapshot = await this.reading.readInstance(entry);
        if (snapshot) {
          this.snapshots.set(snapshot.instance.id, snapshot);
          const tags = await serviceTags;
          const report = await this.reading.slice(() => this.noteChanges(before, snapshot, judgeInstance(snapshot, new Date(), this.deps.policy, tags)));
          this.judged.set(snapshot.instance.id, report);
          await this.reading.slice(() => this.deps.exposition?.put(report, ownFamily));
        }
        this.deps.onProgress?.(++done, total);
      }),
    );
  }
}
