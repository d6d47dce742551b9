import type { Logger } from 'pino';
import type { ArmSweep } from './arm-sweep.js';
import type { ArmClients, ArmRequestTally } from './clients.js';
import { ArmLimiter } from './limits.js';
import { toFetchFailure } from './normalise.js';
import type { GraphRow } from './resource-graph.js';
import type { ServiceTagsCache } from './service-tags-cache.js';
import { TimeSlicer } from './time-slicer.js';
import type { PreviousInstances } from '../model/previous-instances.js';
import type { FleetSnapshot, InstanceInfo, InstanceSnapshot, SubscriptionFailure } from '../model/snapshot.js';

/** What one poll's reading is given, and shares between its steps (discovery, bulk reads, instance reads). */

export interface CollectOptions {
  clients: ArmClients;
  /** Subscriptions to discover instances in; empty = every subscription the identity can read. */
  subscriptions: readonly string[];
  /** Explicit APIM resource IDs; when set, only these are watched. */
  instances: readonly string[];
  /** Only instances carrying all these tags (subscription discovery only). */
  tags: Readonly<Record<string, string>>;
  /** Concurrent ARM requests at most, in all ... */
  concurrency: number;
  /** ... and per subscription (default: `concurrency`, i.e. no separate cap). */
  concurrencyPerSubscription?: number;
  /**
   * Read APIM services and network configuration in bulk through Azure Resource Graph (one paged query
   * each for the whole fleet), falling back to per-subscription lists and per-resource GETs when it fails.
   */
  resourceGraph?: boolean;
  /** Read each region's subnet, NSG, route table and the service tags (the configuration analysis). */
  serviceTags?: ServiceTagsCache;
  /** This replica's share of the fleet (sharding): instances it does not own are neither read nor reported. */
  owns?: (instanceId: string) => boolean;
  /** The last poll's instances: their data stands in for an instance that fails now (staleness still applies). */
  previous?: PreviousInstances;
  /**
   * Which subscriptions that Resource Graph shows instances in discovery lists through ARM too, so that an
   * instance it has not indexed yet is found (default: one sweep per `clients`, kept across polls; arm-sweep.ts).
   */
  armSweep?: ArmSweep;
  /** Deadline for one instance's NetworkStatus read, retries and Retry-After waits included. */
  targetTimeoutMs?: number;
  now?: () => Date;
  log: Logger;
}

/** A bulk read's pages (Resource Graph rows), handed to `onPage` as each arrives; resolves whether every page was read. */
export type BulkPages = (onPage: (rows: readonly GraphRow[]) => Promise<void>) => Promise<boolean>;

/** What one poll cost in ARM requests, and whether Resource Graph served it. */
export interface CollectStats {
  /** Every ARM request attempt of this poll (retries included), in all and by operation. */
  armRequests: ArmRequestTally;
  /** Instances discovered (VNet-injected or not). */
  instances: number;
  /** `off`: disabled; `used`: every bulk read worked; `fallback`: at least one fell back to per-resource reads. */
  resourceGraph: 'off' | 'used' | 'fallback';
}

export interface CollectedSnapshot extends FleetSnapshot {
  stats: CollectStats;
}

export interface Discovery {
  instances: Array<{ info: InstanceInfo; failure?: InstanceSnapshot['failure'] }>;
  /** The subscriptions searched (configured, or every one the identity can read); lower-cased. */
  subscriptions: string[];
  subscriptionFailures: SubscriptionFailure[];
  unresolvedTargets: FleetSnapshot['unresolvedTargets'];
}

export interface PollContext {
  options: CollectOptions;
  limiter: ArmLimiter;
  /** Runs the poll's CPU work between I/O (see TimeSlicer). */
  slicer: TimeSlicer;
  /** Set when a Resource Graph read failed and per-resource reads stood in. */
  graphFellBack: boolean;
  /** Rows per Resource Graph page (default: the most Resource Graph gives, 1,000). */
  graphPageRows?: number;
  /** Resource Graph queries of the quota's window to leave to others (the configuration watch keeps some for the poll). */
  graphReserve?: number;
}

/** A reading's shared state: its request caps (global and per subscription) and its time slicer. */
export function newPollContext(options: CollectOptions): PollContext {
  return {
    options,
    limiter: new ArmLimiter(options.concurrency, options.concurrencyPerSubscription ?? options.concurrency),
    slicer: new TimeSlicer(),
    graphFellBack: false,
  };
}

/**
 * Reads a Resource Graph query page by page into `onPage`; false (logged once) when it fails, and the
 * caller falls back to reading resources one by one. The read has the deadline of one target
 * (`targetTimeoutMs`), and fails at once rather than wait long for Resource Graph's quota (graph-quota.ts)
 * or page without end (graph-paging-guard.ts).
 */
export async function graphPages(
  ctx: PollContext,
  what: string,
  subscriptions: readonly string[],
  query: string,
  onPage: (rows: GraphRow[]) => void | Promise<void>,
): Promise<boolean> {
  if (subscriptions.length === 0) return true;
  try {
    await ctx.options.clients
      .resourceGraph()
      .queryPages(subscriptions, query, (task) => ctx.limiter.run(undefined, task), onPage, ctx.graphPageRows, ctx.graphReserve, ctx.options.targetTimeoutMs);
    return true;
  } catch (err) {
    const failure = toFetchFailure('Resources_Query', err);
    ctx.graphFellBack = true;
    ctx.options.log.warn(
      { code: failure.code, status: failure.statusCode, subscriptions: subscriptions.length },
      `Resource Graph query for ${what} failed, reading them one by one instead: ${failure.message}`,
    );
    return false;
  }
}
