import { DefaultAzureCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ERROR_CODES, UserError } from '../errors.js';

export type CredentialMode = 'auto' | 'default' | 'simulator';

export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A fixed token for the project's own ARM simulator; it never leaves this machine. */
export class SimulatorCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'apim-netwatch-simulator-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

export class CredentialConfigError extends UserError {
  override name = 'CredentialConfigError';
  constructor(message: string) {
    super(ERROR_CODES.CREDENTIAL_CONFIG, message);
  }
}

/**
 * DefaultAzureCredential in production (workload identity, managed identity, az login, ...); the
 * static simulator token only when the endpoint is on this machine, so it can never be sent to Azure.
 */
export function createCredential(mode: CredentialMode, endpoint: string): { credential: TokenCredential; kind: 'default' | 'simulator' } {
  const loopback = isLoopbackEndpoint(endpoint);
  if (mode === 'simulator' && !loopback) {
    throw new CredentialConfigError(
      `azure.credential "simulator" is only allowed with a loopback azure.endpoint (the ARM simulator), not ${endpoint}; use "default"`,
    );
  }
  if (mode === 'simulator' || (mode === 'auto' && loopback)) {
    return { credential: new SimulatorCredential(), kind: 'simulator' };
  }
  return { credential: new DefaultAzureCredential(), kind: 'default' };
}
