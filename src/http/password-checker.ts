import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * bcrypt is slow on purpose (tens of ms a check). On the event loop, a handful of clients sending wrong
 * passwords would starve `/healthz` and the scrapes; so checks run on one worker thread, one at a time,
 * and at most `maxQueued` wait (a flood beyond that is refused at once, never queued without bound).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});
`;

export class PasswordChecker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, (ok: boolean) => void>();

  constructor(private readonly maxQueued = 64) {}

  /** Resolves true when `password` matches the bcrypt `hash`; false, without checking, when too many checks wait. */
  check(password: string, hash: string): Promise<boolean> {
    if (this.pending.size >= this.maxQueued) return Promise.resolve(false);
    const worker = this.start();
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, password, hash });
    });
  }

  /** Ends the worker (it is started again on the next check). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const bcrypt = createRequire(import.meta.url).resolve('bcryptjs');
    const worker = new Worker(WORKER, { eval: true, workerData: { bcrypt } });
    // The worker must not keep a stopping process alive.
    worker.unref();
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.pending.get(id)?.(ok);
      this.pending.delete(id);
    });
    worker.on('error', () => {
      for (const resolve of this.pending.values()) resolve(false);
      this.pending.clear();
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * Failed logins per client address: after `limit` failures within `windowMs`, the client is answered 429
 * until the window passes, without any bcrypt work.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly limit = 5,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 10_000,
  ) {}

  /** Seconds the client must wait, or 0 when it may try. */
  blockedFor(client: string): number {
    const entry = this.failures.get(client);
    if (!entry) return 0;
    const left = entry.until - this.now();
    if (left <= 0) {
      this.failures.delete(client);
      return 0;
    }
    return entry.count >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  failed(client: string): void {
    const entry = this.failures.get(client);
    if (entry && entry.until > this.now()) {
      entry.count += 1;
      return;
    }
    if (this.failures.size >= this.maxClients) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(client, { count: 1, until: this.now() + this.windowMs });
  }

  succeeded(client: string): void {
    this.failures.delete(client);
  }
}
