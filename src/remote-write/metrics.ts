import { Counter, Gauge, type Registry } from 'prom-client';

/** What remote-write did, among the monitor's own metrics (registered only when `remoteWrite.url` is set). */

export type PushOutcome = 'success' | 'partial' | 'failure' | 'skipped';
const PUSH_OUTCOMES: readonly PushOutcome[] = ['success', 'partial', 'failure', 'skipped'];

export interface RemoteWriteMetrics {
  requests: Counter<'code'>;
  samples: Counter<'outcome'>;
  pushes: Counter<'outcome'>;
  lastSuccess: Gauge;
  duration: Gauge;
}

/** A metric already in `registry` (a reload's writer counts on in the same registry), else a new one. */
function once<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function remoteWriteMetrics(registry: Registry): RemoteWriteMetrics {
  const registers = [registry];
  const metrics: RemoteWriteMetrics = {
    requests: once(registry, 'apim_netwatch_remote_write_requests_total', () =>
      new Counter({
        name: 'apim_netwatch_remote_write_requests_total',
        help: 'Remote-write requests sent (every retry counts), by HTTP status code, or "error" when none came (refused, timed out, reset).',
        labelNames: ['code'],
        registers,
      }),
    ),
    samples: once(registry, 'apim_netwatch_remote_write_samples_total', () =>
      new Counter({
        name: 'apim_netwatch_remote_write_samples_total',
        help: 'Samples pushed by remote-write, by outcome: sent (the receiver accepted them), failed (refused, or not delivered after the retries).',
        labelNames: ['outcome'],
        registers,
      }),
    ),
    pushes: once(registry, 'apim_netwatch_remote_write_pushes_total', () =>
      new Counter({
        name: 'apim_netwatch_remote_write_pushes_total',
        help: 'Remote-write pushes of the whole exposition, by outcome: success (every sample accepted), partial (some refused), failure (the receiver could not be reached or refused all), skipped (the previous push was still running).',
        labelNames: ['outcome'],
        registers,
      }),
    ),
    lastSuccess: once(registry, 'apim_netwatch_remote_write_last_success_timestamp_seconds', () =>
      new Gauge({
        name: 'apim_netwatch_remote_write_last_success_timestamp_seconds',
        help: 'When the last remote-write push whose every sample the receiver accepted ended, in seconds since the epoch.',
        registers,
      }),
    ),
    duration: once(registry, 'apim_netwatch_remote_write_push_duration_seconds', () =>
      new Gauge({
        name: 'apim_netwatch_remote_write_push_duration_seconds',
        help: 'How long the last remote-write push took, retries and back-off included.',
        registers,
      }),
    ),
  };
  // Every outcome exists from the start, so that increase() sees the first failure too.
  for (const outcome of PUSH_OUTCOMES) metrics.pushes.inc({ outcome }, 0);
  for (const outcome of ['sent', 'failed']) metrics.samples.inc({ outcome }, 0);
  return metrics;
}
