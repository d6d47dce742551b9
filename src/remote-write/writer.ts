import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ExpositionBody } from '../metrics/exposition-body.js';
import { remoteWriteAuth, type RemoteWriteAuth, type RemoteWriteConfig } from './config.js';
import { remoteWriteMetrics, type PushOutcome, type RemoteWriteMetrics } from './metrics.js';
import { samplesOf, type Label } from './parse.js';
import { encodeWriteRequest, type TimeSeries } from './protocol.js';
import { sendWithRetries, type SendOptions } from './send.js';

/** What is pushed: what /metrics serves, read anew at each push (a reload's monitor included). */
export interface RemoteWriteSource {
  /** The fleet's exposition (already limited to `metrics.families`). */
  fleet(): ExpositionBody;
  /** The monitor's own metrics, limited as /metrics serves them. */
  own(): Promise<string>;
}

export interface RemoteWriterOptions {
  config: RemoteWriteConfig & { url: string };
  /** The monitor's own credential: asked for a token when the authentication is Entra ID. */
  credential?: TokenCredential;
  registry: Registry;
  source: RemoteWriteSource;
  log: Logger;
  /** Default label `instance` (the host name). */
  instance?: string;
  /** Shorter back-off (tests). */
  backoffMs?: { min: number; max: number };
}

const byName = (a: Label, b: Label): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

