/**
 * Runs synchronous jobs a few milliseconds at a time, letting the event loop take in I/O between
 * slices. A poll's CPU work (normalising bulk-read resources, judging instances) piles up whenever a
 * promise many instances wait on settles: run as one burst of microtasks, it would hold every reply
 * that arrived meanwhile, and every free request slot, for as long as the burst lasts.
 */
export class TimeSlicer {
  private readonly queue: Array<() => void> = [];
  private scheduled = false;

  constructor(private readonly sliceMs = 5) {}

  /** Runs `job` in a coming slice; settles with its result or its exception. */
  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        try {
          resolve(job());
        } catch (err) {
          reject(err);
        }
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the loop's I/O phase: replies that arrived during a slice go first.
    setImmediate(this.slice);
  }

  private readonly slice = (): void => {
    this.scheduled = false;
    const end = performance.now() + this.sliceMs;
    let next: (() => void) | undefined;
    while ((next = this.queue.shift())) {
      next();
      if (performance.now() >= end) break;
    }
    if (this.queue.length > 0) this.schedule();
  };
}
