import https from 'node:https';
import tls from 'node:tls';
import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ArmObserver } from './observer.js';
import { operationOf, subscriptionOf } from './operations.js';

/**
 * Trusts an extra CA (the simulator's, or a corporate proxy's) for the ARM endpoint's origin only:
 * NODE_EXTRA_CA_CERTS is read once at process start, and TLS checks stay on everywhere else.
 */
export function extraCaPolicy(endpoint: string, caPem: string): PipelinePolicy {
  const origin = new URL(endpoint).origin;
  // One secure context for every connection: built from `ca` per connection, it would parse the ~150
  // root certificates each time (and the agent would key its pool on their concatenated PEM text).
  const secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, caPem] });
  const agent = new https.Agent({ secureContext, keepAlive: true });
  return {
    name: 'apimNetwatchExtraCa',
    sendRequest(request, next) {
      if (new URL(request.url).origin === origin) request.agent = agent;
      return next(request);
    },
  };
}

const RATE_LIMIT_HEADER = /^x-ms-ratelimit-remaining-(.+)$/;

/** Runs per retry, so that every attempt ARM sees is counted. */
export function observerPolicy(observer: ArmObserver): PipelinePolicy {
  return {
    name: 'apimNetwatchObserver',
    async sendRequest(request, next) {
      const path = new URL(request.url).pathname;
      const started = performance.now();
      const base = { operation: operationOf(path), subscriptionId: subscriptionOf(path) };
      try {
        const response = await next(request);
        const rateLimitRemaining: Record<string, number> = {};
        for (const [name, value] of response.headers) {
          const scope = RATE_LIMIT_HEADER.exec(name.toLowerCase())?.[1];
          const remaining = Number(value);
          if (scope && Number.isFinite(remaining)) rateLimitRemaining[scope] = remaining;
        }
        observer.onRequest({ ...base, code: String(response.status), rateLimitRemaining, durationMs: performance.now() - started });
        return response;
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'error';
        observer.onRequest({ ...base, code, rateLimitRemaining: {}, durationMs: performance.now() - started });
        throw err;
      }
    },
  };
}

/**
 * Bounds each attempt, so one hung connection cannot hold a poll. The HTTP client reports its timeout
 * as a bare AbortError, which the retry policy gives up on and whose message says nothing of a timeout:
 * it is re-thrown as `ETIMEDOUT`, a system error the SDK's retry policy retries (and the metrics and
 * logs name).
 */
export function timeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'apimNetwatchTimeout',
    async sendRequest(request, next) {
      request.timeout = timeoutMs;
      try {
        return await next(request);
      } catch (err) {
        if ((err as Error | undefined)?.name === 'AbortError' && !request.abortSignal?.aborted) {
          throw new RestError(`ARM did not answer within ${timeoutMs} ms (azure.requestTimeoutSeconds)`, { code: 'ETIMEDOUT', request });
        }
        throw err;
      }
    },
  };
}
