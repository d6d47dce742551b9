import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { ArmClients } from './clients.js';
import { NetworkConfigReader } from './network-config.js';
import { toFetchFailure, toInstanceInfo, toRegionStatuses } from './normalise.js';
import type { ServiceTagsCache } from './service-tags-cache.js';
import { parseApimId } from '../model/ids.js';
import type { FleetSnapshot, InstanceInfo, InstanceSnapshot, SubscriptionFailure } from '../model/snapshot.js';

export interface CollectOptions {
  clients: ArmClients;
  /** Subscriptions to discover instances in; empty = every subscription the identity can read. */
  subscriptions: readonly string[];
  /** Explicit APIM resource IDs; when set, only these are watched. */
  instances: readonly string[];
  /** Only instances carrying all these tags (subscription discovery only). */
  tags: Readonly<Record<string, string>>;
  concurrency: number;
  /** Read each region's subnet, NSG, route table and the service tags (the configuration analysis). */
  serviceTags?: ServiceTagsCache;
  /** The last snapshot: its data stands in for an instance that fails now (staleness still applies). */
  previous?: FleetSnapshot;
  now?: () => Date;
  log: Logger;
  onProgress?: (done: number, total: number) => void;
}

type Limit = ReturnType<typeof pLimit>;

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

async function discoverExplicit(options: CollectOptions, limit: Limit): Promise<Discovery> {
  const result: Discovery = { instances: [], subscriptionFailures: [], unresolvedTargets: [] };
  const previous = new Map(options.previous?.instances.map((snapshot) => [snapshot.instance.id, snapshot.instance]));
  await Promise.all(
    options.instances.map((id) =>
      limit(async () => {
        const ref = parseApimId(id);
        try {
          const service = await options.clients.apiManagement(ref.subscriptionId).apiManagementService.get(ref.resourceGroup, ref.name);
          result.instances.push({ info: toInstanceInfo(service) });
        } catch (err) {
          const failure = toFetchFailure('ApiManagementService_Get', err);
          const known = previous.get(ref.id);
          options.log.warn({ instance: ref.id, code: failure.code, status: failure.statusCode }, `cannot read APIM instance: ${failure.message}`);
          // A deleted instance (404) is gone: its series must disappear, not linger as stale data.
          if (known && failure.statusCode !== 404) result.instances.push({ info: known, failure });
          else result.unresolvedTargets.push({ ...ref, failure });
        }
      }),
    ),
  );
  return result;
}

async function listSubscriptions(options: CollectOptions): Promise<string[]> {
  if (options.subscriptions.length > 0) return options.subscriptions.map((id) => id.toLowerCase());
  const ids: string[] = [];
  for await (const subscription of options.clients.subscriptions().subscriptions.list()) {
    if (subscription.subscriptionId && (subscription.state ?? 'Enabled') === 'Enabled') ids.push(subscription.subscriptionId.toLowerCase());
  }
  return ids;
}

async function discoverBySubscription(options: CollectOptions, limit: Limit): Promise<Discovery> {
  const result: Discovery = { instances: [], subscriptionFailures: [], unresolvedTargets: [] };
  let subscriptions: string[];
  try {
    subscriptions = await listSubscriptions(options);
  } catch (err) {
    const failure = toFetchFailure('Subscriptions_List', err);
    options.log.error({ code: failure.code }, `cannot list subscriptions: ${failure.message}`);
    result.subscriptionFailures.push({ ...failure, subscriptionId: '' });
    subscriptions = [...new Set(options.previous?.instances.map((snapshot) => snapshot.instance.subscriptionId) ?? [])];
  }
  await Promise.all(
    subscriptions.map((subscriptionId) =>
      limit(async () => {
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
          for (const known of options.previous?.instances ?? []) {
            if (known.instance.subscriptionId === subscriptionId && !result.instances.some((i) => i.info.id === known.instance.id)) {
              result.instances.push({ info: known.instance, failure });
            }
          }
        }
      }),
    ),
  );
  return result;
}

async function fetchInstance(
  entry: Discovery['instances'][number],
  options: CollectOptions,
  previous: InstanceSnapshot | undefined,
  network: NetworkConfigReader | undefined,
  limit: Limit,
): Promise<InstanceSnapshot | undefined> {
  const { info } = entry;
  if (info.vnetType === 'None') return entry.failure ? { instance: info, failure: entry.failure } : { instance: info };
  const now = options.now ?? (() => new Date());
  const config = network?.readInstance(info);
  try {
    const body = await limit(() => options.clients.apiManagement(info.subscriptionId).networkStatus.listByService(info.resourceGroup, info.name));
    const snapshot: InstanceSnapshot = { instance: info, networkStatus: toRegionStatuses(body), networkStatusFetchedAt: now() };
    if (entry.failure) snapshot.failure = entry.failure;
    if (config) snapshot.network = await config;
    return snapshot;
  } catch (err) {
    const failure = toFetchFailure('NetworkStatus_ListByService', err);
    if (failure.statusCode === 404) {
      options.log.warn({ instance: info.id }, 'APIM instance disappeared between discovery and fetch; dropping it');
      return undefined;
    }
    options.log.warn({ instance: info.id, code: failure.code, status: failure.statusCode }, `cannot read network status: ${failure.message}`);
    const snapshot: InstanceSnapshot = { instance: info, failure };
    // readInstance never rejects: each region records its own failure.
    const network = (await config) ?? previous?.network;
    if (network) snapshot.network = network;
    if (previous?.networkStatus) snapshot.networkStatus = previous.networkStatus;
    if (previous?.networkStatusFetchedAt) snapshot.networkStatusFetchedAt = previous.networkStatusFetchedAt;
    return snapshot;
  }
}

/** One poll's worth of ARM reads: discovery, then every instance's NetworkStatus, isolated per target. */
export async function collectSnapshot(options: CollectOptions): Promise<FleetSnapshot> {
  const limit = pLimit(options.concurrency);
  const takenAt = (options.now ?? (() => new Date()))();
  const discovery = options.instances.length > 0 ? await discoverExplicit(options, limit) : await discoverBySubscription(options, limit);
  const previous = new Map(options.previous?.instances.map((snapshot) => [snapshot.instance.id, snapshot]));
  const monitored = discovery.instances.filter((entry) => entry.info.vnetType !== 'None');
  const serviceTags = options.serviceTags?.get(
    monitored.map((entry) => ({ subscriptionId: entry.info.subscriptionId, location: entry.info.regions[0]?.location ?? '' })),
  );
  const network = options.serviceTags ? new NetworkConfigReader(options.clients, limit, options.log) : undefined;
  let done = 0;
  const total = discovery.instances.length;
  options.onProgress?.(0, total);
  const snapshots = await Promise.all(
    discovery.instances.map(async (entry) => {
      const snapshot = await fetchInstance(entry, options, previous.get(entry.info.id), network, limit);
      options.onProgress?.(++done, total);
      return snapshot;
    }),
  );
  const tags = await serviceTags;
  return {
    ...(tags ? { serviceTags: tags } : {}),
    takenAt,
    instances: snapshots.filter((snapshot): snapshot is InstanceSnapshot => snapshot !== undefined),
    subscriptionFailures: discovery.subscriptionFailures,
    unresolvedTargets: discovery.unresolvedTargets,
  };
}
