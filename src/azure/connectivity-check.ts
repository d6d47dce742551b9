import type { ConnectivityCheckRequest, ConnectivityCheckResponse } from '@azure/arm-apimanagement';
import { parseApimId } from '../model/ids.js';
import type { ArmClients } from './clients.js';

/** The permission a connectivity check needs beyond Reader (Azure's 403 names it). */
export const CONNECTIVITY_CHECK_PERMISSION = 'Microsoft.ApiManagement/service/connectivityCheck/action';

export type ProbeProtocol = 'TCP' | 'HTTP' | 'HTTPS';

export interface ConnectivityCheckInput {
  /** The APIM instance's resource ID. */
  apimId: string;
  /** The gateway region the check runs from, as ARM names it (e.g. `westeurope` or `West Europe`). */
  region: string;
  address: string;
  port: number;
  protocol?: ProbeProtocol;
  /** HTTP(S) only: the method and status codes that count as reachable. */
  http?: { method?: 'GET' | 'POST'; validStatusCodes?: number[] };
}

export interface ConnectivityCheckOptions {
  /** The whole check, polls included, ends by then (default 120 s: Azure's checks take seconds to a minute). */
  deadlineMs?: number;
  /** Between polls when the answer carries no Retry-After (default 2 s, the SDK's own). */
  pollIntervalMs?: number;
}

export type CheckFailureKind = 'permission' | 'throttled' | 'timeout' | 'not-found' | 'error';

export interface CheckFailure {
  kind: CheckFailureKind;
  message: string;
  status?: number;
  /** 429: how long ARM asked to wait (its Retry-After header, in seconds), when it said. */
  retryAfterSeconds?: number;
}

function retryAfterOf(err: unknown): number | undefined {
  const headers = (err as { response?: { headers?: { get?(name: string): string | undefined } } }).response?.headers;
  const value = headers?.get?.('retry-after');
  const seconds = value === undefined ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

export type ConnectivityCheckOutcome =
  | { ok: true; response: ConnectivityCheckResponse; seconds: number }
  | { ok: false; failure: CheckFailure };

function requestOf(input: ConnectivityCheckInput): ConnectivityCheckRequest {
  const request: ConnectivityCheckRequest = {
    source: { region: input.region },
    destination: { address: input.address, port: input.port },
    ...(input.protocol ? { protocol: input.protocol } : {}),
  };
  if (input.http && input.protocol && input.protocol !== 'TCP') request.protocolConfiguration = { httpConfiguration: input.http };
  return request;
}

/** A failed check said as the user can act on it: 403 names the missing permission, 429 and deadlines say to retry. */
export function failureOf(err: unknown, input: ConnectivityCheckInput, deadlineMs: number): CheckFailure {
  const e = err as { name?: string; statusCode?: number; code?: string; message?: string };
  const where = `the connectivity check from ${input.region} to ${input.address}:${input.port}`;
  if (e.name === 'AbortError') return { kind: 'timeout', message: `${where} did not finish within ${Math.round(deadlineMs / 1000)} s; try again later` };
  const status = e.statusCode;
  const said = (e.message ?? String(err)).split('\n', 1)[0];
  if (status === 403) {
    return {
      kind: 'permission',
      status,
      message: `${where} was refused (403): the identity lacks ${CONNECTIVITY_CHECK_PERMISSION} on the instance; grant it through a custom role holding only that action (README, "Azure permissions"); the built-in API Management Service Contributor has it too, but can also change the instance`,
    };
  }
  if (status === 429 || e.code === 'Throttled') {
    const retryAfterSeconds = retryAfterOf(err);
    return { kind: 'throttled', status: status ?? 429, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}), message: `${where} was throttled by ARM (429): ${said}; try again after the Retry-After` };
  }
  if (status === 404) return { kind: 'not-found', status, message: `${where} failed: the instance was not found (404): ${said}` };
  return { kind: 'error', ...(status !== undefined ? { status } : {}), message: `${where} failed${status ? ` (${status})` : ''}: ${said}` };
}

/**
 * Runs APIM's connectivity check (a long-running operation: 202 + location, polled until the result) through the
 * SDK client, within a deadline. Never throws for Azure's answers: a failure is returned, typed.
 */
export async function runConnectivityCheck(clients: ArmClients, input: ConnectivityCheckInput, options: ConnectivityCheckOptions = {}): Promise<ConnectivityCheckOutcome> {
  const ref = parseApimId(input.apimId);
  const deadlineMs = options.deadlineMs ?? 120_000;
  const abortSignal = AbortSignal.timeout(deadlineMs);
  const started = Date.now();
  try {
    const client = clients.apiManagement(ref.subscriptionId);
    const poller = await client.beginPerformConnectivityCheckAsync(ref.resourceGroup, ref.name, requestOf(input), {
      abortSignal,
      updateIntervalInMs: options.pollIntervalMs ?? 2_000,
    });
    const response = await poller.pollUntilDone({ abortSignal });
    return { ok: true, response, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    return { ok: false, failure: failureOf(abortSignal.aborted ? { name: 'AbortError' } : err, input, deadlineMs) };
  }
}
