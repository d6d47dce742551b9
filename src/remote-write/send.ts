import { setTimeout as sleep } from 'node:timers/promises';
import { PROTOCOL_HEADERS } from './protocol.js';

/** One remote-write request, retried as Prometheus retries: on 5xx, 429 and no answer, with back-off; never on another 4xx. */

export interface SendOptions {
  url: string;
  /** Authentication and the configured extra headers, resolved for this push. */
  headers: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  /** Fired at shutdown: the request in flight and any back-off end at once. */
  signal: AbortSignal;
  /** Each attempt's outcome: the HTTP status code, or `error` when none came. */
  attempted(code: string): void;
  /** First back-off (doubled per retry, up to `maxBackoffMs`); tests shorten it. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export type SendResult =
  | { ok: true }
  /** `retryable`: the receiver was down or overloaded (the rest of the push would fare no better). */
  | { ok: false; retryable: boolean; reason: string };

const DEFAULT_MIN_BACKOFF_MS = 500;
const DEFAULT_MAX_BACKOFF_MS = 5000;
/** The longest Retry-After honoured: a receiver asking for more is retried at the next push instead. */
const MAX_RETRY_AFTER_MS = 30_000;

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

async function attempt(body: Buffer, options: SendOptions): Promise<{ code: string; retryable: boolean; reason?: string; waitMs?: number }> {
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { ...options.headers, ...PROTOCOL_HEADERS, 'User-Agent': 'apim-netwatch' },
      body,
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
    });
    const code = String(response.status);
    if (response.ok) {
      await response.body?.cancel();
      return { code, retryable: false };
    }
    // The receiver says why (an out-of-order sample, a missing role assignment): kept short for the log.
    const text = (await response.text().catch(() => '')).slice(0, 300).trim();
    const retryable = response.status === 429 || response.status >= 500;
    const waitMs = response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    return { code, retryable, reason: `HTTP ${code}${text ? `: ${text}` : ''}`, ...(waitMs !== undefined ? { waitMs } : {}) };
  } catch (err) {
    const error = err as Error & { cause?: { code?: string; message?: string } };
    const reason = error.name === 'TimeoutError' ? `no answer within ${options.timeoutMs / 1000} s` : (error.cause?.code ?? error.cause?.message ?? error.message);
    return { code: 'error', retryable: true, reason };
  }
}

export async function sendWithRetries(body: Buffer, options: SendOptions): Promise<SendResult> {
  const minBackoff = options.minBackoffMs ?? DEFAULT_MIN_BACKOFF_MS;
  const maxBackoff = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  for (let tries = 0; ; tries++) {
    const result = await attempt(body, options);
    options.attempted(result.code);
    if (!result.reason) return { ok: true };
    if (options.signal.aborted) return { ok: false, retryable: true, reason: 'stopped' };
    if (!result.retryable || tries >= options.maxRetries || (result.waitMs ?? 0) > MAX_RETRY_AFTER_MS) {
      return { ok: false, retryable: result.retryable, reason: result.reason };
    }
    // Full jitter, so that replicas pushing to one receiver do not retry in step.
    const backoff = Math.min(maxBackoff, minBackoff * 2 ** tries);
    const waitMs = result.waitMs ?? backoff / 2 + Math.random() * (backoff / 2);
    try {
      await sleep(waitMs, undefined, { signal: options.signal });
    } catch {
      return { ok: false, retryable: true, reason: 'stopped' };
    }
  }
}