async function readSecret(file: string, key: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new Error(`remoteWrite.${key}: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Pushes the exposition every `intervalSeconds`, in requests of `maxSamplesPerRequest`; never throws. */
export class RemoteWriter {
  private readonly metrics: RemoteWriteMetrics;
  private readonly auth: RemoteWriteAuth;
  private readonly external: Label[];
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PushOutcome> | undefined;

  constructor(private readonly options: RemoteWriterOptions) {
    const { config } = options;
    this.metrics = remoteWriteMetrics(options.registry);
    this.auth = remoteWriteAuth(config);
    if (this.auth.kind === 'entra' && !options.credential) throw new Error('remoteWrite: Entra ID authentication needs a credential');
    // Like a scrape's job and instance, so that rules and dashboards select the pushed series the same way.
    const labels: Record<string, string> = { job: 'apim-netwatch', instance: options.instance ?? hostname(), ...config.externalLabels };
    this.external = Object.entries(labels).map(([name, value]) => ({ name, value }));
  }

  get authentication(): RemoteWriteAuth['kind'] {
    return this.auth.kind;
  }

  start(): void {
    if (this.timer || this.stopping.signal.aborted) return;
    this.timer = setInterval(() => void this.tick(), this.options.config.intervalSeconds * 1000);
    // The service's server keeps the process alive; a pending push must not hold a shutdown.
    this.timer.unref();
  }

  /** Stops pushing: a push in flight ends at once (its request aborted). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private tick(): Promise<PushOutcome> {
    if (this.running) {
      this.metrics.pushes.inc({ outcome: 'skipped' });
      return Promise.resolve('skipped');
    }
    this.running = this.push().finally(() => (this.running = undefined));
    return this.running;
  }

  /** One push of everything /metrics serves now (also what the interval runs); resolves with its outcome. */
  async push(): Promise<PushOutcome> {
    const began = performance.now();
    const tally = { sent: 0, failed: 0, failure: undefined as string | undefined, refused: undefined as string | undefined };
    try {
      const send = { ...this.sendOptions(), headers: await this.headers() };
      await this.pushBatches(send, tally);
    } catch (err) {
      tally.failure ??= (err as Error).message;
    }
    const outcome: PushOutcome = tally.failure ? (tally.sent > 0 ? 'partial' : 'failure') : tally.failed > 0 ? (tally.sent > 0 ? 'partial' : 'failure') : 'success';
    const seconds = (performance.now() - began) / 1000;
    this.metrics.pushes.inc({ outcome });
    this.metrics.duration.set(seconds);
    if (outcome === 'success') this.metrics.lastSuccess.set(Date.now() / 1000);
    const fields = { url: this.options.config.url, sent: tally.sent, failed: tally.failed, seconds: Number(seconds.toFixed(3)) };
    if (outcome === 'success') this.options.log.debug(fields, 'remote-write: pushed');
    else if (!this.stopping.signal.aborted) this.options.log.warn({ ...fields, reason: tally.failure ?? tally.refused }, `remote-write: push ${outcome === 'partial' ? 'partly failed' : 'failed'}`);
    return outcome;
  }

  /** Reads the exposition as a stream of samples and sends it batch by batch; a receiver down ends the push. */
  private async pushBatches(send: SendOptions, tally: { sent: number; failed: number; failure: string | undefined; refused: string | undefined }): Promise<void> {
    const timestamp = Date.now();
    const max = this.options.config.maxSamplesPerRequest;
    let batch: TimeSeries[] = [];
    const flush = async (): Promise<boolean> => {
      const result = await sendWithRetries(encodeWriteRequest(batch), send);
      const count = batch.length;
      batch = [];
      if (result.ok) {
        tally.sent += count;
        this.metrics.samples.inc({ outcome: 'sent' }, count);
        return true;
      }
      tally.failed += count;
      this.metrics.samples.inc({ outcome: 'failed' }, count);
      if (result.retryable) tally.failure = result.reason;
      else tally.refused ??= result.reason;
      return !result.retryable;
    };
    for await (const sample of samplesOf(this.text())) {
      batch.push({ labels: this.labelled(sample.labels), samples: [{ value: sample.value, timestamp }] });
      if (batch.length >= max && !(await flush())) return;
    }
    if (batch.length > 0) await flush();
  }

  /**
   * The series' labels with the external ones it lacks, sorted by name as the protocol wants. An empty value
   * is no label (a scrape drops it too, and the protocol wants none).
   */
  private labelled(parsed: Label[]): Label[] {
    const labels = parsed.some((label) => label.value === '') ? parsed.filter((label) => label.value !== '') : parsed;
    const missing = this.external.filter((label) => !labels.some((own) => own.name === label.name));
    return missing.length > 0 ? [...labels, ...missing].sort(byName) : labels;
  }

  private async *text(): AsyncGenerator<Buffer | string> {
    for await (const chunk of this.options.source.fleet().plain()) yield chunk as Buffer;
    yield '\n';
    yield await this.options.source.own();
  }

  private sendOptions(): Omit<SendOptions, 'headers'> {
    const { config, backoffMs } = this.options;
    return {
      url: config.url,
      timeoutMs: config.timeoutSeconds * 1000,
      maxRetries: config.maxRetries,
      signal: this.stopping.signal,
      attempted: (code) => this.metrics.requests.inc({ code }),
      ...(backoffMs ? { minBackoffMs: backoffMs.min, maxBackoffMs: backoffMs.max } : {}),
    };
  }

  /** The configured headers and the authentication's, read anew at each push (files and tokens rotate). */
  private async headers(): Promise<Record<string, string>> {
    const headers = { ...this.options.config.headers };
    const auth = this.auth;
    if (auth.kind === 'basic') {
      const password = await readSecret(auth.passwordFile, 'basicAuth.passwordFile');
      headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
    } else if (auth.kind === 'bearer') {
      headers.Authorization = `Bearer ${await readSecret(auth.tokenFile, 'bearerTokenFile')}`;
    } else if (auth.kind === 'entra') {
      const token = await this.options.credential!.getToken(auth.scope, { abortSignal: this.stopping.signal }).catch((err: unknown) => {
        throw new Error(`remoteWrite: no Entra ID token for ${auth.scope}: ${(err as Error).message}; give the identity the Monitoring Metrics Publisher role on the data collection rule`);
      });
      if (!token) throw new Error(`remoteWrite: the credential returned no token for ${auth.scope}`);
      headers.Authorization = `Bearer ${token.token}`;
    }
    return headers;
  }
}
