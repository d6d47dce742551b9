import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createCredential } from '../azure/credentials.js';
import { remoteWriteAuth, type RemoteWriteConfig } from './config.js';
import { RemoteWriter, type RemoteWriteSource } from './writer.js';

/** What remote-write reads of the service's configuration (src/config/schema.ts's `Config` has it). */
interface Config {
  remoteWrite: RemoteWriteConfig;
  azure: { credential: Parameters<typeof createCredential>[0]; endpoint: Parameters<typeof createCredential>[1] };
}

export interface RemoteWriteDeps {
  registry: Registry;
  source: RemoteWriteSource;
  log: Logger;
  /** Instead of the one `azure.credential` selects (tests). */
  credential?: TokenCredential;
  backoffMs?: { min: number; max: number };
}

/** The URL as logged: never its query string's secrets, should a receiver take a key there. */
function shown(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Starts pushing when `remoteWrite.url` is set; undefined when it is not. */
export function startRemoteWrite(config: Config, deps: RemoteWriteDeps): RemoteWriter | undefined {
  const remote = config.remoteWrite;
  if (!remote.url) return undefined;
  const settings = { ...remote, url: remote.url };
  // The monitor's own credential (managed identity, workload identity, ...), asked only for Entra ID.
  const entra = remoteWriteAuth(settings).kind === 'entra';
  const credential = deps.credential ?? (entra ? createCredential(config.azure.credential, config.azure.endpoint).credential : undefined);
  const writer = new RemoteWriter({
    config: settings,
    ...(credential ? { credential } : {}),
    registry: deps.registry,
    source: deps.source,
    log: deps.log,
    ...(deps.backoffMs ? { backoffMs: deps.backoffMs } : {}),
  });
  writer.start();
  deps.log.info(
    { remoteWrite: shown(remote.url), intervalSeconds: remote.intervalSeconds, authentication: writer.authentication },
    `remote-write: pushing what /metrics serves every ${remote.intervalSeconds} s`,
  );
  return writer;
}

/** Whether a reload from `before` to `after` needs a new writer. */
export function remoteWriteChanged(before: Config, after: Config): boolean {
  return JSON.stringify([before.remoteWrite, before.azure.credential]) !== JSON.stringify([after.remoteWrite, after.azure.credential]);
}

/** The service's remote-write through reloads: a new writer when its settings change, none once stopped. */
export class RemotePush {
  private current: RemoteWriter | undefined;
  private stopped = false;

  constructor(
    private config: Config,
    private readonly deps: RemoteWriteDeps,
  ) {
    this.current = startRemoteWrite(config, deps);
  }

  /** Pushing to `remoteWrite.url`; absent when it is not set. */
  get writer(): RemoteWriter | undefined {
    return this.current;
  }

  /** A reloaded configuration (ignored once the service stops). */
  async apply(config: Config): Promise<void> {
    const before = this.config;
    this.config = config;
    if (this.stopped || !remoteWriteChanged(before, config)) return;
    await this.current?.stop();
    this.current = this.stopped ? undefined : startRemoteWrite(config, this.deps);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.stop();
  }
}
