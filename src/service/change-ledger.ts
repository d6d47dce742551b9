import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { attributeVerdicts, withChanges, type Attribution, type RegionChanges } from '../analysis/change-attribution.js';
import { GRAPH_LAG_ALLOWANCE_MS, recordedOn, type ChangeRecord, type ElementPositions } from '../analysis/change-authors.js';
import { describeConfigChange } from '../analysis/config-diff.js';
import type { InstanceReport } from '../analysis/report.js';
import type { ArmClients } from '../azure/clients.js';
import { WATCH_GRAPH_RESERVE } from '../azure/network-reread.js';
import { toFetchFailure } from '../azure/normalise.js';
import { readResourceChanges } from '../azure/resource-changes.js';
import type { ConfigChange } from '../model/config-change.js';
import type { InstanceSnapshot, RegionNetworkConfig } from '../model/snapshot.js';
import { markDecidingItems, settleRegion, stillAsked, type HeldRegion } from './change-settling.js';

/** Changes a region keeps, newest first; older ones are dropped (their verdicts' joins go with them). */
const CHANGES_PER_REGION = 10;
/** A change shows this long, and joined to a verdict for as long as the verdict stands, up to `JOIN_TTL_MS`. */
const CHANGE_TTL_MS = 24 * 3600_000;
const JOIN_TTL_MS = 7 * 24 * 3600_000;

const regionKey = (instanceId: string, location: string): string => `${instanceId} ${location}`;
const instanceOf = (key: string): string => key.slice(0, key.lastIndexOf(' '));

/**
 * The configuration changes the monitor saw, per region, and the verdicts they changed: noted whenever an
 * instance read again (by a poll or a watch run) differs from its last read, kept across polls, joined into
 * every report shown, and completed with who made them once Resource Graph has the record.
 */
export class ChangeLedger {
  private readonly regions = new Map<string, HeldRegion>();
  /** When the configuration was last read (by a poll or a watch run): a change seen next happened after it. */
  private lastReadAt: Date | undefined;

  /** What an index in a change's records means: its resource's element names in the reads around it, while its records are asked for. */
  private readonly positions = new Map<ConfigChange, ElementPositions>();

  /** Takes over what `other` holds (a configuration reload's new monitor, from the old one). */
  takeOver(other: ChangeLedger): void {
    for (const [key, held] of other.regions) this.regions.set(key, held);
    for (const [change, positions] of other.positions) this.positions.set(change, positions);
    this.lastReadAt = other.lastReadAt;
  }

  /** The configuration was read at `at` (a poll, a watch run): a change seen later happened after it. */
  read(at: Date): void {
    this.lastReadAt = at;
    this.expire(at);
  }

  /**
   * Notes what changed between the last read of an instance (`before`, judged as `beforeReport`) and
   * this one, read and judged at `at`; returns `report` with the changes of its regions joined in.
   */
  observe(before: InstanceSnapshot | undefined, beforeReport: InstanceReport | undefined, after: InstanceSnapshot, report: InstanceReport, at: Date): InstanceReport {
    const previousReadAt = (this.lastReadAt ?? at).toISOString();
    for (const region of after.network ?? []) {
      const old = before?.network?.find((candidate) => candidate.location === region.location);
      const changes = old ? describeConfigChange(old, region, { detectedAt: at.toISOString(), previousReadAt }) : [];
      if (changes.length === 0) continue;
      for (const change of changes) {
        const positions = positionsOf(change, old!, region);
        if (positions) this.positions.set(change, positions);
      }
      const oldRegion = beforeReport?.regions.find((r) => r.location === region.location);
      const newRegion = report.regions.find((r) => r.location === region.location);
      this.record(report.instance.id, region.location, changes, oldRegion && newRegion ? attributeVerdicts(oldRegion, newRegion, changes) : []);
    }
    return this.attach(report);
  }

  private record(instanceId: string, location: string, changes: ConfigChange[], attributions: Attribution[]): void {
    const key = regionKey(instanceId, location);
    const held = this.regions.get(key) ?? { changes: [], attributions: new Map() };
    // A watch run whose result a poll overtook, and that poll, see the same change: it is kept once, whichever
    // spelling of the resource's ID each read had (a Resource Graph row's and a GET's differ in case).
    const same = new Map<ConfigChange, ConfigChange>();
    for (const change of changes) {
      const newest = held.changes.find((old) => old.resourceId.toLowerCase() === change.resourceId.toLowerCase());
      if (newest && isDeepStrictEqual(newest.items, change.items)) same.set(change, newest);
    }
    held.changes = [...changes.filter((change) => !same.has(change)), ...held.changes].slice(0, CHANGES_PER_REGION);
    for (const attribution of attributions) held.attributions.set(attribution.key, { ...attribution, change: same.get(attribution.change) ?? attribution.change });
    for (const change of same.keys()) this.positions.delete(change);
    for (const change of held.changes) markDecidingItems(held, change);
    this.regions.set(key, held);
  }

