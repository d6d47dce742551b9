import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import { ArmClients } from '../azure/clients.js';
import { createCredential } from '../azure/credentials.js';
import type { ArmObserver } from '../azure/observer.js';
import { ConfigError } from '../config/load.js';
import { certificateProblem } from '../config/pem.js';
import type { Config } from '../config/schema.js';

/** What the ARM clients take from the monitor's options rather than the config. */
export interface ClientOptions {
  log: Logger;
  /** PEM of an extra CA for the ARM endpoint; else `azure.caCertFile`. */
  caPem?: string;
  retryDelayMs?: number;
  credential?: TokenCredential;
}

/** The SDK clients of this configuration: its endpoint, credential, CA, retries, timeouts and the shutdown signal. */
export function armClients(config: Config, options: ClientOptions, observer: ArmObserver, abortSignal: AbortSignal): ArmClients {
  const caPem = options.caPem ?? readCaFile(config.azure.caCertFile);
  const { credential, kind } = options.credential
    ? { credential: options.credential, kind: 'given' as const }
    : createCredential(config.azure.credential, config.azure.endpoint);
  if (kind === 'simulator') options.log.warn({ endpoint: config.azure.endpoint }, 'using the static simulator credential: the ARM endpoint is on this machine');
  return new ArmClients({
    endpoint: config.azure.endpoint,
    credential,
    maxRetries: config.azure.maxRetries,
    requestTimeoutMs: config.azure.requestTimeoutSeconds * 1000,
    maxRetryAfterMs: config.azure.maxRetryAfterSeconds * 1000,
    abortSignal,
    observer,
    ...(caPem ? { caPem } : {}),
    ...(config.azure.credentialScope ? { credentialScope: config.azure.credentialScope } : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
  });
}

function readCaFile(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const pem = readFileSync(file, 'utf8');
    const problem = certificateProblem(pem);
    if (problem) throw new ConfigError(`azure.caCertFile: ${file} ${problem}; give the PEM of the CA that signed the ARM endpoint's certificate`);
    return pem;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`azure.caCertFile: cannot read ${file}: ${(err as Error).message}`);
  }
}
