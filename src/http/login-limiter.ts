import { LOGIN_LIMITS, type LoginLimits } from './web-config.js';

/** A password check may run: `finish` says whether it failed (a match, or a check that never ran, is refunded). */
export interface CheckSlot {
  finish(failed: boolean): void;
}

/** What `admit` answers: a slot, or how many seconds the client must wait. */
export type Admission = CheckSlot | { retryAfterSeconds: number };

interface ClientState {
  /** Failures counted in the window, checks still running included. */
  failures: number;
  windowEnds: number;
  inFlight: number;
  /** Requests waiting for a slot, woken in turn. */
  waiting: Array<() => void>;
}

/**
 * Failed logins per client address, counted per guess: a check counts as failed when it *starts* (refunded
 * when it matches), and at most `maxInFlight` checks of one address run at once, the rest waiting their turn.
 * So a burst of parallel wrong passwords gets `limit` checks in the window, never one per request started;
 * after `limit` failures the address is answered 429 until the window passes, without any password check.
 */
export class LoginLimiter {
  private readonly clients = new Map<string, ClientState>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly now: () => number = Date.now,
    limits: Readonly<LoginLimits> = LOGIN_LIMITS,
    private readonly maxClients = 10_000,
  ) {
    this.limit = limits.failuresPerWindow;
    this.windowMs = limits.windowMs;
    this.maxInFlight = limits.checksInFlightPerClient;
  }

  /** Seconds the client must wait, or 0 when it may try. */
  blockedFor(client: string): number {
    const state = this.clients.get(client);
    if (!state) return 0;
    const wait = this.waitOf(state);
    if (state.failures === 0 && this.idle(state)) this.clients.delete(client);
    return wait;
  }

  /** A guess checked at once (a bearer token, a malformed header) that failed. */
  failed(client: string): void {
    this.count(this.stateOf(client));
  }

  /**
   * A slot for one password check, once fewer than `maxInFlight` of the client's run (its failure already
   * counted); or the seconds to wait when the client is blocked, or already has `limit` requests waiting.
   */
  admit(client: string): Promise<Admission> {
    const state = this.stateOf(client);
    const atOnce = this.tryAdmit(client, state);
    if (atOnce) return Promise.resolve(atOnce);
    if (state.waiting.length >= this.limit) return Promise.resolve({ retryAfterSeconds: 1 });
    return new Promise((resolve) => state.waiting.push(() => resolve(this.tryAdmit(client, state)!)));
  }

  private tryAdmit(client: string, state: ClientState): Admission | undefined {
    const wait = this.waitOf(state);
    if (wait > 0) return { retryAfterSeconds: wait };
    if (state.inFlight >= this.maxInFlight) return undefined;
    const window = this.count(state);
    state.inFlight += 1;
    let finished = false;
    return {
      finish: (failed) => {
        if (finished) return;
        finished = true;
        state.inFlight -= 1;
        if (!failed && state.windowEnds === window && state.failures > 0) state.failures -= 1;
        this.wake(state);
        if (state.failures === 0 && this.idle(state) && this.clients.get(client) === state) this.clients.delete(client);
      },
    };
  }

  /** Lets waiting requests in while slots are free (one that finds the client blocked takes none). */
  private wake(state: ClientState): void {
    while (state.inFlight < this.maxInFlight && state.waiting.length > 0) state.waiting.shift()!();
  }

  private waitOf(state: ClientState): number {
    const left = state.windowEnds - this.now();
    if (left <= 0) state.failures = 0;
    return state.failures >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one failure in the client's current window (a new one when the last has passed); returns that window. */
  private count(state: ClientState): number {
    if (state.windowEnds <= this.now()) {
      state.failures = 0;
      state.windowEnds = this.now() + this.windowMs;
    }
    state.failures += 1;
    return state.windowEnds;
  }

  private idle(state: ClientState): boolean {
    return state.inFlight === 0 && state.waiting.length === 0;
  }

  private stateOf(client: string): ClientState {
    let state = this.clients.get(client);
    if (state) return state;
    if (this.clients.size >= this.maxClients) this.evictOneIdle();
    state = { failures: 0, windowEnds: 0, inFlight: 0, waiting: [] };
    this.clients.set(client, state);
    return state;
  }

  /** The oldest client with nothing running or waiting (busy ones are few: each holds a connection). */
  private evictOneIdle(): void {
    for (const [client, state] of this.clients) {
      if (this.idle(state)) {
        this.clients.delete(client);
        return;
      }
    }
  }
}