  private expire(now: Date): void {
    const age = (change: ConfigChange) => now.getTime() - Date.parse(change.detectedAt);
    for (const [key, held] of this.regions) {
      held.changes = held.changes.filter((change) => age(change) < CHANGE_TTL_MS);
      for (const [verdict, attribution] of held.attributions) if (age(attribution.change) >= JOIN_TTL_MS) held.attributions.delete(verdict);
      if (held.changes.length === 0 && held.attributions.size === 0) this.regions.delete(key);
    }
    const live = new Set([...this.regions.values()].flatMap((held) => [...held.changes, ...[...held.attributions.values()].map((attribution) => attribution.change)]));
    for (const change of this.positions.keys()) if (!live.has(change)) this.positions.delete(change);
  }

  /** `report` with its regions' changes joined in (the same object when it has none). */
  attach(report: InstanceReport): InstanceReport {
    return withChanges(report, (location): RegionChanges | undefined => this.regions.get(regionKey(report.instance.id, location)));
  }

  /** The IDs of the instances with changes held. */
  instances(): Set<string> {
    return new Set([...this.regions.keys()].map(instanceOf));
  }

  /** The changes whose records are still asked for (they may come, or change what they say), each once. */
  asked(now: Date): ConfigChange[] {
    return [...this.regions.values()].flatMap((held) => stillAsked(held, now));
  }

  /**
   * Joins each change still asked for, and each verdict it changed, to `records` (or says why they cannot be
   * read), and returns the IDs of the instances whose changes now read differently.
   */
  settle(records: readonly ChangeRecord[] | { error: string }, now: Date): Set<string> {
    const touched = new Set<string>();
    for (const [key, held] of this.regions) {
      if (settleRegion(held, records, now, (change) => this.positions.get(change))) touched.add(instanceOf(key));
    }
    const asked = new Set(this.asked(now));
    for (const change of this.positions.keys()) if (!asked.has(change)) this.positions.delete(change);
    return touched;
  }
}

/** The names by index of the rules, routes or service endpoints of the changed resource, before and after. */
function positionsOf(change: ConfigChange, before: RegionNetworkConfig, after: RegionNetworkConfig): ElementPositions | undefined {
  const names = (config: RegionNetworkConfig): string[] | undefined => {
    const subnet = config.subnet;
    if (change.resourceKind === 'networkSecurityGroup') return subnet?.nsg?.securityRules.map((rule) => rule.name);
    if (change.resourceKind === 'routeTable') return subnet?.routeTable?.routes.map((route) => route.name);
    if (change.resourceKind === 'subnet') return subnet?.serviceEndpoints.map((endpoint) => endpoint.service);
    return undefined;
  };
  const was = names(before);
  const is = names(after);
  return was && is ? { before: was, after: is } : undefined;
}

/**
 * Asks Resource Graph's `resourcechanges` who made the changes of `ledger` still asked for (one query for all of
 * them), and returns the IDs of the instances whose changes now read differently.
 */
export async function lookUpAuthors(ledger: ChangeLedger, clients: ArmClients, log: Logger): Promise<Set<string>> {
  const asked = ledger.asked(new Date());
  if (asked.length === 0) return new Set();
  const since = new Date(Math.min(...asked.map((change) => Date.parse(change.previousReadAt))) - GRAPH_LAG_ALLOWANCE_MS);
  let records: ChangeRecord[] | { error: string };
  try {
    const ids = asked.flatMap((change) => recordedOn(change, change.decidingItems ?? change.items));
    records = await readResourceChanges(clients, [...new Set(ids)], since, (task) => task(), WATCH_GRAPH_RESERVE);
  } catch (err) {
    records = { error: toFetchFailure('Resources_Query', err).message };
    log.warn({ err: records.error }, 'cannot read who made the configuration changes (Resource Graph resourcechanges); asking again next run');
  }
  return ledger.settle(records, new Date());
}
