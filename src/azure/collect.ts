import type { Logger } from 'pino';
import { MAX_AZURE_TEXT } from '../model/text.js';
import type { ArmClients, ArmRequestTally } from './clients.js';
import { ArmLimiter } from './limits.js';
import { TimeSlicer } from './time-slicer.js';
import { NetworkConfigReader, type BulkPages } from './network-config.js';
import { toFetchFailure, toInstanceInfo, toRegionStatuses } from './normalise.js';
import { parseSubnetId } from './normalise-subnet.js';
import { APIM_SERVICES_QUERY, apimServiceFromGraph, NETWORK_QUERY, type GraphRow } from './resource-graph.js';
import type { ServiceTagsCache } from './service-tags-cache.js';
import { fleetOrder } from '../model/fleet-order.js';
import { parseApimId } from '../model/ids.js';
import type { PreviousInstances } from '../model/previous-instances.js';
import type { ServiceTagSet } from '../model/network.js';
import type { FleetSnapshot, InstanceInfo, InstanceSnapshot, RegionNetworkStatus, SubscriptionFailure } from '../model/snapshot.js';

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
  /**
   * Called with each instance's snapshot as soon as it is read (and the service tags are in), so that
   * the caller's CPU work on it overlaps the other instances' ARM requests.
   */
  onInstance?: (snapshot: InstanceSnapshot, serviceTags: ServiceTagSet | undefined) => void;
  /** Called once discovery is done with the IDs of the instances the poll reads, in the order it reads them (fleetOrder). */
  onDiscovered?: (ids: readonly string[]) => void;
  /** This replica's share of the fleet (sharding): instances it does not own are neither read nor reported. */
  owns?: (instanceId: string) => boolean;
  /** The last poll's instances: their data stands in for an instance that fails now (staleness still applies). */
  previous?: PreviousInstances;
  /** Deadline for one instance's NetworkStatus read, retries and Retry-After waits included. */
  targetTimeoutMs?: number;
  now?: () => Date;
  log: Logger;
  onProgress?: (done: number, total: number) => void;
}

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

interface Discovery {
  instances: Array<{ info: InstanceInfo; failure?: InstanceSnapshot['failure'] }>;
  subscriptionFailures: SubscriptionFailure[];
  unresolvedTargets: FleetSnapshot['unresolvedTargets'];
}

function hasTags(info: InstanceInfo, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    const actual = Object.entries(info.tags).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    return actual === value;
  });
}

interface PollContext {
  options: CollectOptions;
  limiter: ArmLimiter;
  /** Runs the poll's CPU work between I/O (see TimeSlicer). */
  slicer: TimeSlicer;
  /** Set when a Resource Graph read failed and per-resource reads stood in. */
  graphFellBack: boolean;
}

/**
 * Reads a Resource Graph query page by page into `onPage`; false (logged) when it fails, and the caller
 * falls back to reading resources one by one.
 */
