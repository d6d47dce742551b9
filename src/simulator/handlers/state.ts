import type { ArmResource, Fault, World } from '../world.js';
import { idKey, locationKey, resourceTypeOf } from './path.js';
import { subscriptionInPath } from '../../model/ids.js';

interface FaultSlot {
  fault: Fault;
  /** Uses left; undefined = forever. */
  remaining?: number;
}

/**
 * The world being served, with the case-insensitive indexes that keep a GET O(1) on worlds of
 * tens of thousands of resources, and the fault counters (kept apart so the caller's world object
 * is never mutated).
 */
export class SimulatorState {
  private current!: World;
  private byId = new Map<string, ArmResource>();
  private statusById = new Map<string, unknown>();
  private tagsByLocation = new Map<string, unknown>();
  private faultSlots: FaultSlot[] = [];
  private subscriptionIdsCache: Map<string, string> | undefined;
  /** The worlds set so far and when, oldest first, for Resource Graph's lag (only as far back as it reaches). */
  private history: Array<{ at: number; world: World; view?: SimulatorState }> = [];
  requests = 0;

  constructor(world: World) {
    this.setWorld(world);
  }

  setWorld(world: World): void {
    this.history.push({ at: Date.now(), world });
    this.current = world;
    this.reachable();
    this.byId = new Map(world.resources.map((r) => [idKey(r.id), r]));
    this.statusById = new Map(Object.entries(world.networkStatus ?? {}).map(([k, v]) => [idKey(k), v]));
    this.tagsByLocation = new Map(Object.entries(world.serviceTags ?? {}).map(([k, v]) => [locationKey(k), v]));
    this.subscriptionIdsCache = undefined;
    this.setFaults(world.faults ?? []);
  }

  /**
   * The world as Resource Graph shows it: the one set `resourceGraphLagSeconds` (a world key, default 0)
   * ago, as Resource Graph reflects ARM's writes some seconds late. Before the lag has passed since the
   * simulator started, the first world.
   */
  graphView(): SimulatorState {
    const entry = this.reachable();
    if (entry.world === this.current) return this;
    // A state of its own for the earlier world (its history and faults unused).
    entry.view ??= new SimulatorState(entry.world);
    return entry.view;
  }

  /** Drops the worlds Resource Graph can no longer show; the oldest left is the one it shows now. */
  private reachable(): { world: World; view?: SimulatorState } {
    const lagMs = Number(this.current.resourceGraphLagSeconds ?? 0) * 1000;
    const cutoff = Date.now() - (lagMs > 0 ? lagMs : 0);
    let index = 0;
    while (index + 1 < this.history.length && this.history[index + 1]!.at <= cutoff) index++;
    if (index > 0) this.history = this.history.slice(index);
    return this.history[0]!;
  }

  /** Subscription IDs named by resource and networkStatus IDs, lower-cased -> as first spelled. */
  subscriptionIdsInIds(): Map<string, string> {
    if (this.subscriptionIdsCache) return this.subscriptionIdsCache;
    const ids = new Map<string, string>();
    const ownerOf = (id: string) => subscriptionInPath(id);
    for (const id of [...this.current.resources.map((r) => r.id), ...Object.keys(this.current.networkStatus ?? {})]) {
      const sub = ownerOf(id);
      if (sub && !ids.has(sub.toLowerCase())) ids.set(sub.toLowerCase(), sub);
    }
    this.subscriptionIdsCache = ids;
    return ids;
  }

  setFaults(faults: Fault[]): void {
    this.faultSlots = faults.map((f) => ({ fault: { ...f }, remaining: f.count }));
  }

  /** The world as it stands, faults with their remaining counts (used-up faults left out). */
  get world(): World {
    return { ...this.current, faults: this.faults() };
  }

  faults(): Fault[] {
    return this.faultSlots
      .filter((s) => s.remaining === undefined || s.remaining > 0)
      .map((s) => (s.remaining === undefined ? s.fault : { ...s.fault, count: s.remaining }));
  }

  /**
   * The first fault whose path is in the request path (and whose `query`, if any, is in the Resource Graph
   * query `graphQuery`) and that has uses left; uses one.
   */
  takeFault(paths: readonly string[], graphQuery?: string): Fault | undefined {
    const lowered = paths.map((p) => p.toLowerCase());
    for (const slot of this.faultSlots) {
      if (slot.remaining !== undefined && slot.remaining <= 0) continue;
      const needle = slot.fault.path.toLowerCase();
      if (!lowered.some((p) => p.includes(needle))) continue;
      if (slot.fault.query !== undefined && !graphQuery?.toLowerCase().includes(slot.fault.query.toLowerCase())) continue;
      if (slot.remaining !== undefined) slot.remaining -= 1;
      return slot.fault;
    }
    return undefined;
  }

  /** Whether an unused fault with one of these statuses matches `path` (nothing is used up). */
  hasFault(path: string, statuses: readonly number[]): boolean {
    const lowered = path.toLowerCase();
    return this.faultSlots.some(
      (slot) =>
        (slot.remaining === undefined || slot.remaining > 0) &&
        slot.fault.query === undefined &&
        slot.fault.status !== undefined &&
        statuses.includes(slot.fault.status) &&
        lowered.includes(slot.fault.path.toLowerCase()),
    );
  }

  resource(id: string): ArmResource | undefined {
    return this.byId.get(idKey(id));
  }

  resources(): ArmResource[] {
    return this.current.resources;
  }

  networkStatus(apimId: string): unknown {
    return this.statusById.get(idKey(apimId));
  }

  serviceTags(location: string): unknown {
    return this.tagsByLocation.get(locationKey(location));
  }

  /** Resources whose ID starts with `scope/` and whose type is `type`, both case-insensitive. */
  list(scope: string, type: string): ArmResource[] {
    const prefix = idKey(scope) + '/';
    const wanted = type.toLowerCase();
    return this.current.resources.filter((r) => {
      if (!r.id.toLowerCase().startsWith(prefix)) return false;
      const t = typeof r.type === 'string' ? r.type : resourceTypeOf(r.id);
      return t?.toLowerCase() === wanted;
    });
  }

  /** Whether anything in the world lives under this scope (a subscription or resource group ID). */
  hasScope(scope: string): boolean {
    const key = idKey(scope);
    if (this.byId.has(key)) return true;
    const prefix = key + '/';
    for (const k of this.byId.keys()) if (k.startsWith(prefix)) return true;
    for (const k of this.statusById.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }
}

/** What every route handler gets. */
export interface HandlerContext {
  state: SimulatorState;
  pageSize: number;
  /** `https://host:port` of the simulator, for nextLinks when the request has no Host header. */
  origin: string;
}
