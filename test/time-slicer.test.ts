import { describe, expect, it } from 'vitest';
import { TimeSlicer } from '../src/azure/time-slicer.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('TimeSlicer', () => {
  it('runs every job once, in order, and settles each with its result or its exception', async () => {
    const slicer = new TimeSlicer(1);
    const ran: number[] = [];
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((i) =>
        slicer.run(() => {
          ran.push(i);
          if (i === 2) throw new Error('job 2 failed');
          return i * 10;
        }),
      ),
    );
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 10, 'job 2 failed', 30]);
  });

  it('lets I/O callbacks run between slices instead of after the whole burst', async () => {
    const slicer = new TimeSlicer(5);
    const events: string[] = [];
    const jobs = Array.from({ length: 20 }, (_, i) =>
      slicer.run(() => {
        // A timer due at once stands for a reply that arrives while the jobs run.
        if (i === 0) setTimeout(() => events.push('io'), 0);
        busy(2);
        events.push(`job-${i}`);
      }),
    );
    await Promise.all(jobs);
    const io = events.indexOf('io');
    expect(io).toBeGreaterThan(0);
    expect(io).toBeLessThan(events.length - 1);
    // A slice stops once its time is used up: 5 ms holds at most 3 jobs of 2 ms.
    expect(io).toBeLessThanOrEqual(3);
  });
});