async function graphPages(
  ctx: PollContext,
  what: string,
  subscriptions: readonly string[],
  query: string,
  onPage: (rows: GraphRow[]) => void | Promise<void>,
): Promise<boolean> {
  if (subscriptions.length === 0) return true;
  try {
    await ctx.options.clients.resourceGraph().queryPages(subscriptions, query, (task) => ctx.limiter.run(undefined, task), onPage);
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

/** Discovery rows by lower-cased APIM ID, or undefined when Resource Graph is off or failed. */
async function graphServices(ctx: PollContext, subscriptions: readonly string[]): Promise<Map<string, InstanceInfo> | undefined> {
  if (!ctx.options.resourceGraph) return undefined;
  const services = new Map<string, InstanceInfo>();
  const read = await graphPages(ctx, 'APIM services', subscriptions, APIM_SERVICES_QUERY, (rows) => {
    for (const row of rows) {
      try {
        const info = toInstanceInfo(apimServiceFromGraph(row));
        services.set(info.id, info);
      } catch (err) {
        ctx.options.log.warn({ id: row.id }, `ignoring a Resource Graph row that is not an APIM service: ${(err as Error).message}`);
      }
    }
  });
  return read ? services : undefined;
}

async function discoverExplicit(ctx: PollContext): Promise<Discovery> {
  const { options, limiter } = ctx;
  const result: Discovery = { instances: [], subscriptionFailures: [], unresolvedTargets: [] };
  // Another replica's targets cost this one no request; a target listed twice is read once.
  const unique = new Map<string, ReturnType<typeof parseApimId>>();
  for (const ref of options.instances.map((id) => parseApimId(id))) if (!unique.has(ref.id)) unique.set(ref.id, ref);
  const targets = [...unique.values()].filter((ref) => options.owns?.(ref.id) ?? true);
  const bulk = await graphServices(ctx, [...new Set(targets.map((ref) => ref.subscriptionId))]);
  await Promise.all(
    targets.map(async (ref) => {
      const found = bulk?.get(ref.id);
      if (found) {
        result.instances.push({ info: found });
        return;
      }
      // Not in Resource Graph (deleted, not yet indexed, or unreadable) or no bulk read: ask ARM itself.
      await limiter.run(ref.subscriptionId, async () => {
        try {
          const service = await options.clients.apiManagement(ref.subscriptionId).apiManagementService.get(ref.resourceGroup, ref.name);
          result.instances.push({ info: toInstanceInfo(service) });
        } catch (err) {
          const failure = toFetchFailure('ApiManagementService_Get', err);
          const known = options.previous?.info(ref.id);
          options.log.warn({ instance: ref.id, code: failure.code, status: failure.statusCode }, `cannot read APIM instance: ${failure.message}`);
          // A deleted instance (404) is gone: its series must disappear, not linger as stale data.
          if (known && failure.statusCode !== 404) result.instances.push({ info: known, failure });
          else result.unresolvedTargets.push({ ...ref, failure });
        }
      });
    }),
  );
  return result;
}

async function listSubscriptions(options: CollectOptions): Promise<string[]> {
  if (options.subscriptions.length > 0) return [...new Set(options.subscriptions.map((id) => id.toLowerCase()))];
  const ids: string[] = [];
  for await (const subscription of options.clients.subscriptions().subscriptions.list()) {
    if (subscription.subscriptionId && (subscription.state ?? 'Enabled') === 'Enabled') ids.push(subscription.subscriptionId.toLowerCase());
  }
  return ids;
}

async function discoverBySubscription(ctx: PollContext): Promise<Discovery> {
  const { options, limiter } = ctx;
  const result: Discovery = { instances: [], subscriptionFailures: [], unresolvedTargets: [] };
  let subscriptions: string[];
  try {
    subscriptions = await listSubscriptions(options);
  } catch (err) {
    const failure = toFetchFailure('Subscriptions_List', err);
    options.log.error({ code: failure.code }, `cannot list subscriptions: ${failure.message}`);
    result.subscriptionFailures.push({ ...failure, subscriptionId: '' });
    subscriptions = options.previous?.subscriptions() ?? [];
  }
  const bulk = await graphServices(ctx, subscriptions);
  let toList = subscriptions;
  if (bulk) {
    const seen = new Set<string>();
    for (const info of bulk.values()) {
      seen.add(info.subscriptionId);
      if (hasTags(info, options.tags)) result.instances.push({ info });
    }
    // Resource Graph leaves out, without an error, what the identity cannot read: a subscription with
    // no instance there is listed directly, so that a lost role assignment shows as a failure.
    toList = subscriptions.filter((subscriptionId) => !seen.has(subscriptionId));
  }
  await Promise.all(
    toList.map((subscriptionId) =>
      limiter.run(subscriptionId, async () => {
        try {
          for await (const service of options.clients.apiManagement(subscriptionId).apiManagementService.list()) {
            const info = toInstanceInfo(service);
            if (hasTags(info, options.tags)) result.instances.push({ info });
          }
        } catch (err) {
          const failure = toFetchFailure('ApiManagementService_List', err);
          options.log.error({ subscription: subscriptionId, code: failure.code, status: failure.statusCode }, `cannot list APIM instances: ${failure.message}`);
          result.subscriptionFailures.push({ ...failure, subscriptionId });
          // Keep watching what we knew of this subscription, marked as unreadable, instead of going silent.
          for (const known of options.previous?.inSubscription(subscriptionId) ?? []) {
            if (!result.instances.some((i) => i.info.id === known.id)) result.instances.push({ info: known, failure });
          }
        }
      }),
    ),
  );
  return result;
}

/**
 * Resource Graph writes a resource's `location` in its short form (`westeurope`); NetworkStatus names
 * each region as Azure displays it (`West Europe`): regions that only have the short form take that.
 */
function withDisplayNames(info: InstanceInfo, statuses: readonly RegionNetworkStatus[]): InstanceInfo {
  if (!info.regions.some((region) => region.displayLocation === region.location)) return info;
  const display = new Map(statuses.map((status) => [status.location, status.displayLocation]));
  return {
    ...info,
    regions: info.regions.map((region) =>
      region.displayLocation === region.location && display.has(region.location) ? { ...region, displayLocation: display.get(region.location)! } : region,
    ),
  };
}

/** The target's deadline counts from when its request starts, not while it waits for a slot. */
async function withDeadline<T>(timeoutMs: number | undefined, target: string, read: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  if (timeoutMs === undefined) return read(undefined);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await read(signal);
  } catch (err) {
    if (!signal.aborted) throw err;
    throw Object.assign(new Error(`${target} did not answer within azure.targetTimeoutSeconds (${Math.round(timeoutMs / 1000)} s), retries and Retry-After waits included: skipped until the next poll`), {
      code: 'TargetTimeout',
    });
  }
}

async function fetchInstance(
  entry: Discovery['instances'][number],
  options: CollectOptions,
  network: NetworkConfigReader | undefined,
  limiter: ArmLimiter,
): Promise<InstanceSnapshot | undefined> {
  const { info } = entry;
  if (info.vnetType === 'None') {
    options.previous?.take(info.id);
    return entry.failure ? { instance: info, failure: entry.failure } : { instance: info };
  }
  const now = options.now ?? (() => new Date());
  const config = network?.readInstance(info);
  try {
    const body = await limiter.run(info.subscriptionId, () =>
      withDeadline(options.targetTimeoutMs, info.id, (abortSignal) =>
        options.clients.apiManagement(info.subscriptionId).networkStatus.listByService(info.resourceGroup, info.name, abortSignal ? { abortSignal } : {}),
      ),
    );
    for (const region of body) {
      for (const entry of region.networkStatus?.connectivityStatus ?? []) {
        if ((entry.error?.length ?? 0) > MAX_AZURE_TEXT) {
          options.log.debug({ instance: info.id, endpoint: entry.name, error: entry.error }, `NetworkStatus error text longer than ${MAX_AZURE_TEXT} characters: cut in the report, whole here`);
        }
      }
    }
    const networkStatus = toRegionStatuses(body);
    options.previous?.take(info.id);
    const snapshot: InstanceSnapshot = { instance: withDisplayNames(info, networkStatus), networkStatus, networkStatusFetchedAt: now() };
    if (entry.failure) snapshot.failure = entry.failure;
    if (config) snapshot.network = await config;
    return snapshot;
  } catch (err) {
    const failure = toFetchFailure('NetworkStatus_ListByService', err);
    const previous = options.previous?.take(info.id);
    if (failure.statusCode === 404) {
      options.log.warn({ instance: info.id }, 'APIM instance disappeared between discovery and fetch; dropping it');
      return undefined;
    }
    options.log.warn({ instance: info.id, code: failure.code, status: failure.statusCode }, `cannot read network status: ${failure.message}`);
    const snapshot: InstanceSnapshot = { instance: withDisplayNames(info, previous?.networkStatus ?? []), failure };
    // readInstance never rejects: each region records its own failure.
    const network = (await config) ?? previous?.network;
    if (network) snapshot.network = network;
    if (previous?.networkStatus) snapshot.networkStatus = previous.networkStatus;
    if (previous?.networkStatusFetchedAt) snapshot.networkStatusFetchedAt = previous.networkStatusFetchedAt;
    return snapshot;
  }
}

/**
 * The network resources of the monitored regions, read through Resource Graph across the subscriptions
 * their VNets live in and handed over page by page; false (every resource then read by GET) when off
 * or failed.
 */
function networkInBulk(ctx: PollContext, instances: readonly InstanceInfo[]): BulkPages {
  return async (onPage) => {
    if (!ctx.options.resourceGraph) return false;
    const subscriptions = new Set<string>();
    for (const info of instances) {
      for (const region of info.regions) {
        const ref = region.subnetId ? parseSubnetId(region.subnetId) : undefined;
        if (ref) subscriptions.add(ref.subscriptionId);
      }
    }
    if (subscriptions.size === 0) return false;
    return graphPages(ctx, 'network configuration', [...subscriptions], NETWORK_QUERY, onPage);
  };
}

function countDiff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const d = count - (before[key] ?? 0);
    if (d > 0) diff[key] = d;
  }
  return diff;
}

