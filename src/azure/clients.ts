import { AsyncLocalStorage } from 'node:async_hooks';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { GraphQuota } from './graph-quota.js';
import { NetworkManagementClient } from '@azure/arm-network';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import type { TokenCredential } from '@azure/core-auth';
import { ServiceClient, type AdditionalPolicyConfig } from '@azure/core-client';
import { NO_OBSERVER, type ArmObserver, type ArmRequestEvent } from './observer.js';
import { abortPolicy, extraCaPolicy, observerPolicy, retryAfterCapPolicy, timeoutPolicy, type ExtraCaPolicy } from './policies.js';
import { ResourceGraphReader } from './resource-graph.js';
import { ArmListReader } from './arm-list.js';

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
  /** A longer `Retry-After` than this fails the request as `Throttled` instead of waiting (default 60 s). */
  maxRetryAfterMs?: number;
  /** Aborts every request in flight (shutdown). */
  abortSignal?: AbortSignal;
  observer?: ArmObserver;
}

/** ARM requests sent so far (every attempt), in all and by operation. */
export interface ArmRequestTally {
  total: number;
  byOperation: Record<string, number>;
  /** Requests against a subscription's scope (ARM's per-subscription throttling applies to these). */
  bySubscription: Record<string, number>;
}

export const emptyTally = (): ArmRequestTally => ({ total: 0, byOperation: {}, bySubscription: {} });

function count(tally: ArmRequestTally, event: ArmRequestEvent): void {
  tally.total += 1;
  tally.byOperation[event.operation] = (tally.byOperation[event.operation] ?? 0) + 1;
  if (event.subscriptionId) tally.bySubscription[event.subscriptionId] = (tally.bySubscription[event.subscriptionId] ?? 0) + 1;
}

/** One set of SDK clients per subscription, all sharing the same pipeline policies. */
export class ArmClients {
  private readonly apim = new Map<string, ApiManagementClient>();
  private readonly network = new Map<string, NetworkManagementClient>();
  private subscriptionClient?: SubscriptionClient;
  private graphReader?: ResourceGraphReader;
  private listReader?: ArmListReader;
  private plainClient?: ServiceClient;
  private readonly tally = emptyTally();
  /** The tally of the work (a poll's reading, a watch step) a request is sent for. */
  private readonly workTally = new AsyncLocalStorage<ArmRequestTally>();
  private readonly observer: ArmObserver;
  /** Resource Graph's per-caller quota, as its responses report it: every Resource Graph caller paces by it. */
  readonly graphQuota: GraphQuota;
  /** Shared by every client, so that all of them use one connection pool to the endpoint. */
  private readonly caPolicy: ExtraCaPolicy | undefined;

  constructor(private readonly options: ArmClientOptions) {
    this.graphQuota = new GraphQuota({ ...(options.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: options.maxRetryAfterMs } : {}), ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) });
    const forward = options.observer ?? NO_OBSERVER;
    this.observer = {
      onRequest: (event: ArmRequestEvent) => {
        count(this.tally, event);
        const work = this.workTally.getStore();
        if (work) count(work, event);
        if (event.operation === 'Resources_Query' && /^\d+$/.test(event.code)) this.graphQuota.answered(Number(event.code), event.userQuota);
        forward.onRequest(event);
      },
    };
    this.caPolicy = options.caPem ? extraCaPolicy(options.endpoint, options.caPem) : undefined;
  }

  /**
   * Releases the connection pool these clients own (the extra CA's), once nothing will be sent any more
   * (shutdown, or a monitor a reload replaced): its idle keep-alive sockets would otherwise stay open until
   * the server drops them. Requests in flight are ended by the abort signal, not here.
   */
  close(): void {
    this.caPolicy?.close();
  }

  /** A copy of the request counts so far, of every caller. */
  requests(): ArmRequestTally {
    return { total: this.tally.total, byOperation: { ...this.tally.byOperation }, bySubscription: { ...this.tally.bySubscription } };
  }

  /**
   * Runs `work`, counting into `tally` the requests it sends and those of whatever it starts (the async
   * context carries the tally): a poll and a watch run that overlap each count their own.
   */
  countingInto<T>(tally: ArmRequestTally, work: () => T): T {
    return this.workTally.run(tally, work);
  }

  private clientOptions() {
    const { endpoint, credentialScope, maxRetries, retryDelayMs, requestTimeoutMs, maxRetryAfterMs, abortSignal } = this.options;
    const additionalPolicies: AdditionalPolicyConfig[] = [
      { policy: observerPolicy(this.observer), position: 'perRetry' },
      { policy: timeoutPolicy(requestTimeoutMs ?? 30_000), position: 'perRetry' },
      { policy: retryAfterCapPolicy(maxRetryAfterMs ?? 60_000), position: 'perRetry' },
    ];
    if (abortSignal) additionalPolicies.push({ policy: abortPolicy(abortSignal), position: 'perCall' });
    if (this.caPolicy) additionalPolicies.push({ policy: this.caPolicy, position: 'perRetry' });
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

  /** A core-client pipeline identical to the SDK clients', for requests no SDK client covers. */
  private plain(): ServiceClient {
    this.plainClient ??= new ServiceClient({ credential: this.options.credential, ...this.clientOptions() });
    return this.plainClient;
  }

  /** Resource Graph (see resource-graph.ts). */
  resourceGraph(): ResourceGraphReader {
    this.graphReader ??= new ResourceGraphReader(this.plain(), this.options.endpoint, this.graphQuota, (reason) => this.options.observer?.onGraphReadFailed?.(reason));
    return this.graphReader;
  }

  /** Plain ARM lists, for resource types without an installed SDK (arm-list.ts). */
  armList(): ArmListReader {
    this.listReader ??= new ArmListReader(this.plain(), this.options.endpoint);
    return this.listReader;
  }

  subscriptions(): SubscriptionClient {
    this.subscriptionClient ??= new SubscriptionClient(this.options.credential, this.clientOptions());
    return this.subscriptionClient;
  }
}
