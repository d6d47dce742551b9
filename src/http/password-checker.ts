import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { LOGIN_LIMITS } from './web-config.js';

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

/** `not-checked`: too many checks wait, or the worker stopped; the password was not compared (not a failed guess). */
export type CheckResult = 'match' | 'mismatch' | 'not-checked';

export class PasswordChecker {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, (result: CheckResult) => void>();

  constructor(private readonly maxQueued: number = LOGIN_LIMITS.checksQueued) {}

  /** Whether `password` matches the bcrypt `hash`; `not-checked`, at once, when too many checks wait. */
  check(password: string, hash: string): Promise<CheckResult> {
    if (this.pending.size >= this.maxQueued) return Promise.resolve('not-checked');
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
    this.abandonPending();
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const bcrypt = createRequire(import.meta.url).resolve('bcryptjs');
    const worker = new Worker(WORKER, { eval: true, workerData: { bcrypt } });
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.pending.get(id)?.(ok ? 'match' : 'mismatch');
      this.pending.delete(id);
    });
    worker.on('error', () => {
      this.abandonPending();
      this.worker = undefined;
    });
    // The worker must not keep a stopping process alive. Last: adding a 'message' listener refs its port again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private abandonPending(): void {
    for (const resolve of this.pending.values()) resolve('not-checked');
    this.pending.clear();
  }
}