function tallyDiff(after: ArmRequestTally, before: ArmRequestTally): ArmRequestTally {
  return {
    total: after.total - before.total,
    byOperation: countDiff(after.byOperation, before.byOperation),
    bySubscription: countDiff(after.bySubscription, before.bySubscription),
  };
}

function keepOwn(discovery: Discovery, owns: CollectOptions['owns']): Discovery {
  if (!owns) return discovery;
  return {
    ...discovery,
    instances: discovery.instances.filter((entry) => owns(entry.info.id)),
    unresolvedTargets: discovery.unresolvedTargets.filter((target) => owns(target.id)),
  };
}

/** One poll's worth of ARM reads: discovery, then every instance's NetworkStatus, isolated per target. */
export async function collectSnapshot(options: CollectOptions): Promise<CollectedSnapshot> {
  const requestsBefore = options.clients.requests();
  const ctx: PollContext = {
    options,
    limiter: new ArmLimiter(options.concurrency, options.concurrencyPerSubscription ?? options.concurrency),
    slicer: new TimeSlicer(),
    graphFellBack: false,
  };
  const takenAt = (options.now ?? (() => new Date()))();
  const discovery = keepOwn(options.instances.length > 0 ? await discoverExplicit(ctx) : await discoverBySubscription(ctx), options.owns);
  const toRead = fleetOrder(discovery.instances, (entry) => entry.info);
  options.onDiscovered?.(toRead.map((entry) => entry.info.id));
  const monitored = discovery.instances.filter((entry) => entry.info.vnetType !== 'None');
  const serviceTags = options.serviceTags?.get(
    monitored.map((entry) => ({ subscriptionId: entry.info.subscriptionId, location: entry.info.regions[0]?.location ?? '' })),
  );
  const network = options.serviceTags ? new NetworkConfigReader(options.clients, ctx.limiter, options.log, ctx.slicer) : undefined;
  network?.readInBulk(networkInBulk(ctx, monitored.map((entry) => entry.info)));
  let done = 0;
  const total = toRead.length;
  options.onProgress?.(0, total);
  const snapshots = await Promise.all(
    toRead.map(async (entry) => {
      const snapshot = await fetchInstance(entry, options, network, ctx.limiter);
      if (snapshot && options.onInstance) {
        const tags = await serviceTags;
        await ctx.slicer.run(() => options.onInstance?.(snapshot, tags));
      }
      options.onProgress?.(++done, total);
      return snapshot;
    }),
  );
  const tags = await serviceTags;
  const stats: CollectStats = {
    armRequests: tallyDiff(options.clients.requests(), requestsBefore),
    instances: total,
    resourceGraph: !options.resourceGraph ? 'off' : ctx.graphFellBack ? 'fallback' : 'used',
  };
  options.log.info(
    {
      armRequests: stats.armRequests.total,
      armRequestsPerInstance: total > 0 ? Number((stats.armRequests.total / total).toFixed(3)) : null,
      byOperation: stats.armRequests.byOperation,
      resourceGraph: stats.resourceGraph,
    },
    `ARM reads done: ${stats.armRequests.total} requests for ${total} instances`,
  );
  return {
    ...(tags ? { serviceTags: tags } : {}),
    takenAt,
    instances: snapshots.filter((snapshot): snapshot is InstanceSnapshot => snapshot !== undefined),
    subscriptionFailures: discovery.subscriptionFailures,
    unresolvedTargets: discovery.unresolvedTargets,
    stats,
  };
}
