import { ApiManagementClient } from '@azure/arm-apimanagement';
import { NetworkManagementClient } from '@azure/arm-network';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import type { AdditionalPolicyConfig } from '@azure/core-client';
import { NO_OBSERVER, type ArmObserver } from './observer.js';
import { extraCaPolicy, observerPolicy, timeoutPolicy } from './policies.js';

export const PUBLIC_CLOUD = 'https://management.azure.com';

export interface ArmClientOptions {
  endpoint: string;
  credential: TokenCredential;
  /** PEM of an extra CA trusted for the endpoint only (the simulator's certificate). */
  caPem?: string;
  credentialScope?: string;
  maxRetries: number;
  /** Per attempt. */
  requestTimeoutMs?: number;
  /** Base delay of the SDK's exponential retry; tests shorten it. */
  retryDelayMs?: number;
  observer?: ArmObserver;
}

/** One set of SDK clients per subscription, all sharing the same pipeline policies. */
export class ArmClients {
  private readonly apim = new Map<string, ApiManagementClient>();
  private readonly network = new Map<string, NetworkManagementClient>();
  private subscriptionClient?: SubscriptionClient;

  constructor(private readonly options: ArmClientOptions) {}

  private clientOptions() {
    const { endpoint, caPem, credentialScope, maxRetries, retryDelayMs, observer, requestTimeoutMs } = this.options;
    const additionalPolicies: AdditionalPolicyConfig[] = [
      { policy: observerPolicy(observer ?? NO_OBSERVER), position: 'perRetry' },
      { policy: timeoutPolicy(requestTimeoutMs ?? 30_000), position: 'perRetry' },
    ];
    if (caPem) additionalPolicies.push({ policy: extraCaPolicy(endpoint, caPem), position: 'perRetry' });
    // The SDK asks for `${endpoint}/.default` by default, which is wrong for the public cloud's aliases.
    const scope = credentialScope ?? (endpoint.replace(/\/$/, '') === PUBLIC_CLOUD ? `${PUBLIC_CLOUD}/.default` : undefined);
    return {
      endpoint,
      additionalPolicies,
      retryOptions: { maxRetries, retryDelayInMs: retryDelayMs ?? 800, maxRetryDelayInMs: 30_000 },
      ...(scope ? { credentialScopes: [scope] } : {}),
    };
  }

  apiManagement(subscriptionId: string): ApiManagementClient {
    let client = this.apim.get(subscriptionId);
    if (!client) {
      client = new ApiManagementClient(this.options.credential, subscriptionId, this.clientOptions());
      this.apim.set(subscriptionId, client);
    }
    return client;
  }

  networkManagement(subscriptionId: string): NetworkManagementClient {
    let client = this.network.get(subscriptionId);
    if (!client) {
      client = new NetworkManagementClient(this.options.credential, subscriptionId, this.clientOptions());
      this.network.set(subscriptionId, client);
    }
    return client;
  }

  subscriptions(): SubscriptionClient {
    this.subscriptionClient ??= new SubscriptionClient(this.options.credential, this.clientOptions());
    return this.subscriptionClient;
  }
}
