import { setMaxListeners } from 'node:events';
import { parseResetsAfter, type UserQuota } from './graph-quota.js';
import https from 'node:https';
import tls from 'node:tls';
import { RestError, type PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ArmObserver } from './observer.js';
import { operationOf, subscriptionOf } from './operations.js';

/**
 * Trusts an extra CA (the simulator's, or a corporate proxy's) for the ARM endpoint's origin only:
 * NODE_EXTRA_CA_CERTS is read once at process start, and TLS checks stay on everywhere else.
 */
export function extraCaPolicy(endpoint: string, caPem: string): ExtraCaPolicy {
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
    close: () => agent.destroy(),
  };
}

/** The extra-CA policy owns its connection pool: `close()` destroys its sockets (the clients are done with). */
export interface ExtraCaPolicy extends PipelinePolicy {
  close(): void;
}

/** How long ARM asks to wait before a retry (429/503), in ms: `retry-after-ms`, `x-ms-retry-after-ms`, or `Retry-After` (seconds or a date). */
export function retryAfterMs(status: number, headers: { get(name: string): string | undefined }, now = Date.now()): number | undefined {
  if (status !== 429 && status !== 503) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(value)) return value;
  }
  const text = headers.get('retry-after');
  if (text === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * The SDK waits as long as `Retry-After` says, however long: one instance answering `Retry-After: 600`
 * would hold its slot, the poll and readiness for ten minutes. Up to the cap the wait is honoured;
 * beyond it the request fails at once as `Throttled` (no response attached, so the retry policy gives
 * up), the target is failed for this poll and tried again at the next.
 */
export function retryAfterCapPolicy(capMs: number): PipelinePolicy {
  return {
    name: 'apimNetwatchRetryAfterCap',
    async sendRequest(request, next) {
      const response = await next(request);
      const wait = retryAfterMs(response.status, response.headers);
      if (wait !== undefined && wait > capMs) {
        throw new RestError(
          `ARM throttled the request and asked to wait ${Math.round(wait / 1000)} s (Retry-After), more than azure.maxRetryAfterSeconds (${Math.round(capMs / 1000)} s): skipped until the next poll`,
          { code: 'Throttled', statusCode: response.status, request },
        );
      }
      return response;
    },
  };
}

/**
 * Aborts every request (and every wait between retries) once `signal` fires: shutdown must not wait on ARM.
 * A request with a signal of its own (a target's deadline) follows both; the listeners go when it ends.
 */
export function abortPolicy(signal: AbortSignal): PipelinePolicy {
  // One listener per request in flight (up to `concurrency`): many at once is the design, not a leak.
  setMaxListeners(0, signal);
  return {
    name: 'apimNetwatchAbort',
    async sendRequest(request, next) {
      const own = request.abortSignal;
      if (!own) {
        request.abortSignal = signal;
        return next(request);
      }
      const both = new AbortController();
      const abort = () => both.abort();
      if (own.aborted || signal.aborted) abort();
      own.addEventListener('abort', abort);
      signal.addEventListener('abort', abort);
      request.abortSignal = both.signal;
      try {
        return await next(request);
      } finally {
        own.removeEventListener('abort', abort);
        signal.removeEventListener('abort', abort);
      }
    },
  };
}

const RATE_LIMIT_HEADER = /^x-ms-ratelimit-remaining-(.+)$/;

/** Resource Graph's quota as its headers say it; undefined unless both are there and readable. */
export function userQuotaOf(remaining: string | undefined, resetsAfter: string | undefined): UserQuota | undefined {
  const left = Number(remaining);
  const resetsAfterMs = resetsAfter === undefined ? undefined : parseResetsAfter(resetsAfter);
  return remaining !== undefined && Number.isInteger(left) && resetsAfterMs !== undefined ? { remaining: left, resetsAfterMs } : undefined;
}

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
        const userQuota = userQuotaOf(response.headers.get('x-ms-user-quota-remaining'), response.headers.get('x-ms-user-quota-resets-after'));
        observer.onRequest({ ...base, code: String(response.status), rateLimitRemaining, ...(userQuota ? { userQuota } : {}), durationMs: performance.now() - started });
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
 * Bounds each attempt, so one hung connection cannot hold a poll. The timer is the policy's own, cleared
 * however the attempt ends: the HTTP client's `request.timeout` timer outlives an abort (it is cleared only
 * when response headers arrive), and would hold a stopping process for the rest of the attempt's time.
 * A timed-out attempt is thrown as `ETIMEDOUT`, a system error the SDK's retry policy retries (and the
 * metrics and logs name); an abort from the caller stays an abort, which the retry policy gives up on.
 */
export function timeoutPolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'apimNetwatchTimeout',
    async sendRequest(request, next) {
      const callers = request.abortSignal;
      const attempt = new AbortController();
      const abort = () => attempt.abort();
      if (callers?.aborted) abort();
      callers?.addEventListener('abort', abort);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, timeoutMs);
      request.abortSignal = attempt.signal;
      try {
        return await next(request);
      } catch (err) {
        if (timedOut && !callers?.aborted) {
          throw new RestError(`ARM did not answer within ${timeoutMs} ms (azure.requestTimeoutSeconds)`, { code: 'ETIMEDOUT', request });
        }
        throw err;
      } finally {
        clearTimeout(timer);
        callers?.removeEventListener('abort', abort);
        // The retry policy waits on the caller's signal between attempts, and the next attempt starts from it.
        request.abortSignal = callers;
      }
    },
  };
}
