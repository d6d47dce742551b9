import { MAX_AZURE_TEXT } from '../model/text.js';
import { isTransitional } from '../model/provisioning-state.js';
import { tierOf } from '../model/tier.js';
import type { ArmLimiter } from './limits.js';
import type { NetworkConfigReader } from './network-config.js';
import { toFetchFailure, toInstanceInfo, toRegionStatuses } from './normalise.js';
import type { CollectOptions, Discovery } from './poll-context.js';
import type { FetchFailure, InstanceInfo, InstanceSnapshot, RegionNetworkConfig, RegionNetworkStatus } from '../model/snapshot.js';

/** One instance's NetworkStatus (and its regions' network configuration), within the target's deadline; a failure keeps the last data. */

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

/**
 * The docs do not say whether the v2 tiers have NetworkStatus: a client error (not throttling, not a
 * missing permission) on a v2 instance means the API does not give it, not that the instance is gone.
 */
function notGivenForTier(info: InstanceInfo, failure: { statusCode?: number }): boolean {
  const status = failure.statusCode ?? 0;
  return tierOf(info.sku) === 'v2' && status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);
}

/**
 * NetworkStatus answers 409 while the instance transitions (Created, Activating, Updating, Terminating): the
 * instance as it is now when it is transitional, else undefined. Resource Graph may still show the state
 * before the operation began, so a discovered `Succeeded` is checked with one GET (only on a 409).
 */
async function transitionalInfo(info: InstanceInfo, options: CollectOptions, limiter: ArmLimiter): Promise<InstanceInfo | undefined> {
  if (isTransitional(info.provisioningState)) return info;
  try {
    const service = await limiter.run(info.subscriptionId, () =>
      withDeadline(options.targetTimeoutMs, info.id, (abortSignal) =>
        options.clients.apiManagement(info.subscriptionId).apiManagementService.get(info.resourceGroup, info.name, abortSignal ? { abortSignal } : {}),
      ),
    );
    const current = toInstanceInfo(service);
    if (!isTransitional(current.provisioningState)) return undefined;
    return { ...info, provisioningState: current.provisioningState!, ...(current.targetProvisioningState ? { targetProvisioningState: current.targetProvisioningState } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * A transitioning instance: its last NetworkStatus held as it was read (the analysis judges it as of the
 * transition's start, for as long as it allows), not a failed target. `since` carries over from poll to poll.
 */
async function heldSnapshot(
  entry: Discovery['instances'][number],
  info: InstanceInfo,
  previous: InstanceSnapshot | undefined,
  refused: FetchFailure,
  config: Promise<RegionNetworkConfig[]> | undefined,
  options: CollectOptions,
): Promise<InstanceSnapshot> {
  // The transition began after the last good read: the status is held as of then (else as of this first refusal).
  const lastGoodRead = previous && !previous.failure ? previous.networkStatusFetchedAt : undefined;
  const since = previous?.transition?.since ?? (lastGoodRead ?? (options.now ?? (() => new Date()))()).toISOString();
  options.log.info(
    { instance: info.id, provisioningState: info.provisioningState, targetProvisioningState: info.targetProvisioningState, since },
    `instance is ${info.provisioningState}: NetworkStatus answers ${refused.statusCode} ${refused.code} until the operation ends; its last status is held`,
  );
  const snapshot: InstanceSnapshot = { instance: withDisplayNames(info, previous?.networkStatus ?? []), transition: { since, refused } };
  const network = (await config) ?? previous?.network;
  if (network) snapshot.network = network;
  if (previous?.networkStatus) snapshot.networkStatus = previous.networkStatus;
  if (previous?.networkStatusFetchedAt) snapshot.networkStatusFetchedAt = previous.networkStatusFetchedAt;
  if (entry.failure) snapshot.failure = entry.failure;
  return snapshot;
}

export async function fetchInstance(
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
    if (tierOf(info.sku) === 'v2' && networkStatus.every((region) => region.connectivity.length === 0)) snapshot.networkStatusUnavailable = 'the API returned no entries';
    if (entry.failure) snapshot.failure = entry.failure;
    if (config) snapshot.network = await config;
    return snapshot;
  } catch (err) {
    const failure = toFetchFailure('NetworkStatus_ListByService', err);
    if (notGivenForTier(info, failure)) {
      options.previous?.take(info.id);
      options.log.debug({ instance: info.id, code: failure.code, status: failure.statusCode }, `NetworkStatus not available for this tier: ${failure.message}`);
      const snapshot: InstanceSnapshot = { instance: info, networkStatus: [], networkStatusUnavailable: `the API answered ${failure.statusCode} ${failure.code}: ${failure.message}` };
      if (config) snapshot.network = await config;
      return snapshot;
    }
    const previous = options.previous?.take(info.id);
    if (failure.statusCode === 404) {
      options.log.warn({ instance: info.id }, 'APIM instance disappeared between discovery and fetch; dropping it');
      return undefined;
    }
    const transitioning = failure.statusCode === 409 ? await transitionalInfo(info, options, limiter) : undefined;
    if (transitioning) return heldSnapshot(entry, transitioning, previous, failure, config, options);
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
