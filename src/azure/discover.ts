import { sweepFor, type ArmSweep } from './arm-sweep.js';
import { toFetchFailure, toInstanceInfo } from './normalise.js';
import { APIM_SERVICES_QUERY, apimServiceFromGraph } from './resource-graph.js';
import { graphPages, type CollectOptions, type Discovery, type PollContext } from './poll-context.js';
import { parseApimId } from '../model/ids.js';
import type { InstanceInfo } from '../model/snapshot.js';

/** Which APIM instances a poll reads: the configured ones, or every one of the subscriptions (Resource Graph first, ARM lists as the fallback). */

function hasTags(info: InstanceInfo, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([key, value]) => {
    const actual = Object.entries(info.tags).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    return actual === value;
  });
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

export async function discoverExplicit(ctx: PollContext): Promise<Discovery> {
  const { options, limiter } = ctx;
  const result: Discovery = { instances: [], subscriptions: options.subscriptions.map((id) => id.toLowerCase()), subscriptionFailures: [], unresolvedTargets: [] };
  // Another replica's targets cost this one no request; a target listed twice is read once.
  const unique = new Map<string, ReturnType<typeof parseApimId>>();
  for (const ref of options.instances.map((id) => parseApimId(id))) if (!unique.has(ref.id)) unique.set(ref.id, ref);
  const targets = [...unique.values()].filter((ref) => options.owns?.(ref.id) ?? true);
  const bulk = await graphServices(ctx, [...new Set(targets.map((ref) => ref.subscriptionId))]);
  await Promise.all(
    targets.map(async (ref) => {
      const found = bulk?.get(ref.id);
      if (found) {
        sweepOf(options).indexed(options.log, found.id);
        result.instances.push({ info: found });
        return;
      }
      // Not in Resource Graph (deleted, not yet indexed, or unreadable) or no bulk read: ask ARM itself.
      await limiter.run(ref.subscriptionId, async () => {
        try {
          const service = await options.clients.apiManagement(ref.subscriptionId).apiManagementService.get(ref.resourceGroup, ref.name);
          result.instances.push({ info: checkIndexed(ctx, toInstanceInfo(service), bulk, 'by its own GET') });
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

/** Subscriptions whose resources are stopped or gone; Warned and PastDue ones keep running theirs, so are read. */
const NOT_RUNNING = new Set(['disabled', 'deleted']);
/** The skips each logger has reported (`id state`), so that each is said once, not every poll. */
const reportedSkips = new WeakMap<CollectOptions['log'], Set<string>>();

function reportSkipped(log: CollectOptions['log'], skipped: ReadonlyArray<{ id: string; state: string }>): void {
  const reported = reportedSkips.get(log) ?? new Set<string>();
  reportedSkips.set(log, reported);
  const fresh = skipped.filter((entry) => !reported.has(`${entry.id} ${entry.state}`));
  if (fresh.length === 0) return;
  for (const entry of fresh) reported.add(`${entry.id} ${entry.state}`);
  log.info({ skipped: fresh }, `not monitoring ${fresh.length} subscription(s) that Azure reports Disabled or Deleted: ${fresh.map((entry) => `${entry.id} (${entry.state})`).join(', ')}`);
}

async function listSubscriptions(options: CollectOptions): Promise<string[]> {
  if (options.subscriptions.length > 0) return [...new Set(options.subscriptions.map((id) => id.toLowerCase()))];
  const ids: string[] = [];
  const skipped: Array<{ id: string; state: string }> = [];
  for await (const subscription of options.clients.subscriptions().subscriptions.list()) {
    if (!subscription.subscriptionId) continue;
    const id = subscription.subscriptionId.toLowerCase();
    const state = subscription.state ?? 'Enabled';
    if (NOT_RUNNING.has(state.toLowerCase())) skipped.push({ id, state });
    else ids.push(id);
  }
  reportSkipped(options.log, skipped);
  return ids;
}

/** The sweep of this reading's ARM clients (arm-sweep.ts). */
const sweepOf = (options: CollectOptions): ArmSweep => options.armSweep ?? sweepFor(options.clients);

/**
 * `info` as discovery keeps it: when Resource Graph was read (`bulk`) and does not show it, marked so and said
 * once (`how` it was found); when it does, said once if it was said to be missing.
 */
function checkIndexed(ctx: PollContext, info: InstanceInfo, bulk: ReadonlyMap<string, InstanceInfo> | undefined, how: string): InstanceInfo {
  if (!bulk) return info;
  const sweep = sweepOf(ctx.options);
  if (bulk.has(info.id)) {
    sweep.indexed(ctx.options.log, info.id);
    return info;
  }
  sweep.notIndexed(ctx.options.log, info.id, how);
  return { ...info, notInResourceGraph: true };
}

/** One subscription's instances as ARM lists them (every page), with the tags asked for. */
async function armList(ctx: PollContext, subscriptionId: string): Promise<InstanceInfo[]> {
  const infos: InstanceInfo[] = [];
  for await (const service of ctx.options.clients.apiManagement(subscriptionId).apiManagementService.list()) {
    const info = toInstanceInfo(service);
    if (hasTags(info, ctx.options.tags)) infos.push(info);
  }
  return infos;
}

/** A subscription where Resource Graph showed no instance, listed through ARM: a failure is the subscription's. */
async function listUnindexed(ctx: PollContext, subscriptionId: string, bulk: ReadonlyMap<string, InstanceInfo> | undefined, result: Discovery): Promise<void> {
  const { options } = ctx;
  try {
    for (const info of await armList(ctx, subscriptionId)) result.instances.push({ info: checkIndexed(ctx, info, bulk, `by listing subscription ${subscriptionId} through ARM`) });
  } catch (err) {
    const failure = toFetchFailure('ApiManagementService_List', err);
    options.log.error({ subscription: subscriptionId, code: failure.code, status: failure.statusCode }, `cannot list APIM instances: ${failure.message}`);
    result.subscriptionFailures.push({ ...failure, subscriptionId });
    // Keep watching what we knew of this subscription, marked as unreadable, instead of going silent.
    for (const known of options.previous?.inSubscription(subscriptionId) ?? []) {
      if (!result.instances.some((i) => i.info.id === known.id)) result.instances.push({ info: known, failure });
    }
  }
}

/**
 * A subscription where Resource Graph showed instances, listed through ARM by the sweep: ARM's list stands
 * for it (the source of truth: an instance Resource Graph has not indexed yet is in it, one deleted is not).
 * A failure leaves Resource Graph's rows, and those ARM alone showed last time, standing: nothing is lost.
 */
async function sweepIndexed(ctx: PollContext, subscriptionId: string, bulk: ReadonlyMap<string, InstanceInfo>, now: number, result: Discovery): Promise<void> {
  const { options } = ctx;
  const sweep = sweepOf(options);
  const how = `by listing subscription ${subscriptionId} through ARM`;
  try {
    const infos = await armList(ctx, subscriptionId);
    sweep.listed(subscriptionId, now, infos.filter((info) => !bulk.has(info.id)).length);
    for (const info of infos) result.instances.push({ info: checkIndexed(ctx, info, bulk, how) });
  } catch (err) {
    const failure = toFetchFailure('ApiManagementService_List', err);
    sweep.listed(subscriptionId, now, undefined);
    options.log.warn({ subscription: subscriptionId, code: failure.code, status: failure.statusCode }, `cannot list APIM instances to find those Resource Graph has not indexed yet, keeping its rows: ${failure.message}`);
    for (const info of bulk.values()) if (info.subscriptionId === subscriptionId && hasTags(info, options.tags)) result.instances.push({ info });
    for (const known of options.previous?.inSubscription(subscriptionId) ?? []) {
      if (known.notInResourceGraph && !bulk.has(known.id)) result.instances.push({ info: known, failure });
    }
  }
}

export async function discoverBySubscription(ctx: PollContext): Promise<Discovery> {
  const { options, limiter } = ctx;
  const result: Discovery = { instances: [], subscriptions: [], subscriptionFailures: [], unresolvedTargets: [] };
  let subscriptions: string[];
  try {
    subscriptions = await listSubscriptions(options);
  } catch (err) {
    const failure = toFetchFailure('Subscriptions_List', err);
    options.log.error({ code: failure.code }, `cannot list subscriptions: ${failure.message}`);
    result.subscriptionFailures.push({ ...failure, subscriptionId: '' });
    subscriptions = options.previous?.subscriptions() ?? [];
  }
  result.subscriptions = subscriptions;
  const bulk = await graphServices(ctx, subscriptions);
  let toList = subscriptions;
  let swept = new Set<string>();
  const now = (options.now?.() ?? new Date()).getTime();
  if (bulk) {
    const seen = new Set<string>();
    for (const info of bulk.values()) seen.add(info.subscriptionId);
    // Resource Graph indexes late: a share of the subscriptions it shows instances in is listed through ARM too.
    const sweep = sweepOf(options);
    swept = new Set(sweep.pick(subscriptions.filter((subscriptionId) => seen.has(subscriptionId)), now));
    for (const info of bulk.values()) {
      if (swept.has(info.subscriptionId) || !hasTags(info, options.tags)) continue;
      sweep.indexed(options.log, info.id);
      result.instances.push({ info });
    }
    // Resource Graph leaves out, without an error, what the identity cannot read: a subscription with
    // no instance there is listed directly, so that a lost role assignment shows as a failure.
    toList = subscriptions.filter((subscriptionId) => !seen.has(subscriptionId));
  }
  await Promise.all([
    ...toList.map((subscriptionId) => limiter.run(subscriptionId, () => listUnindexed(ctx, subscriptionId, bulk, result))),
    ...[...swept].map((subscriptionId) => limiter.run(subscriptionId, () => sweepIndexed(ctx, subscriptionId, bulk!, now, result))),
  ]);
  return result;
}

export function keepOwn(discovery: Discovery, owns: CollectOptions['owns']): Discovery {
  if (!owns) return discovery;
  return {
    ...discovery,
    instances: discovery.instances.filter((entry) => owns(entry.info.id)),
    unresolvedTargets: discovery.unresolvedTargets.filter((target) => owns(target.id)),
  };
}
